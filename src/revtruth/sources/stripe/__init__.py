"""Stripe source: customers, products, prices, coupons, subscriptions (all statuses, with
items and discounts), invoices (with line items) and events, through the official client.

Mutable objects are merged on `id`, so re-running a sync never duplicates them; events are
immutable and appended incrementally on `created`. Records without an id are quarantined
with the reason instead of failing the sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource

from revtruth.sources.quarantine import QUARANTINE_TABLE, split_valid
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
) -> list[DltResource]:
    client = make_client(api_key, base_url, max_network_retries, timeout_seconds)
    resources = [_merged_resource(client, endpoint, page_size) for endpoint in MERGED_ENDPOINTS]
    resources.append(_events_resource(client, page_size))
    return resources


def _merged_resource(client: Any, endpoint: Endpoint, page_size: int) -> DltResource:
    def read() -> Iterator[Any]:
        for page in list_pages(client, endpoint, page_size=page_size):
            yield from split_valid(page, endpoint.resource, "stripe")

    return dlt.resource(
        read,
        name=endpoint.resource,
        primary_key="id",
        write_disposition="merge",
        columns=COLUMN_HINTS.get(endpoint.resource),
    )


def _events_resource(client: Any, page_size: int) -> DltResource:
    def read(
        created: dlt.sources.incremental[int] = dlt.sources.incremental("created", initial_value=0),
    ) -> Iterator[Any]:
        # Events of the same second as the last sync are read again: the cursor's
        # deduplication on the primary key keeps them once.
        for page in list_pages(
            client,
            EVENTS,
            page_size=page_size,
            extra_params={"created": {"gte": created.last_value}},
        ):
            yield from split_valid(page, EVENTS.resource, "stripe")

    # An event's `data.object` is a whole customer, subscription or invoice: kept as one JSON
    # column, or every object type's fields would be spread over the events table.
    return dlt.resource(
        read,
        name="events",
        primary_key="id",
        write_disposition="append",
        columns={"data": {"data_type": "json"}},
    )


__all__ = ["QUARANTINE_TABLE", "stripe_source"]
