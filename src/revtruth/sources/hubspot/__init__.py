"""HubSpot source: companies, contacts and deals (with the companies each is associated with),
owners and deal pipelines, through the official `hubspot-api-client`.

The first sync lists every object. Later syncs search for the objects modified since the
newest one read, on `hs_lastmodifieddate` (`lastmodifieddate` for contacts), splitting the
time range until each window holds at most the 10,000 results a search returns, and fetch
the changed objects' company links (search does not return them). Objects are merged on
`id`, so re-running never duplicates; archived (deleted) objects are listed at every sync
and land with `archived` true. Owners and pipelines are small and replaced whole. Rate
limits are honoured by the client's own retries (429 with Retry-After, 5xx, backoff).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dlt
from dlt.sources import DltResource

from revtruth.sources.hubspot.helpers import (
    call,
    changed_between,
    companies_of,
    list_all,
    make_client,
    modified_ms,
    record,
)
from revtruth.sources.hubspot.settings import (
    ASSOCIATIONS,
    LIST_PAGE_MAX,
    PROPERTIES,
    SEARCH_RESULTS_MAX,
)
from revtruth.sources.quarantine import split_valid

OBJECT_TYPES = ("companies", "contacts", "deals")


@dlt.source(name="hubspot", max_table_nesting=1)
def hubspot_source(
    access_token: str = dlt.secrets.value,
    base_url: str = "https://api.hubapi.com",
    extra_properties: Mapping[str, Sequence[str]] | None = None,
    retries: int = 8,
    timeout_seconds: float = 60,
    search_results_max: int = SEARCH_RESULTS_MAX,
) -> list[DltResource]:
    client = make_client(access_token, base_url, retries)
    where = base_url.removeprefix("https://").removeprefix("http://").rstrip("/")
    resources = [
        _object_resource(
            client,
            object_type,
            [*PROPERTIES[object_type], *(extra_properties or {}).get(object_type, ())],
            timeout_seconds,
            where,
            search_results_max,
        )
        for object_type in OBJECT_TYPES
    ]
    resources += [
        _owners_resource(client, timeout_seconds, where),
        _pipelines_resource(client, timeout_seconds, where),
    ]
    return resources


def _object_resource(
    client: Any,
    object_type: str,
    properties: list[str],
    timeout: float,
    where: str,
    results_max: int,
) -> DltResource:
    def read() -> Iterator[Any]:
        state = dlt.current.resource_state()
        since = state.get("modified_since_ms")
        newest = since or 0
        started_ms = int(time.time() * 1000)
        if since is None:  # first sync: every object, with its company links
            pages: Any = list_all(
                client, object_type, properties, archived=False, timeout=timeout, where=where
            )
        else:
            pages = _changed_pages(
                client, object_type, properties, (since, started_ms), timeout, where, results_max
            )
        for rows in pages:
            for row in rows:
                newest = max(newest, modified_ms(row, object_type) or 0)
            yield from split_valid(rows, object_type, "hubspot")
        # archived (HubSpot's deleted) objects: search never returns them
        for rows in list_all(
            client, object_type, properties, archived=True, timeout=timeout, where=where
        ):
            yield from split_valid(rows, object_type, "hubspot")
        # the newest change read; the next sync searches from it (the objects of that very
        # millisecond again, merged on id)
        state["modified_since_ms"] = newest or started_ms

    return dlt.resource(read, name=object_type, primary_key="id", write_disposition="merge")


def _changed_pages(
    client: Any, object_type: str, properties: list[str], window: tuple[int, int],
    timeout: float, where: str, results_max: int,
) -> Iterator[list[dict[str, Any]]]:  # fmt: skip
    target = ASSOCIATIONS.get(object_type)
    since, until = window
    for found in changed_between(
        client, object_type, properties, since, until + 1, timeout=timeout, where=where,
        results_max=results_max,
    ):  # fmt: skip
        links = (
            companies_of(client, object_type, [o.id for o in found], timeout=timeout, where=where)
            if target
            else {}
        )
        yield [record(obj, links.get(obj.id, []) if target else None) for obj in found]


def _owners_resource(client: Any, timeout: float, where: str) -> DltResource:
    def read() -> Iterator[Any]:
        api = client.crm.owners.owners_api
        for archived in (False, True):
            after = None
            while True:
                page = call(
                    where, api.get_page, timeout=timeout, limit=LIST_PAGE_MAX, after=after,
                    archived=archived,
                )  # fmt: skip
                owners = [owner.to_dict() for owner in page.results]
                for owner in owners:
                    owner.pop("teams", None)
                yield from split_valid(owners, "owners", "hubspot")
                if not page.paging or not page.paging.next:
                    break
                after = page.paging.next.after

    return dlt.resource(read, name="owners", primary_key="id", write_disposition="replace")


def _pipelines_resource(client: Any, timeout: float, where: str) -> DltResource:
    def read() -> Iterator[Any]:
        answer = call(where, client.crm.pipelines.pipelines_api.get_all, "deals", timeout=timeout)
        # each pipeline with its stages (a child table): a stage's metadata says whether it
        # is closed and its probability, which is how "won" is known
        yield [pipeline.to_dict() for pipeline in answer.results]

    return dlt.resource(read, name="deal_pipelines", primary_key="id", write_disposition="replace")
