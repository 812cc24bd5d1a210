"""Stripe source: customers, products, prices, coupons, subscriptions (all statuses, with
items and discounts), invoices (with line items) and events, through the official client.

Objects are merged on `id`, so re-running a sync never duplicates them. The first sync lists
everything; later ones read Stripe's events and fetch again only the objects they name, with
a full list on a schedule and whenever events may have been missed (changes.py). Deleted
objects are marked in `deletions`. Malformed records are quarantined with the reason instead
of failing the sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource

from revtruth.sources.quarantine import QUARANTINE_TABLE, split_valid
from revtruth.sources.stripe.changes import (
    Reading,
    deleted_by_events,
    deletion,
    fetch_changed,
    ids_in_warehouse,
)
from revtruth.sources.stripe.helpers import list_pages, make_client
from revtruth.sources.stripe.settings import (
    COLUMN_HINTS,
    EVENTS,
    MERGED_ENDPOINTS,
    PAGE_SIZE_MAX,
    Endpoint,
)


@dlt.source(name="stripe")
def stripe_source(
    api_key: str = dlt.secrets.value,
    base_url: str = "https://api.stripe.com",
    page_size: int = PAGE_SIZE_MAX,
    max_network_retries: int = 5,
    timeout_seconds: float = 30,
    full_relist_days: float = 7,
) -> list[DltResource]:
    client = make_client(api_key, base_url, max_network_retries, timeout_seconds)
    reading = Reading(client, page_size, full_relist_days)
    resources = [_merged_resource(reading, endpoint) for endpoint in MERGED_ENDPOINTS]
    resources.append(_events_resource(reading))
    return resources


def _merged_resource(reading: Reading, endpoint: Endpoint) -> DltResource:
    def read() -> Iterator[Any]:
        if not reading.plan().full:
            fetched, deleted = fetch_changed(reading, endpoint.resource)
            yield from split_valid(fetched, endpoint.resource, "stripe")
            yield from deleted
            return
        listed: set[str] = set()
        for page in list_pages(reading.client, endpoint, page_size=reading.page_size):
            listed.update(obj["id"] for obj in page if isinstance(obj.get("id"), str))
            yield from split_valid(page, endpoint.resource, "stripe")
        # What the warehouse holds and a whole list no longer shows was deleted in between:
        # at the time its event says, or, its event missed, by the time of this list.
        by_events = deleted_by_events(reading, endpoint.resource)
        yield from by_events
        told = set(reading.plan().deleted.get(endpoint.resource, {}))
        for object_id in sorted(ids_in_warehouse(endpoint.resource) - listed - told):
            yield deletion(endpoint.resource, object_id, int(reading.plan().started_at), "list")

    return dlt.resource(
        read,
        name=endpoint.resource,
        primary_key="id",
        write_disposition="merge",
        columns=COLUMN_HINTS.get(endpoint.resource),
    )


def _events_resource(reading: Reading) -> DltResource:
    def read() -> Iterator[Any]:
        plan = reading.plan()
        yield from split_valid(plan.events, EVENTS.resource, "stripe")
        # The state goes in with this load or not at all: a sync that fails re-reads.
        state = dlt.current.source_state()
        if plan.events_read_to is not None:
            state["events_read_to"] = plan.events_read_to
        state["recent_events"] = plan.recent_events
        if plan.full:
            state["last_full_list_at"] = plan.started_at
        state["last_read"] = plan.summary()

    # An event's `data.object` is a whole customer, subscription or invoice: kept as one JSON
    # column, or every object type's fields would be spread over the events table. Events
    # are read again from a little before the newest one seen: merged on `id`, they land once.
    return dlt.resource(
        read,
        name="events",
        primary_key="id",
        write_disposition="merge",
        columns={"data": {"data_type": "json"}},
    )


__all__ = ["QUARANTINE_TABLE", "stripe_source"]
