"""Paging Stripe lists with the official client, one page (≤100 objects) at a time."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import stripe

from revtruth.sources.stripe.settings import PAGE_SIZE_MAX, Endpoint

T = TypeVar("T")
RATE_LIMIT_RETRIES = 8


def make_client(api_key: str, base_url: str, max_network_retries: int) -> stripe.StripeClient:
    """The official client; only its base address changes for a simulator or a proxy.

    The client retries network errors and 5xx itself. It does not retry rate limiting (a
    429 without `Stripe-Should-Retry`), which is what Stripe sends when an account goes over
    its read limit; `with_rate_limit_backoff` does that.
    """
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base_url.rstrip("/")},
        max_network_retries=max_network_retries,
    )


def with_rate_limit_backoff(call: Callable[[], T], retries: int = RATE_LIMIT_RETRIES) -> T:
    """Call, and on a 429 wait (exponential, jittered, honouring Retry-After) and call again."""
    for attempt in range(retries + 1):
        try:
            return call()
        except stripe.RateLimitError as exc:
            if attempt == retries:
                raise
            retry_after = (
                (exc.headers or {}).get("Retry-After") if hasattr(exc, "headers") else None
            )
            delay = float(retry_after) if retry_after else min(0.25 * 2**attempt, 16.0)
            time.sleep(delay * (1 + random.random() / 4))
    raise AssertionError("unreachable")


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
    page = _first_page(service, params)
    while True:
        # for_json: the library turns Stripe's decimal strings (`unit_amount_decimal`, up to 12
        # places) into Decimal; kept as the strings Stripe sent, raw data lands as it came and
        # a longer value can never fail a column typed by an earlier, shorter one.
        objects = [obj.to_dict(for_json=True) for obj in page.data]
        for obj in objects:
            for field in endpoint.nested_lists:
                _complete_nested_list(client, obj, field)
        if objects:
            yield objects
        if not page.has_more or not page.data:
            return
        next_params = {**params, "starting_after": page.data[-1].id}
        page = with_rate_limit_backoff(lambda params=next_params: service.list(params=params))


def _first_page(service: Any, params: dict[str, Any]) -> Any:
    """Accounts pinned to an API version older than a field cannot expand it (subscription
    `discounts` arrived in 2023; such accounts get the single legacy `discount` inline), so an
    expansion Stripe refuses is dropped and the list asked again without it."""
    while True:
        try:
            return with_rate_limit_backoff(lambda: service.list(params=dict(params)))
        except stripe.InvalidRequestError as exc:
            refused = [
                path
                for path in params.get("expand", [])
                if f"({path.removeprefix('data.')})" in str(exc.user_message or exc)
            ]
            if not refused:
                raise
            params["expand"] = [path for path in params["expand"] if path not in refused]


def _complete_nested_list(client: stripe.StripeClient, obj: dict[str, Any], field: str) -> None:
    """Stripe embeds only the first 10 items/lines; fetch the rest from the list's own url."""
    nested = obj.get(field)
    if not isinstance(nested, dict) or not nested.get("has_more"):
        return
    data = list(nested.get("data") or [])
    while nested.get("has_more") and data:
        after = data[-1]["id"]
        response = with_rate_limit_backoff(
            lambda url=nested["url"], after=after: client.raw_request(
                "get", url, limit=PAGE_SIZE_MAX, starting_after=after
            )
        )
        nested = client.deserialize(response, api_mode="V1").to_dict(for_json=True)
        data.extend(nested.get("data") or [])
    obj[field] = {**obj[field], "data": data, "has_more": False}
