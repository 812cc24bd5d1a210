"""Reading HubSpot's CRM through the official client: lists, searches split until they fit,
archived objects, owners, pipelines and associations, each request with a timeout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from revtruth.sources import SourceError
from revtruth.sources.hubspot.settings import (
    ASSOCIATIONS,
    LIST_PAGE_MAX,
    MODIFIED,
    SEARCH_PAGE_MAX,
    SEARCH_RESULTS_MAX,
)


class HubSpotError(SourceError):
    """HubSpot refused or could not be reached; the message names the address."""


def make_client(access_token: str, base_url: str, retries: int) -> Any:
    """The official client, at `base_url`. It retries rate limiting (429, honouring
    Retry-After) and server errors itself, with backoff; search is a POST, and a read, so
    it is retried too."""
    from hubspot import HubSpot
    from urllib3.util.retry import Retry

    retry = Retry(
        total=retries,
        backoff_factor=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    return HubSpot(access_token=access_token, host=base_url.rstrip("/"), retry=retry)


def call(where: str, function: Any, *args: Any, timeout: float, **kwargs: Any) -> Any:
    """One API call with a (connect, read) timeout; a failure as a HubSpotError naming
    `where` and saying whether a later sync can help."""
    import urllib3

    try:
        return function(*args, _request_timeout=(min(10, timeout), timeout), **kwargs)
    except urllib3.exceptions.HTTPError as exc:
        raise HubSpotError(
            f"HubSpot at {where} could not be read ({type(exc).__name__}); a network problem, "
            "so running `revtruth sync hubspot` again later may succeed"
        ) from exc
    except Exception as exc:
        status = getattr(exc, "status", None)
        if status is None:
            raise
        reason = getattr(exc, "reason", "") or ""
        later = " (rate limited: a later sync will go on)" if status == 429 else ""
        if status == 401:
            reason = "the access token was refused: check sources.hubspot.access_token"
        raise HubSpotError(f"HubSpot at {where} answered {status} {reason}{later}") from exc


def record(obj: Any, associated: list[str] | None = None) -> dict[str, Any]:
    """An object as the row that lands: its properties as columns (strings, as HubSpot sends
    them), its own fields, and the ids of the companies it is associated with."""
    row: dict[str, Any] = {
        "id": obj.id,
        "created_at": obj.created_at,
        "updated_at": obj.updated_at,
        "archived": bool(obj.archived),
        "archived_at": getattr(obj, "archived_at", None),
    }
    for name, value in (obj.properties or {}).items():
        if name not in row:
            row[name] = value
    if associated is not None:
        row["company_ids"] = associated
    return row


def _associated_ids(obj: Any, target: str) -> list[str]:
    found = (getattr(obj, "associations", None) or {}).get(target)
    return [link.id for link in (found.results if found else [])]


def list_all(
    client: Any, object_type: str, properties: list[str], *, archived: bool, timeout: float,
    where: str,
) -> Iterator[list[dict[str, Any]]]:  # fmt: skip
    """Every object of a type (live or archived), a page at a time, with its company links."""
    api = getattr(client.crm, object_type).basic_api
    target = ASSOCIATIONS.get(object_type)
    after = None
    while True:
        page = call(
            where, api.get_page, timeout=timeout, limit=LIST_PAGE_MAX, after=after,
            properties=properties, archived=archived,
            associations=[target] if target else None,
        )  # fmt: skip
        rows = [
            record(obj, _associated_ids(obj, target) if target else None) for obj in page.results
        ]
        if rows:
            yield rows
        if not page.paging or not page.paging.next:
            return
        after = page.paging.next.after


def changed_between(
    client: Any, object_type: str, properties: list[str], since_ms: int, until_ms: int, *,
    timeout: float, where: str, results_max: int = SEARCH_RESULTS_MAX,
) -> Iterator[list[Any]]:  # fmt: skip
    """The objects modified in [since_ms, until_ms), oldest first, a page at a time.

    One search returns at most 10,000 results, however it is paged, so a window holding more
    is split in two, and again, until each part fits; a part that cannot be split (more
    than 10,000 changes in one millisecond) fails rather than lose the rest."""
    from hubspot.crm.objects import PublicObjectSearchRequest

    api = getattr(client.crm, object_type).search_api
    modified = MODIFIED[object_type]
    windows = [(since_ms, until_ms)]
    while windows:
        low, high = windows.pop(0)
        after = None
        while True:
            request = PublicObjectSearchRequest(
                filter_groups=[{"filters": [
                    {"propertyName": modified, "operator": "GTE", "value": str(low)},
                    {"propertyName": modified, "operator": "LT", "value": str(high)},
                ]}],
                sorts=[{"propertyName": modified, "direction": "ASCENDING"}],
                properties=properties,
                limit=min(SEARCH_PAGE_MAX, results_max),
                after=after,
            )  # fmt: skip
            page = call(where, api.do_search, timeout=timeout, public_object_search_request=request)
            if after is None and page.total > results_max:
                if high - low <= 1:
                    raise HubSpotError(
                        f"HubSpot at {where}: more than {results_max} {object_type} "
                        "changed within one millisecond; they cannot be read by search"
                    )
                middle = (low + high) // 2
                windows[:0] = [(low, middle), (middle, high)]
                break
            if page.results:
                yield page.results
            if not page.paging or not page.paging.next:
                break
            after = page.paging.next.after


def companies_of(
    client: Any, object_type: str, ids: list[str], *, timeout: float, where: str
) -> dict[str, list[str]]:
    """The company ids each object is associated with (v4 batch reads, 100 ids at a time)."""
    from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest

    found: dict[str, list[str]] = {object_id: [] for object_id in ids}
    for start in range(0, len(ids), 100):
        batch = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[{"id": object_id} for object_id in ids[start : start + 100]]
        )
        answer = call(
            where, client.crm.associations.v4.batch_api.get_page, timeout=timeout,
            from_object_type=object_type, to_object_type="companies",
            batch_input_public_fetch_associations_batch_request=batch,
        )  # fmt: skip
        for result in answer.results:
            found[result._from.id] = [str(link.to_object_id) for link in result.to]
    return found


def modified_ms(row: dict[str, Any], object_type: str) -> int | None:
    value = row.get(MODIFIED[object_type]) or row.get("updated_at")
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, str) and value:
        if value.isdigit():
            return int(value)
        return int(datetime.fromisoformat(value).timestamp() * 1000)
    return None
