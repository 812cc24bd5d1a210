"""Paging Stripe lists with the official client, one page (≤100 objects) at a time."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import stripe

from revtruth.sources import SourceError
from revtruth.sources.stripe.settings import PAGE_SIZE_MAX, Endpoint

T = TypeVar("T")
RATE_LIMIT_RETRIES = 8


# The connection errors the client gives up on at once, though a repeated GET is safe: a
# body cut short (IncompleteRead, a chunked body ending early). SSL errors are no such luck.
CONNECTION_RETRIES = 4


class StripeUnreachable(SourceError):
    """Stripe (or the address configured for it) could not be read: a network problem."""


def make_client(
    api_key: str, base_url: str, max_network_retries: int, timeout_seconds: float = 30
) -> stripe.StripeClient:
    """The official client; only its base address changes for a simulator or a proxy.

    The client retries timeouts, failed connections and 5xx itself, each request waiting at
    most `timeout_seconds` for an answer (the library's default is 80 s, which made a silent
    server cost eight minutes before failing). It does not retry rate limiting (a 429
    without `Stripe-Should-Retry`), which is what Stripe sends when an account goes over its
    read limit, nor a response cut short; `with_backoff` does those.
    """
    client = stripe.StripeClient(
        api_key,
        base_addresses={"api": base_url.rstrip("/")},
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=(min(10, timeout_seconds), timeout_seconds)),
    )
    client.revtruth_base_url = base_url.rstrip("/")  # for errors that name where they failed
    return client


def with_backoff(
    call: Callable[[], T], where: str = "Stripe", retries: int = RATE_LIMIT_RETRIES
) -> T:
    """Call, and on a 429 wait (exponential, jittered, honouring Retry-After) and call again;
    likewise, a few times, on a connection error the client did not retry itself. A
    connection error that outlasts them is raised as `StripeUnreachable`, naming `where`."""
    connection_failures = 0
    for attempt in range(retries + 1):
        try:
            return call()
        except stripe.RateLimitError as exc:
            if attempt == retries:
                raise
            retry_after = (
                (exc.headers or {}).get("Retry-After") if hasattr(exc, "headers") else None
            )
            # a Retry-After is honoured up to a minute: 8 waits stay within ~8 minutes
            delay = (
                min(float(retry_after), 60.0)
                if _is_number(retry_after)
                else min(0.25 * 2**attempt, 16.0)
            )
        except stripe.APIConnectionError as exc:
            detail = str(exc).split("\n\n")[-1].strip() or type(exc).__name__
            connection_failures += 1
            if (
                exc.should_retry  # the client already retried it max_network_retries times
                or "SSL" in detail
                or connection_failures > CONNECTION_RETRIES
                or attempt == retries
            ):
                raise StripeUnreachable(
                    f"{where} could not be read ({detail}); a network problem, so running "
                    "`revtruth sync stripe` again later may succeed"
                ) from exc
            delay = min(0.25 * 2**connection_failures, 4.0)
        time.sleep(delay * (1 + random.random() / 4))
    raise AssertionError("unreachable")


def _is_number(text: Any) -> bool:
    try:
        return float(text) >= 0
    except (TypeError, ValueError):
        return False


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
    page = _dropping_refused_expansions(service.list, params, _where(client))
    while True:
        objects = [finish(client, endpoint, obj) for obj in page.data]
        if objects:
            yield objects
        if not page.has_more or not page.data:
            return
        next_params = {**params, "starting_after": page.data[-1].id}
        page = with_backoff(lambda params=next_params: service.list(params=params), _where(client))


def retrieve(client: stripe.StripeClient, endpoint: Endpoint, object_id: str) -> dict | None:
    """One object as its list would give it (same expansions, nested lists complete), or
    None when Stripe no longer has it: a 404, or the stub Stripe keeps of a deleted
    customer (`"deleted": true`)."""
    params: dict[str, Any] = {}
    if endpoint.expand:
        params["expand"] = list(endpoint.expand)
    service = _service(client, endpoint.service)
    try:
        obj = _dropping_refused_expansions(
            lambda params: service.retrieve(object_id, params=params), params, _where(client)
        )
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404 or exc.code == "resource_missing":
            return None
        raise
    if getattr(obj, "deleted", False):
        return None
    return finish(client, endpoint, obj)


def finish(client: stripe.StripeClient, endpoint: Endpoint, obj: Any) -> dict[str, Any]:
    """A StripeObject as the plain dict that lands, its cut nested lists read to the end."""
    # for_json: the library turns Stripe's decimal strings (`unit_amount_decimal`, up to 12
    # places) into Decimal; kept as the strings Stripe sent, raw data lands as it came and
    # a longer value can never fail a column typed by an earlier, shorter one.
    record = obj.to_dict(for_json=True)
    for field in endpoint.nested_lists:
        _complete_nested_list(client, record, field)
    if endpoint.resource == "subscriptions":
        _fill_from_items(record)
    return record


def _fill_from_items(subscription: dict[str, Any]) -> None:
    """Write in what an account pinned to an old API version, or another Stripe-compatible
    server, leaves out though it is right there: an item's `subscription` (the subscription
    that holds it) and the subscription's `currency` (its items' prices', which Stripe
    requires to be one). Nothing else is changed; the raw data is otherwise as sent."""
    items = (subscription.get("items") or {}).get("data") or []
    for item in items:
        if isinstance(item, dict) and not item.get("subscription"):
            item["subscription"] = subscription.get("id")
    if not subscription.get("currency"):
        currencies = {
            ((item.get("price") or item.get("plan") or {}).get("currency"))
            for item in items
            if isinstance(item, dict)
        } - {None}
        if len(currencies) == 1:
            subscription["currency"] = currencies.pop()


def _where(client: stripe.StripeClient) -> str:
    return f"Stripe at {getattr(client, 'revtruth_base_url', 'api.stripe.com')}"


def _dropping_refused_expansions(
    call: Callable[[dict[str, Any]], T], params: dict[str, Any], where: str
) -> T:
    """Accounts pinned to an API version older than a field cannot expand it (subscription
    `discounts` arrived in 2023; such accounts get the single legacy `discount` inline), so an
    expansion Stripe refuses is dropped and the list asked again without it. The refusal is
    known by its parameter (`expand`) or by naming the path, not by one wording of the
    message; when it names no path, the expansions are dropped last first, one at a time."""
    while True:
        try:
            return with_backoff(lambda: call(params=dict(params)), where)
        except stripe.InvalidRequestError as exc:
            expansions = list(params.get("expand", []))
            said = f"{exc.user_message or ''} {exc}"
            refused = [path for path in expansions if path.removeprefix("data.") in said]
            about_expand = "expand" in str(getattr(exc, "param", "") or "") or "expand" in said
            if not refused and expansions and about_expand:
                refused = expansions[-1:]
            if not refused:
                raise
            params["expand"] = [path for path in expansions if path not in refused]


def _complete_nested_list(client: stripe.StripeClient, obj: dict[str, Any], field: str) -> None:
    """Stripe embeds only the first 10 items/lines; fetch the rest from the list's own url."""
    nested = obj.get(field)
    if not isinstance(nested, dict) or not nested.get("has_more") or not nested.get("url"):
        return  # without its url the rest cannot be read: quarantined as cut short
    data = list(nested.get("data") or [])
    while nested.get("has_more") and data:
        after = data[-1]["id"]
        response = with_backoff(
            lambda url=nested["url"], after=after: client.raw_request(
                "get", url, limit=PAGE_SIZE_MAX, starting_after=after
            ),
            _where(client),
        )
        nested = client.deserialize(response, api_mode="V1").to_dict(for_json=True)
        data.extend(nested.get("data") or [])
    obj[field] = {**obj[field], "data": data, "has_more": False}
