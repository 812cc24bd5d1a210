"""Paging Stripe lists with the official client, one page (≤100 objects) at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import stripe

from revtruth.sources.stripe.settings import PAGE_SIZE_MAX, Endpoint


def make_client(api_key: str, base_url: str, max_network_retries: int) -> stripe.StripeClient:
    """The official client; only its base address changes for a simulator or a proxy.

    The client retries 429s and network errors itself, with exponential backoff and the
    `Retry-After`/`Stripe-Should-Retry` headers honoured, which keeps revtruth gentle with
    the account's rate limit.
    """
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base_url.rstrip("/")},
        max_network_retries=max_network_retries,
    )


def _service(client: stripe.StripeClient, name: str) -> Any:
    return getattr(client.v1, name)


def list_pages(
    client: stripe.StripeClient,
    endpoint: Endpoint,
    *,
    page_size: int = PAGE_SIZE_MAX,
    extra_params: dict[str, Any] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield each page of `endpoint` as plain dicts, nested lists made complete."""
    params: dict[str, Any] = dict(endpoint.params)
    params["limit"] = min(max(page_size, 1), PAGE_SIZE_MAX)
    if endpoint.expand:
        params["expand"] = [f"data.{path}" for path in endpoint.expand]
    params.update(extra_params or {})
    service = _service(client, endpoint.service)
    page = service.list(params=params)
    while True:
        objects = [obj.to_dict() for obj in page.data]
        for obj in objects:
            for field in endpoint.nested_lists:
                _complete_nested_list(client, obj, field)
        if objects:
            yield objects
        if not page.has_more or not page.data:
            return
        page = service.list(params={**params, "starting_after": page.data[-1].id})


def _complete_nested_list(client: stripe.StripeClient, obj: dict[str, Any], field: str) -> None:
    """Stripe embeds only the first 10 items/lines; fetch the rest from the list's own url."""
    nested = obj.get(field)
    if not isinstance(nested, dict) or not nested.get("has_more"):
        return
    data = list(nested.get("data") or [])
    while nested.get("has_more") and data:
        response = client.raw_request(
            "get", nested["url"], limit=PAGE_SIZE_MAX, starting_after=data[-1]["id"]
        )
        nested = client.deserialize(response, api_mode="V1").to_dict()
        data.extend(nested.get("data") or [])
    obj[field] = {**obj[field], "data": data, "has_more": False}
