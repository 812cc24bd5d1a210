"""A read-only Stripe API on 127.0.0.1 that serves a `BillingPlan`.

It speaks the wire format the official `stripe` library and other HTTP clients expect: paths,
Bearer/Basic auth, list pagination with cursors, `created` filters, `expand[]`, Stripe-shaped
error bodies, `Request-Id`/`Stripe-Version` headers and 429 rate limiting. Connectors must
not be able to tell it from the real API, so it follows Stripe even where a friendlier server
would be easier to test against: unknown parameters are rejected, expansions stop at four
levels, and a rate-limited request is not marked retryable.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import string
import threading
import time
from collections.abc import Mapping
from typing import Any

from revtruth.simulate.company.plan import BillingPlan
from revtruth.simulate.http_server import Request, Response, SimulatedServer
from revtruth.simulate.stripe.changes import Change
from revtruth.simulate.stripe.errors import DOCS, SUPPORT, ApiError, mask_key, missing
from revtruth.simulate.stripe.expand import Expander
from revtruth.simulate.stripe.params import (
    Filter,
    Predicate,
    created,
    event_types,
    field_in,
    field_is,
    flag,
    integer,
    invoice_subscription,
    parse_query,
    status_filter,
)
from revtruth.simulate.stripe.render import RenderedBilling, render_billing
from revtruth.simulate.stripe.wire import (
    CURRENT_API_VERSION,
    JsonObj,
    invoice_lines_url,
    list_object,
)


class _TokenBucket:
    """`rate` requests a second on average, in bursts of up to one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate, self.capacity = rate, max(1.0, rate)
        self.tokens, self.stamp = self.capacity, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1.0:
                return False
            self.tokens -= 1.0
            return True


class _Collection:
    """One listable resource: objects newest first and each id's rank in that order."""

    def __init__(
        self, name: str, obj_type: str, objects: Mapping[str, JsonObj], filters: dict[str, Filter]
    ) -> None:
        self.url, self.obj_type, self.by_id = f"/v1/{name}", obj_type, objects
        # Stripe lists newest first; ties on `created` go by id, descending.
        self.items = sorted(objects.values(), key=lambda o: (o["created"], o["id"]), reverse=True)
        self.rank = {obj["id"]: n for n, obj in enumerate(self.items)}
        self.filters = {"created": created, **filters}


_LIST_PARAMS = frozenset({"limit", "starting_after", "ending_before", "expand"})
_ID_ALPHABET = string.ascii_letters + string.digits


class StripeServer(SimulatedServer):
    """Serve `billing` as the Stripe API on 127.0.0.1; see the module docstring."""

    name = "stripe"
    server_header = "stripe-sim"

    def __init__(
        self,
        billing: BillingPlan,
        api_key: str,
        *,
        legacy_shapes: bool = False,
        port: int = 0,
        rate_limit_per_second: float | None = None,
        event_retention_days: int | None = None,
    ) -> None:
        super().__init__(port=port)
        self._billing, self._api_key, self._legacy = billing, api_key, legacy_shapes
        # Stripe serves the last 30 days of events; None serves the whole history, which
        # the simulated company needs to be read back as it was generated.
        self._event_retention_days = event_retention_days
        self._changing = threading.Lock()
        if rate_limit_per_second is not None and rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive (or None for no limit)")
        self._bucket = (
            None if rate_limit_per_second is None else _TokenBucket(rate_limit_per_second)
        )

    # ------------------------------------------------------------ data

    def on_start(self) -> None:
        self._load(render_billing(self._billing, legacy_shapes=self._legacy))

    def change(self, *changes: Change) -> list[JsonObj]:
        """Apply changes to the served account (see changes.py) and serve the result from
        the next request on; returns the events they wrote."""
        with self._changing:
            events = [event for change in changes for event in change.apply(self._rendered)]
            self._load(self._rendered)
        return events

    @property
    def rendered(self) -> RenderedBilling:
        return self._rendered

    def _load(self, rendered: RenderedBilling) -> None:
        self._rendered = rendered
        deleted = rendered.deleted

        def alive(objects: Mapping[str, JsonObj], obj_type: str) -> Mapping[str, JsonObj]:
            gone = deleted.get(obj_type, {})
            return {k: v for k, v in objects.items() if k not in gone} if gone else objects

        events = rendered.events
        if self._event_retention_days is not None:
            oldest = time.time() - self._event_retention_days * 86400
            events = {k: e for k, e in events.items() if e["created"] >= oldest}

        def has_price(wanted: str) -> Predicate:
            return lambda obj: any(
                (item.get("price") or item["plan"])["id"] == wanted
                for item in rendered.subscription_items[obj["id"]]
            )

        active, product = flag("active"), field_is("product")
        customer, collection = field_is("customer"), field_is("collection_method")
        sub_status = status_filter(
            "active canceled incomplete incomplete_expired past_due paused trialing unpaid",
            {"all": None, "ended": frozenset({"canceled", "incomplete_expired"})},
        )
        collections = [
            ("customers", "customer", alive(rendered.customers, "customer"),
                {"email": field_is("email")}),
            ("products", "product", alive(rendered.products, "product"),
                {"active": active, "ids": field_in("id")}),
            ("prices", "price", rendered.prices, {
                "active": active, "product": product, "currency": field_is("currency"),
                "type": field_is("type"), "lookup_keys": field_in("lookup_key")}),
            ("plans", "plan", rendered.plans, {"active": active, "product": product}),
            ("coupons", "coupon", alive(rendered.coupons, "coupon"), {}),
            ("subscriptions", "subscription", rendered.subscriptions, {
                "customer": customer, "collection_method": collection, "price": has_price,
                "status": sub_status}),
            ("invoices", "invoice", alive(rendered.invoices, "invoice"), {
                "customer": customer, "collection_method": collection,
                "status": status_filter("draft open paid uncollectible void"),
                "subscription": lambda v: lambda obj: invoice_subscription(obj) == v}),
            ("events", "event", events, {
                "type": lambda v: event_types([v]), "types": event_types}),
        ]  # fmt: skip
        self._collections = {
            name: _Collection(name, obj_type, objects, filters)
            for name, obj_type, objects, filters in collections
        }
        items = {i["id"]: i for its in rendered.subscription_items.values() for i in its}
        store: dict[str, Mapping[str, JsonObj]] = {
            "customer": rendered.customers, "product": rendered.products,
            "price": rendered.prices, "plan": rendered.plans, "coupon": rendered.coupons,
            "discount": rendered.discounts, "subscription": rendered.subscriptions,
            "invoice": rendered.invoices, "event": rendered.events, "subscription_item": items,
        }  # fmt: skip
        self._store = store
        self._expander = Expander(self._legacy, store, {"tiers": rendered.tiers})

    # ------------------------------------------------------------ requests

    def respond(self, request: Request) -> Response:
        version = self._rendered.api_version
        if not self._legacy and request.headers.get("Stripe-Version"):
            version = request.headers["Stripe-Version"]  # Stripe answers in the version asked for
        extra = {"Stripe-Version": version}
        try:
            self._authenticate(request.headers.get("Authorization"))
            if self._bucket is not None and not self._bucket.take():
                # Real rate-limit 429s carry no `Stripe-Should-Retry: true`, so the stripe
                # library's automatic retries do not fire on them: clients must back off.
                raise ApiError(
                    429,
                    "Request rate limit exceeded. You can learn more about rate limits here "
                    f"{DOCS}/rate-limits.",
                    code="rate_limit",
                )
            if request.method != "GET":
                raise ApiError(
                    405,
                    f"The simulated Stripe API is read-only: {request.method} {request.path} "
                    "is refused.",
                )
            return _response(200, self._route(request.path, parse_query(request.query)), extra)
        except ApiError as err:
            if err.status == 401:
                extra["WWW-Authenticate"] = 'Bearer realm="Stripe"'
            return _response(err.status, err.body(), extra)

    def fault_response(self, status: int) -> Response:
        # as Stripe answers: a 429 that says no more, a 500 that says it may be retried
        if status == 429:
            err = ApiError(429, "Request rate limit exceeded.", code="rate_limit")
            return _response(429, err.body(), {"Stripe-Version": CURRENT_API_VERSION})
        body = {"error": {"message": "An unknown error occurred", "type": "api_error"}}
        headers = {"Stripe-Version": CURRENT_API_VERSION, "Stripe-Should-Retry": "true"}
        return _response(500, body, headers)

    def error_response(self, exc: Exception) -> Response:
        # A simulator bug reaches the client as a 500, as an outage of Stripe's would.
        body = {"error": {"message": f"Simulator error: {exc!r}", "type": "api_error"}}
        return _response(500, body, {"Stripe-Version": CURRENT_API_VERSION})

    def _authenticate(self, header: str | None) -> None:
        scheme, _, credentials = (header or "").partition(" ")
        key = credentials.strip() if scheme.lower() == "bearer" else ""
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            key = decoded.partition(":")[0]  # Stripe takes the key as the basic-auth user
        if not key:
            raise ApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                f"YOUR_SECRET_KEY'). See {DOCS}/api#authentication for details, or we can "
                f"help at {SUPPORT}.",
            )
        if not hmac.compare_digest(key.encode(), self._api_key.encode()):
            raise ApiError(401, f"Invalid API Key provided: {mask_key(key)}")

    def _route(self, path: str, params: dict[str, Any]) -> JsonObj:
        parts = path.strip("/").split("/")
        name = parts[1] if len(parts) > 1 and parts[0] == "v1" else ""
        if name in self._collections and len(parts) == 2:
            return self._list(self._collections[name], params)
        if name == "subscription_items" and len(parts) == 2:
            return self._subscription_items(params)
        if name == "subscription_items" and len(parts) == 3:
            return self._retrieve("subscription_item", parts[2], params)
        if name in self._collections and len(parts) == 3:
            return self._retrieve(self._collections[name].obj_type, parts[2], params)
        if name == "invoices" and len(parts) == 4 and parts[3] == "lines":
            return self._invoice_lines(parts[2], params)
        raise ApiError(
            404,
            f"Unrecognized request URL (GET: {path}). Please see {DOCS} or we can help at "
            f"{SUPPORT}.",
        )

    @staticmethod
    def _reject_unknown(params: Mapping[str, Any], allowed: frozenset[str] | set[str]) -> None:
        for name in params:
            if name not in allowed:
                raise ApiError(400, f"Received unknown parameter: {name}", param=name)

    def _retrieve(self, obj_type: str, object_id: str, params: dict[str, Any]) -> JsonObj:
        self._reject_unknown(params, {"expand"})
        if object_id in self._rendered.deleted.get(obj_type, {}):
            if obj_type == "customer":  # Stripe still answers for a deleted customer
                return {"id": object_id, "object": "customer", "deleted": True}
            raise missing(obj_type, object_id, "id")
        if obj_type == "event" and object_id not in self._collections["events"].by_id:
            raise missing(obj_type, object_id, "id")  # older than the events Stripe keeps
        if object_id not in self._store[obj_type]:
            raise missing(obj_type, object_id, "id")
        paths = self._expander.paths(params, obj_type, in_list=False)
        return self._expander.expand(self._store[obj_type][object_id], obj_type, paths)

    def _list(self, collection: _Collection, params: dict[str, Any]) -> JsonObj:
        self._reject_unknown(params, _LIST_PARAMS | set(collection.filters))
        if "type" in params and "types" in params:
            raise ApiError(400, "You may only specify one of these parameters: type, types.")
        keep = [collection.filters[k](v) for k, v in params.items() if k in collection.filters]
        if collection.obj_type == "subscription" and "status" not in params:
            keep.append(lambda obj: obj["status"] != "canceled")  # Stripe's default
        items = [obj for obj in collection.items if all(p(obj) for p in keep)]
        return self._page(items, collection.rank, collection.obj_type, collection.url, params)

    def _subscription_items(self, params: dict[str, Any]) -> JsonObj:
        self._reject_unknown(params, _LIST_PARAMS | {"subscription"})
        sub_id = params.get("subscription")
        if not sub_id:
            raise ApiError(400, "Missing required param: subscription.", param="subscription")
        if sub_id not in self._rendered.subscription_items:
            raise missing("subscription", sub_id, "subscription", status=400)
        items = self._rendered.subscription_items[sub_id]
        rank = {item["id"]: n for n, item in enumerate(items)}  # the subscription's own order
        return self._page(items, rank, "subscription_item", "/v1/subscription_items", params)

    def _invoice_lines(self, invoice_id: str, params: dict[str, Any]) -> JsonObj:
        self._reject_unknown(params, _LIST_PARAMS)
        if invoice_id not in self._rendered.invoice_lines:
            raise missing("invoice", invoice_id, "invoice")
        lines = self._rendered.invoice_lines[invoice_id]
        rank = {line["id"]: n for n, line in enumerate(lines)}  # the invoice's own order
        return self._page(lines, rank, "line_item", invoice_lines_url(invoice_id), params)

    def _page(
        self, items: list[JsonObj], rank: Mapping[str, int], obj_type: str, url: str, params: dict
    ) -> JsonObj:
        limit = integer(params.get("limit") or "10", "limit")
        if not 1 <= limit <= 100:
            bound = "greater than or equal to 1" if limit < 1 else "less than or equal to 100"
            raise ApiError(400, f"This value must be {bound}.", param="limit")
        after, before = params.get("starting_after"), params.get("ending_before")
        if after and before:
            raise ApiError(
                400, "You may only specify one of these parameters: ending_before, starting_after."
            )
        # A cursor is a position in the unfiltered order, so it may name a filtered-out object.
        cursor = after or before
        if cursor and cursor not in rank:
            object_name = "invoice line item" if obj_type == "line_item" else obj_type
            param = "starting_after" if after else "ending_before"
            raise missing(object_name, cursor, param, status=400)
        if after:
            items = [obj for obj in items if rank[obj["id"]] > rank[after]]
            page = items[:limit]
        elif before:  # the page just before the cursor, still newest first
            items = [obj for obj in items if rank[obj["id"]] < rank[before]]
            page = items[-limit:]
        else:
            page = items[:limit]
        paths = self._expander.paths(params, obj_type, in_list=True)
        return list_object(
            [self._expander.expand(o, obj_type, paths) for o in page], url, len(items) > limit
        )


def _response(status: int, body: JsonObj, extra: dict[str, str]) -> Response:
    request_id = "req_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(14))
    headers = {"Cache-Control": "no-cache, no-store", "Request-Id": request_id, **extra}
    return Response(status, body, headers)
