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
import fnmatch
import hmac
import json
import re
import secrets
import string
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from revtruth.simulate.company.plan import BillingPlan
from revtruth.simulate.stripe.wire import (
    CURRENT_API_VERSION,
    JsonObj,
    RenderedBilling,
    invoice_lines_url,
    list_object,
    render_billing,
)

_DOCS = "https://stripe.com/docs"
_SUPPORT = "https://support.stripe.com/"


class _ApiError(Exception):
    """An error response; `body()` is the JSON Stripe sends."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.param, self.kind = status, code, param, kind

    def body(self) -> JsonObj:
        error: JsonObj = {"message": str(self), "type": self.kind}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{_DOCS}/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


def _missing(obj_type: str, object_id: str, param: str, status: int = 404) -> _ApiError:
    name = obj_type.replace("_", " ")
    return _ApiError(status, f"No such {name}: '{object_id}'", code="resource_missing", param=param)


def mask_key(key: str) -> str:
    """Mask a key the way Stripe echoes it: keep the `sk_test_` prefix and the last 4."""
    match = re.match(r"^[a-z]{2,4}_(?:test|live)_", key)
    prefix = match.group(0) if match else ""
    shown = 4 if len(key) - len(prefix) > 4 else 0
    return prefix + "*" * (len(key) - len(prefix) - shown) + key[len(key) - shown :]


# ---------------------------------------------------------------- query parameters

_BRACKETED = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")
_ARRAY_PARAMS = frozenset({"expand", "ids", "lookup_keys", "types"})


def _parse_query(query: str) -> dict[str, Any]:
    """Form-encoded params: `a[]=x`/`a[0]=x` make lists, `a[gte]=1` makes a dict."""
    out: dict[str, Any] = {}
    indexed: dict[str, list[tuple[int, int, str]]] = {}
    for position, (key, value) in enumerate(parse_qsl(query, keep_blank_values=True)):
        match = _BRACKETED.match(key)
        if match is None:
            out[key] = value
            continue
        name, sub = match.groups()
        if sub == "" or sub.isdigit():
            # `a[0]`, `a[1]` go by index, `a[]` by position in the query.
            indexed.setdefault(name, []).append((int(sub) if sub else position, position, value))
        elif isinstance(out.setdefault(name, {}), dict):
            out[name][sub] = value
    for name, entries in indexed.items():
        out[name] = [value for _, _, value in sorted(entries)]
    # Stripe types every parameter: arrays, the `created` int-or-hash, and strings.
    for name, value in out.items():
        if name in _ARRAY_PARAMS:
            if not isinstance(value, list):
                raise _ApiError(400, f"Invalid array: {name}", param=name)
        elif isinstance(value, list) or (isinstance(value, dict) and name != "created"):
            raise _ApiError(400, f"Invalid string: {name}", param=name)
    return out


def _integer(text: str, param: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _ApiError(400, f"Invalid integer: {text}", param=param) from None


# ---------------------------------------------------------------- list filters

Predicate = Callable[[JsonObj], bool]
Filter = Callable[[Any], Predicate]  # a parameter's value -> which objects it keeps

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "gt": int.__gt__,
    "gte": int.__ge__,
    "lt": int.__lt__,
    "lte": int.__le__,
}


def _created(value: str | dict[str, str]) -> Predicate:
    if isinstance(value, str):
        exact = _integer(value, "created")
        return lambda obj: obj["created"] == exact
    bounds = []
    for op, text in value.items():
        if op not in _COMPARE:
            raise _ApiError(400, f"Received unknown parameter: created[{op}]", param="created")
        bounds.append((_COMPARE[op], _integer(text, f"created[{op}]")))
    return lambda obj: all(compare(obj["created"], bound) for compare, bound in bounds)


def _field_is(field: str) -> Filter:
    return lambda wanted: lambda obj: obj.get(field) == wanted


def _field_in(field: str) -> Filter:
    def factory(wanted: list[str]) -> Predicate:
        allowed = set(wanted)
        return lambda obj: obj.get(field) in allowed

    return factory


def _flag(field: str) -> Filter:
    def factory(text: str) -> Predicate:
        if text not in ("true", "false"):
            raise _ApiError(400, f"Invalid boolean: {text}", param=field)
        return lambda obj: obj[field] is (text == "true")

    return factory


def _status(allowed: str, groups: Mapping[str, frozenset[str] | None] | None = None) -> Filter:
    """`status=` over `allowed` values; `groups` adds names for several (None: every one)."""
    groups = groups or {}

    def factory(wanted: str) -> Predicate:
        if wanted not in allowed.split() and wanted not in groups:
            choices = ", ".join([*allowed.split(), *groups])
            raise _ApiError(400, f"Invalid status: must be one of {choices}", param="status")
        statuses = groups.get(wanted, frozenset({wanted}))
        return lambda obj: statuses is None or obj["status"] in statuses

    return factory


def _event_types(patterns: list[str]) -> Predicate:
    # Stripe takes `*` as a wildcard (`customer.*`).
    return lambda obj: any(fnmatch.fnmatchcase(obj["type"], p) for p in patterns)


def _invoice_subscription(obj: JsonObj) -> str | None:
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return obj.get("subscription") or details.get("subscription")


# ---------------------------------------------------------------- expansion

# `type: field=kind:target …`. Kinds: ref (an id, replaced by the object), refs (a list of
# ids), obj / objs (embedded object(s) to walk into), list (a list object: walk `data`),
# incl (a field Stripe only sends when expanded, looked up by the object's id in `target`).
# A bare field is expandable on Stripe but always null here.
_EXPAND_SPEC = """
customer: discount=obj:discount invoice_settings=obj:customer_settings default_source test_clock
customer_settings: default_payment_method
discount: customer=ref:customer source=obj:discount_source promotion_code
discount_source: coupon=ref:coupon
product: default_price=ref:price tax_code
price: product=ref:product tiers=incl:tiers
plan: product=ref:product tiers=incl:tiers
subscription: customer=ref:customer latest_invoice=ref:invoice discounts=refs:discount
  items=list:subscription_item application default_payment_method default_source on_behalf_of
  pending_setup_intent schedule test_clock
subscription_item: price=obj:price plan=obj:plan discounts=refs:discount
invoice: customer=ref:customer discounts=refs:discount lines=list:line_item
  total_discount_amounts=objs:discount_amount parent=obj:invoice_parent application
  default_payment_method default_source latest_revision on_behalf_of test_clock
invoice_parent: subscription_details=obj:subscription_details
subscription_details: subscription=ref:subscription
line_item: discounts=refs:discount subscription=ref:subscription pricing=obj:line_pricing
  discount_amounts=objs:discount_amount pretax_credit_amounts=objs:discount_amount
line_pricing: price_details=obj:price_details
price_details: price=ref:price
discount_amount: discount=ref:discount
"""
# Old API versions: the coupon inside the discount, one `discount` per subscription, no
# `price` on items, `price`/`plan` on lines, and `invoice.subscription`. `-field` removes.
_LEGACY_EXPAND_SPEC = """
discount: coupon=obj:coupon -source
subscription: discount=obj:discount -discounts
subscription_item: -price
line_item: price=obj:price plan=obj:plan -pricing
invoice: subscription=ref:subscription
"""
Schema = dict[str, dict[str, tuple[str, str | None]]]


def _parse_expand_spec(spec: str, schema: Schema) -> Schema:
    for line in re.sub(r"\n\s+", " ", spec).strip().splitlines():
        obj_type, _, fields = line.partition(":")
        entry = schema.setdefault(obj_type, {})
        for token in fields.split():
            name, _, kind_target = token.partition("=")
            kind, _, target = kind_target.partition(":")
            if name.startswith("-"):
                entry.pop(name[1:])
            else:
                entry[name] = (kind or "ref", target or None)
    return schema


def _expand_schema(legacy: bool) -> Schema:
    schema = _parse_expand_spec(_EXPAND_SPEC, {})
    return _parse_expand_spec(_LEGACY_EXPAND_SPEC, schema) if legacy else schema


def _cannot_expand(segment: str, hint: str = "") -> _ApiError:
    return _ApiError(400, f"This property cannot be expanded ({segment}).{hint}", param="expand")


def _check_expand_path(schema: Schema, obj_type: str | None, segments: list[str]) -> None:
    i = 0
    while i < len(segments):
        segment, last = segments[i], i == len(segments) - 1
        if segment not in schema.get(obj_type or "", {}):
            raise _cannot_expand(segment)
        kind, obj_type = schema[obj_type or ""][segment]
        if kind == "list":  # must go on through the list's `data` to something expandable
            if i + 2 >= len(segments) or segments[i + 1] != "data":
                raise _cannot_expand(segment)
            i += 1
        elif (kind in ("obj", "objs") and last) or (obj_type is None and not last):
            raise _cannot_expand(segment)  # always included / always null: nothing below
        i += 1


# ---------------------------------------------------------------- the server


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
        self.filters = {"created": _created, **filters}


_LIST_PARAMS = frozenset({"limit", "starting_after", "ending_before", "expand"})
_ID_ALPHABET = string.ascii_letters + string.digits


class StripeServer:
    """Serve `billing` as the Stripe API on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        billing: BillingPlan,
        api_key: str,
        *,
        legacy_shapes: bool = False,
        port: int = 0,
        rate_limit_per_second: float | None = None,
    ) -> None:
        self._billing, self._api_key, self._legacy, self._port = (
            billing, api_key, legacy_shapes, port
        )  # fmt: skip
        if rate_limit_per_second is not None and rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive (or None for no limit)")
        self._bucket = (
            None if rate_limit_per_second is None else _TokenBucket(rate_limit_per_second)
        )
        self._schema = _expand_schema(legacy_shapes)
        self._lock = threading.Lock()
        self._request_count = 0
        self._by_path: Counter[str] = Counter()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._httpd is not None:
            raise RuntimeError("StripeServer already started")
        self._load(render_billing(self._billing, legacy_shapes=self._legacy))
        self._httpd = _HttpServer(("127.0.0.1", self._port), _Handler)
        self._httpd.stripe = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.1,), name="stripe-sim", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("StripeServer is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._request_count

    @property
    def requests_by_path(self) -> Counter[str]:
        with self._lock:
            return Counter(self._by_path)

    # ------------------------------------------------------------ data

    def _load(self, rendered: RenderedBilling) -> None:
        self._rendered = rendered

        def has_price(wanted: str) -> Predicate:
            return lambda obj: any(
                (item.get("price") or item["plan"])["id"] == wanted
                for item in rendered.subscription_items[obj["id"]]
            )

        active, product = _flag("active"), _field_is("product")
        customer, collection = _field_is("customer"), _field_is("collection_method")
        sub_status = _status(
            "active canceled incomplete incomplete_expired past_due paused trialing unpaid",
            {"all": None, "ended": frozenset({"canceled", "incomplete_expired"})},
        )
        collections = [
            ("customers", "customer", rendered.customers, {"email": _field_is("email")}),
            ("products", "product", rendered.products, {"active": active, "ids": _field_in("id")}),
            ("prices", "price", rendered.prices, {
                "active": active, "product": product, "currency": _field_is("currency"),
                "type": _field_is("type"), "lookup_keys": _field_in("lookup_key")}),
            ("plans", "plan", rendered.plans, {"active": active, "product": product}),
            ("coupons", "coupon", rendered.coupons, {}),
            ("subscriptions", "subscription", rendered.subscriptions, {
                "customer": customer, "collection_method": collection, "price": has_price,
                "status": sub_status}),
            ("invoices", "invoice", rendered.invoices, {
                "customer": customer, "collection_method": collection,
                "status": _status("draft open paid uncollectible void"),
                "subscription": lambda v: lambda obj: _invoice_subscription(obj) == v}),
            ("events", "event", rendered.events, {
                "type": lambda v: _event_types([v]), "types": _event_types}),
        ]  # fmt: skip
        self._collections = {
            name: _Collection(name, obj_type, objects, filters)
            for name, obj_type, objects, filters in collections
        }
        items = {i["id"]: i for its in rendered.subscription_items.values() for i in its}
        self._included: dict[str, Mapping[str, Any]] = {"tiers": rendered.tiers}
        self._store: dict[str, Mapping[str, JsonObj]] = {
            "customer": rendered.customers, "product": rendered.products,
            "price": rendered.prices, "plan": rendered.plans, "coupon": rendered.coupons,
            "discount": rendered.discounts, "subscription": rendered.subscriptions,
            "invoice": rendered.invoices, "event": rendered.events, "subscription_item": items,
        }  # fmt: skip

    # ------------------------------------------------------------ requests

    def handle(
        self, method: str, target: str, headers: Mapping[str, str]
    ) -> tuple[int, JsonObj, dict[str, str]]:
        """One request to (status, JSON body, extra headers)."""
        url = urlsplit(target)
        with self._lock:
            self._request_count += 1
            self._by_path[url.path] += 1
        version = self._rendered.api_version
        if not self._legacy and headers.get("Stripe-Version"):
            version = headers["Stripe-Version"]  # Stripe answers in the version asked for
        extra = {"Stripe-Version": version}
        try:
            self._authenticate(headers.get("Authorization"))
            if self._bucket is not None and not self._bucket.take():
                # Real rate-limit 429s carry no `Stripe-Should-Retry: true`, so the stripe
                # library's automatic retries do not fire on them: clients must back off.
                raise _ApiError(
                    429,
                    "Request rate limit exceeded. You can learn more about rate limits here "
                    f"{_DOCS}/rate-limits.",
                    code="rate_limit",
                )
            if method != "GET":
                raise _ApiError(
                    405, f"The simulated Stripe API is read-only: {method} {url.path} is refused."
                )
            return 200, self._route(url.path, _parse_query(url.query)), extra
        except _ApiError as err:
            if err.status == 401:
                extra["WWW-Authenticate"] = 'Bearer realm="Stripe"'
            return err.status, err.body(), extra

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
            raise _ApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                f"YOUR_SECRET_KEY'). See {_DOCS}/api#authentication for details, or we can "
                f"help at {_SUPPORT}.",
            )
        if not hmac.compare_digest(key.encode(), self._api_key.encode()):
            raise _ApiError(401, f"Invalid API Key provided: {mask_key(key)}")

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
        raise _ApiError(
            404,
            f"Unrecognized request URL (GET: {path}). Please see {_DOCS} or we can help at "
            f"{_SUPPORT}.",
        )

    @staticmethod
    def _reject_unknown(params: Mapping[str, Any], allowed: frozenset[str] | set[str]) -> None:
        for name in params:
            if name not in allowed:
                raise _ApiError(400, f"Received unknown parameter: {name}", param=name)

    def _retrieve(self, obj_type: str, object_id: str, params: dict[str, Any]) -> JsonObj:
        self._reject_unknown(params, {"expand"})
        if object_id not in self._store[obj_type]:
            raise _missing(obj_type, object_id, "id")
        paths = self._expand_paths(params, obj_type, in_list=False)
        return self._expand(self._store[obj_type][object_id], obj_type, paths)

    def _list(self, collection: _Collection, params: dict[str, Any]) -> JsonObj:
        self._reject_unknown(params, _LIST_PARAMS | set(collection.filters))
        if "type" in params and "types" in params:
            raise _ApiError(400, "You may only specify one of these parameters: type, types.")
        keep = [collection.filters[k](v) for k, v in params.items() if k in collection.filters]
        if collection.obj_type == "subscription" and "status" not in params:
            keep.append(lambda obj: obj["status"] != "canceled")  # Stripe's default
        items = [obj for obj in collection.items if all(p(obj) for p in keep)]
        return self._page(items, collection.rank, collection.obj_type, collection.url, params)

    def _subscription_items(self, params: dict[str, Any]) -> JsonObj:
        self._reject_unknown(params, _LIST_PARAMS | {"subscription"})
        sub_id = params.get("subscription")
        if not sub_id:
            raise _ApiError(400, "Missing required param: subscription.", param="subscription")
        if sub_id not in self._rendered.subscription_items:
            raise _missing("subscription", sub_id, "subscription", status=400)
        items = self._rendered.subscription_items[sub_id]
        rank = {item["id"]: n for n, item in enumerate(items)}  # the subscription's own order
        return self._page(items, rank, "subscription_item", "/v1/subscription_items", params)

    def _invoice_lines(self, invoice_id: str, params: dict[str, Any]) -> JsonObj:
        self._reject_unknown(params, _LIST_PARAMS)
        if invoice_id not in self._rendered.invoice_lines:
            raise _missing("invoice", invoice_id, "invoice")
        lines = self._rendered.invoice_lines[invoice_id]
        rank = {line["id"]: n for n, line in enumerate(lines)}  # the invoice's own order
        return self._page(lines, rank, "line_item", invoice_lines_url(invoice_id), params)

    def _page(
        self, items: list[JsonObj], rank: Mapping[str, int], obj_type: str, url: str, params: dict
    ) -> JsonObj:
        limit = _integer(params.get("limit") or "10", "limit")
        if not 1 <= limit <= 100:
            bound = "greater than or equal to 1" if limit < 1 else "less than or equal to 100"
            raise _ApiError(400, f"This value must be {bound}.", param="limit")
        after, before = params.get("starting_after"), params.get("ending_before")
        if after and before:
            raise _ApiError(
                400, "You may only specify one of these parameters: ending_before, starting_after."
            )
        # A cursor is a position in the unfiltered order, so it may name a filtered-out object.
        cursor = after or before
        if cursor and cursor not in rank:
            object_name = "invoice line item" if obj_type == "line_item" else obj_type
            param = "starting_after" if after else "ending_before"
            raise _missing(object_name, cursor, param, status=400)
        if after:
            items = [obj for obj in items if rank[obj["id"]] > rank[after]]
            page = items[:limit]
        elif before:  # the page just before the cursor, still newest first
            items = [obj for obj in items if rank[obj["id"]] < rank[before]]
            page = items[-limit:]
        else:
            page = items[:limit]
        paths = self._expand_paths(params, obj_type, in_list=True)
        return list_object(
            [self._expand(o, obj_type, paths) for o in page], url, len(items) > limit
        )

    # ------------------------------------------------------------ expand

    def _expand_paths(self, params: Mapping[str, Any], obj_type: str, *, in_list: bool) -> list:
        paths: list[list[str]] = []
        for path in dict.fromkeys(params.get("expand", [])):
            segments = path.split(".")
            if len(segments) > 4:
                raise _ApiError(
                    400,
                    f"You cannot expand more than 4 levels of a property. Property: {path}",
                    param="expand",
                )
            if in_list:
                if segments[0] != "data" or len(segments) == 1:
                    hint = f" You may want to try expanding 'data.{path}' instead."
                    raise _cannot_expand(path, hint)
                segments = segments[1:]
            _check_expand_path(self._schema, obj_type, segments)
            paths.append(segments)
        return paths

    def _expand(self, obj: JsonObj, obj_type: str, paths: list[list[str]]) -> JsonObj:
        for segments in paths:
            obj = self._expand_one(obj, obj_type, segments)
        return obj

    def _expand_one(self, obj: Any, obj_type: str, segments: list[str]) -> Any:
        # Copy on the way down only: the rendered objects are shared by every request.
        if not isinstance(obj, dict) or not segments:
            return obj
        segment, rest = segments[0], segments[1:]
        kind, target = self._schema[obj_type][segment]
        if kind == "incl":  # absent until asked for; absent too where it does not apply
            found = self._included[target or ""].get(obj.get("id", ""))
            return obj if found is None else {**obj, segment: found}
        if obj.get(segment) is None:
            return obj
        value, sub_type = obj[segment], target or ""

        def resolve(ref: Any) -> Any:  # an id, or an object an earlier path expanded
            found = self._store[sub_type].get(ref, ref) if isinstance(ref, str) else ref
            return self._expand_one(found, sub_type, rest)

        if kind == "list":
            rows = [self._expand_one(row, sub_type, rest[1:]) for row in value["data"]]
            value = {**value, "data": rows}
        elif kind == "obj":
            value = self._expand_one(value, sub_type, rest)
        elif kind == "objs":
            value = [self._expand_one(row, sub_type, rest) for row in value]
        elif kind == "ref":
            value = resolve(value) if target else value
        else:
            value = [resolve(ref) for ref in value]
        return {**obj, segment: value}


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    stripe: StripeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-response is not worth a traceback on stderr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so paging clients reuse one connection
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    server_version, sys_version = "stripe-sim", ""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # drain a body we will not use, to keep the connection
        assert isinstance(self.server, _HttpServer)
        try:
            status, body, extra = self.server.stripe.handle(self.command, self.path, self.headers)
        except Exception as exc:  # noqa: BLE001 - a simulator bug must reach the client as a 500
            status, extra = 500, {"Stripe-Version": CURRENT_API_VERSION}
            body = {"error": {"message": f"Simulator error: {exc!r}", "type": "api_error"}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, no-store")
        self.send_header(
            "Request-Id", "req_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(14))
        )
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and demos page through thousands of requests
