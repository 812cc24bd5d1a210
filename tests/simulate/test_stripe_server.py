"""The simulated Stripe API, driven through the real `stripe` library (raw HTTP only where the
library cannot express the request)."""

from __future__ import annotations

import base64
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
import stripe

from revtruth.simulate.fixtures import (
    API_KEY,
    N_ADDONS,
    N_BIG_INVOICE_LINES,
    newest_first,
    tiered_billing_plan,
    tiny_billing_plan,
)
from revtruth.simulate.stripe.errors import mask_key
from revtruth.simulate.stripe.server import StripeServer
from revtruth.simulate.stripe.wire import CURRENT_API_VERSION, LEGACY_API_VERSION

PLAN = tiny_billing_plan()
T = TypeVar("T")


@pytest.fixture(scope="module")
def server() -> Iterator[StripeServer]:
    with StripeServer(PLAN, API_KEY) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: StripeServer) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": server.base_url})


def ids(objects: Any) -> list[str]:
    return [obj.id for obj in objects]


def raw_get(
    server: StripeServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(server.base_url + path, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


# ---------------------------------------------------------------- lists and paging


def test_auto_paging_returns_every_customer_once_in_stripe_order(
    server: StripeServer, client: stripe.StripeClient
):
    before = server.requests_by_path["/v1/customers"]
    got = ids(client.v1.customers.list(params={"limit": 2}).auto_paging_iter())
    expected = newest_first(PLAN.customers, "created_at", "customer_id")
    assert got == expected
    assert len(set(got)) == len(PLAN.customers) == 7
    assert got.index("cus_5") == got.index("cus_4") - 1  # same second: id descending
    assert server.requests_by_path["/v1/customers"] - before == 4  # ceil(7 / 2) pages


def test_ending_before_pages_towards_newer_objects(client: stripe.StripeClient):
    expected = newest_first(PLAN.customers, "created_at", "customer_id")
    page = client.v1.customers.list(params={"limit": 2, "ending_before": expected[5]})
    assert ids(page) == expected[3:5] and page.has_more is True
    # The library walks backwards and yields oldest first.
    assert ids(page.auto_paging_iter()) == list(reversed(expected[:5]))


def test_subscription_status_filters(client: stripe.StripeClient):
    default = ids(client.v1.subscriptions.list(params={"limit": 100}))
    everything = ids(client.v1.subscriptions.list(params={"status": "all", "limit": 100}))
    canceled = {s.subscription_id for s in PLAN.subscriptions if s.status == "canceled"}
    assert canceled == {"sub_3", "sub_7"}
    assert set(everything) == {s.subscription_id for s in PLAN.subscriptions}
    assert set(default) == set(everything) - canceled
    assert everything == newest_first(PLAN.subscriptions, "created_at", "subscription_id")
    trialing = client.v1.subscriptions.list(params={"status": "trialing"})
    assert ids(trialing) == ["sub_2"] and trialing.data[0].trial_end is not None
    ended = client.v1.subscriptions.list(params={"status": "ended"})
    assert set(ids(ended)) == canceled


def test_created_and_customer_filters(client: stripe.StripeClient):
    cutoff = int(PLAN.customers[3].created_at.timestamp())  # cus_4, shared with cus_5
    got = ids(client.v1.customers.list(params={"created": {"gte": cutoff}}).auto_paging_iter())
    assert got == ["cus_7", "cus_6", "cus_5", "cus_4"]
    got = ids(
        client.v1.customers.list(params={"created": {"gt": cutoff, "lte": cutoff + 2 * 86400}})
    )
    assert got == ["cus_6"]
    assert ids(client.v1.customers.list(params={"created": cutoff})) == ["cus_5", "cus_4"]
    invoices = client.v1.invoices.list(params={"customer": "cus_1"})
    assert ids(invoices) == ["in_2", "in_1"]
    subs = client.v1.subscriptions.list(params={"customer": "cus_3", "status": "all"})
    assert ids(subs) == ["sub_3"]
    assert ids(client.v1.invoices.list(params={"status": "draft"})) == ["in_5"]
    assert ids(client.v1.invoices.list(params={"subscription": "sub_6"})) == ["in_4"]


def test_active_filters_on_prices_and_products(client: stripe.StripeClient):
    inactive = client.v1.prices.list(params={"active": False})
    assert ids(inactive) == ["price_pro_old"]
    active = ids(client.v1.prices.list(params={"active": True, "limit": 100}))
    assert len(active) == len(PLAN.prices) - 1
    assert len(ids(client.v1.products.list(params={"active": True}))) == 3
    assert ids(client.v1.products.list(params={"active": False})) == []
    jpy = client.v1.prices.list(params={"currency": "jpy"})
    assert [(p.id, p.unit_amount) for p in jpy] == [("price_ent_jpy", 300_000)]
    plans = client.v1.plans.list(params={"product": "prod_Pro", "limit": 100})
    assert {p.id for p in plans} == {"price_pro_m", "price_pro_y", "price_pro_old"}
    assert all(p.object == "plan" and p.amount is not None for p in plans)


def test_event_type_filters(client: stripe.StripeClient):
    sub_events = client.v1.events.list(params={"type": "customer.subscription.*"})
    assert ids(sub_events) == ["evt_4", "evt_2"]
    assert ids(client.v1.events.list(params={"type": "invoice.paid"})) == ["evt_3"]
    several = client.v1.events.list(params={"types": ["customer.created", "invoice.paid"]})
    assert ids(several) == ["evt_3", "evt_1"]
    customer_events = client.v1.events.list(params={"type": "customer.*"})
    assert ids(customer_events) == ["evt_5", "evt_4", "evt_2", "evt_1"]
    event = client.v1.events.retrieve("evt_2")
    assert event.data.object.id == "sub_1"
    assert event.data.previous_attributes["items"]["data"][0]["quantity"] == 3


# ---------------------------------------------------------------- expand and retrieve


def test_expand_discounts_gives_discount_objects_with_coupon(client: stripe.StripeClient):
    subs = client.v1.subscriptions.list(params={"customer": "cus_1", "expand": ["data.discounts"]})
    discount = subs.data[0].discounts[0]
    assert isinstance(discount, stripe.Discount)
    assert (discount.id, discount.source.coupon) == ("di_sub1", "OFF10X3")
    subs = client.v1.subscriptions.list(
        params={"customer": "cus_1", "expand": ["data.discounts.source.coupon", "data.customer"]}
    )
    coupon = subs.data[0].discounts[0].source.coupon
    assert isinstance(coupon, stripe.Coupon)
    assert (coupon.amount_off, coupon.duration, coupon.duration_in_months) == (1000, "repeating", 3)
    assert subs.data[0].customer.email == "billing1@company1.example"


def test_expand_nested_and_on_retrieve(client: stripe.StripeClient):
    sub = client.v1.subscriptions.retrieve(
        "sub_1", params={"expand": ["latest_invoice", "items.data.price.product", "customer"]}
    )
    assert sub.latest_invoice.id == "in_2" and sub.latest_invoice.lines.data[0].id == "il_2a"
    assert sub["items"].data[0].price.product.name == "Revtruth Pro"
    subs = client.v1.subscriptions.list(params={"expand": ["data.items.data.discounts"]})
    assert all(item.discounts == [] for s in subs for item in s["items"].data)
    invoices = client.v1.invoices.list(
        params={"customer": "cus_6", "expand": ["data.lines.data.discounts", "data.discounts"]}
    )
    assert invoices.data[0].discounts[0].source.coupon == "PCT20"
    lines = client.v1.invoices.line_items.list(
        "in_4", params={"expand": ["data.discount_amounts.discount"]}
    )
    assert lines.data[0].discount_amounts[0].discount.id == "di_cust6"
    products = client.v1.products.list(params={"expand": ["data.default_price"]})
    assert {p.id: p.default_price.id for p in products}["prod_Pro"] == "price_pro_m"
    customer = client.v1.customers.retrieve("cus_6", params={"expand": ["discount.source.coupon"]})
    assert customer.discount.source.coupon.percent_off == 20.0


def test_retrieve_by_id(client: stripe.StripeClient):
    customer = client.v1.customers.retrieve("cus_6")
    assert (customer.id, customer.discount.id) == ("cus_6", "di_cust6")
    assert client.v1.prices.retrieve("price_pro_y").recurring.interval == "year"
    assert client.v1.products.retrieve("prod_Ent").name == "Revtruth Enterprise"
    assert client.v1.coupons.retrieve("HALF1").percent_off == 12.5
    assert client.v1.plans.retrieve("price_ent_jpy").amount == 300_000
    invoice = client.v1.invoices.retrieve("in_1")
    assert (invoice.total, invoice.amount_paid, invoice.status) == (15_400, 15_400, "paid")
    assert client.v1.subscription_items.retrieve("si_1_0").quantity == 3


def test_nested_lists_page_through_their_own_endpoints(client: stripe.StripeClient):
    invoice = client.v1.invoices.retrieve("in_4")
    assert len(invoice.lines.data) == 10 and invoice.lines.has_more is True
    lines = client.v1.invoices.line_items.list("in_4", params={"limit": 5})
    got = ids(lines.auto_paging_iter())
    assert got == [f"il_4_{n:02d}" for n in range(1, N_BIG_INVOICE_LINES + 1)]
    # The embedded list pages on from its own url, as the library's next_page() does.
    assert ids(invoice.lines.auto_paging_iter()) == got
    sub = client.v1.subscriptions.retrieve("sub_6")
    assert len(sub["items"].data) == 10 and sub["items"].has_more is True
    items = client.v1.subscription_items.list(params={"subscription": "sub_6", "limit": 4})
    assert ids(items.auto_paging_iter()) == [f"si_6_{n}" for n in range(N_ADDONS)]
    assert ids(sub["items"].auto_paging_iter()) == [f"si_6_{n}" for n in range(N_ADDONS)]


def test_tiers_are_sent_only_when_expanded():
    with StripeServer(tiered_billing_plan(), API_KEY) as srv:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": srv.base_url})
        plain = client.v1.prices.retrieve("price_seats_grad")
        assert "tiers" not in plain and plain.unit_amount is None
        assert (plain.billing_scheme, plain.tiers_mode) == ("tiered", "graduated")
        price = client.v1.prices.retrieve("price_seats_grad", params={"expand": ["tiers"]})
        assert [(t.up_to, t.unit_amount, t.flat_amount) for t in price.tiers] == [
            (5, 1000, None),
            (10, 800, None),
            (None, 500, 2000),
        ]
        listed = client.v1.prices.list(params={"expand": ["data.tiers"], "limit": 100})
        tiers = {p.id: p.tiers for p in listed if "tiers" in p}
        assert set(tiers) == {"price_seats_grad", "price_seats_vol"}  # per-unit prices: none
        assert tiers["price_seats_vol"][2].flat_amount_decimal == 2000  # the library's Decimal
        assert "tiers" not in client.v1.prices.list(params={"limit": 100}).data[0]
        assert (
            len(client.v1.plans.retrieve("price_seats_vol", params={"expand": ["tiers"]}).tiers)
            == 3
        )
        sub = client.v1.subscriptions.retrieve(
            "sub_8", params={"expand": ["items.data.price.tiers"]}
        )
        by_item = {item.id: item for item in sub["items"].data}
        assert by_item["si_8_grad"].price.tiers[0].up_to == 5
        assert "quantity" not in by_item["si_8_api"]  # metered
        assert by_item["si_8_api"].price.recurring.usage_type == "metered"
        with pytest.raises(stripe.InvalidRequestError, match=r"cannot be expanded \(up_to\)"):
            client.v1.prices.list(params={"expand": ["data.tiers.up_to"]})
        with pytest.raises(stripe.InvalidRequestError, match=r"try expanding 'data\.tiers'"):
            client.v1.prices.list(params={"expand": ["tiers"]})


# ---------------------------------------------------------------- errors


def test_wrong_key_is_an_authentication_error(server: StripeServer):
    bad = stripe.StripeClient(
        "sk_test_wrongwrongwrong9876", base_addresses={"api": server.base_url}
    )
    with pytest.raises(stripe.AuthenticationError) as caught:
        bad.v1.customers.list()
    assert caught.value.http_status == 401
    assert "sk_test_" + "*" * 15 + "9876" in str(caught.value.user_message)
    assert mask_key("sk_test_abcdefgh1234") == "sk_test_********1234"


def test_unknown_id_is_resource_missing(client: stripe.StripeClient):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.retrieve("cus_nope")
    err = caught.value
    assert (err.http_status, err.code, err.param) == (404, "resource_missing", "id")
    assert err.user_message == "No such customer: 'cus_nope'"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.list(params={"starting_after": "cus_nope"})
    assert (caught.value.code, caught.value.param) == ("resource_missing", "starting_after")


def test_bad_parameters_are_rejected_like_stripe(client: stripe.StripeClient):
    for limit in (0, 101):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            client.v1.customers.list(params={"limit": limit})
        assert caught.value.param == "limit"
    with pytest.raises(stripe.InvalidRequestError, match=r"cannot be expanded \(nonsense\)"):
        client.v1.subscriptions.list(params={"expand": ["data.nonsense"]})
    with pytest.raises(stripe.InvalidRequestError, match=r"try expanding 'data\.customer'"):
        client.v1.subscriptions.list(params={"expand": ["customer"]})
    with pytest.raises(stripe.InvalidRequestError, match="more than 4 levels"):
        client.v1.subscriptions.list(params={"expand": ["data.items.data.price.product"]})
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: colour"):
        client.v1.customers.list(params={"colour": "blue"})
    with pytest.raises(stripe.InvalidRequestError, match="Invalid status"):
        client.v1.subscriptions.list(params={"status": "sleeping"})


def test_the_simulator_is_read_only(client: stripe.StripeClient):
    with pytest.raises(stripe.APIError) as caught:
        client.v1.customers.create(params={"email": "new@example.com"})
    assert caught.value.http_status == 405


def test_raw_wire_details(server: StripeServer):
    # Things the library cannot express: basic auth, no key, headers, unknown paths, `[]` arrays.
    basic = base64.b64encode(f"{API_KEY}:".encode()).decode()
    status, headers, body = raw_get(
        server,
        "/v1/subscriptions?expand[]=data.customer&limit=1",
        {"Authorization": f"Basic {basic}"},
    )
    assert status == 200 and b'"object": "customer"' in body
    assert headers["Request-Id"].startswith("req_") and headers["Stripe-Version"]
    assert headers["Content-Type"] == "application/json"
    assert headers["Stripe-Version"] == CURRENT_API_VERSION
    status, headers, body = raw_get(server, "/v1/customers")
    assert status == 401 and b"did not provide an API key" in body
    auth = {"Authorization": f"Bearer {API_KEY}", "Stripe-Version": "2024-06-20"}
    status, headers, _ = raw_get(server, "/v1/customers", auth)
    assert headers["Stripe-Version"] == "2024-06-20"
    status, _, body = raw_get(server, "/v1/charges", auth)
    assert status == 404 and b"Unrecognized request URL (GET: /v1/charges)" in body
    status, _, body = raw_get(server, "/v1/customers?limit=abc", auth)
    assert status == 400 and b"Invalid integer: abc" in body


def test_request_counting(server: StripeServer, client: stripe.StripeClient):
    before, by_path = server.request_count, server.requests_by_path
    client.v1.coupons.list()
    client.v1.coupons.retrieve("PCT20")
    assert server.request_count == before + 2
    after = server.requests_by_path
    assert after["/v1/coupons"] - by_path["/v1/coupons"] == 1
    assert after["/v1/coupons/PCT20"] - by_path["/v1/coupons/PCT20"] == 1


# ---------------------------------------------------------------- rate limits


def with_backoff(call: Callable[[], T], attempts: int = 30) -> T:
    """What a client must do on Stripe's 429s: back off and retry itself."""
    for attempt in range(attempts):
        try:
            return call()
        except stripe.RateLimitError:
            time.sleep(min(0.02 * 2**attempt, 0.3))
    raise AssertionError("still rate limited")


def test_rate_limit_429_and_a_retrying_client_still_gets_everything():
    with StripeServer(PLAN, API_KEY, rate_limit_per_second=5) as srv:
        client = stripe.StripeClient(
            API_KEY, base_addresses={"api": srv.base_url}, max_network_retries=2
        )
        limited = 0
        for _ in range(20):
            try:
                client.v1.coupons.list()
            except stripe.RateLimitError as err:
                limited += 1
                assert err.http_status == 429
                assert err.json_body["error"]["code"] == "rate_limit"
        assert limited > 0  # like Stripe, a rate-limit 429 is not retried by the library

        got: list[str] = []
        params: dict[str, Any] = {"limit": 2, "status": "all"}
        while True:
            page = with_backoff(lambda p=params: client.v1.subscriptions.list(params=p))
            got += ids(page)
            if not page.has_more:
                break
            params = {**params, "starting_after": page.data[-1].id}
        assert got == newest_first(PLAN.subscriptions, "created_at", "subscription_id")


# ---------------------------------------------------------------- legacy shapes


def test_legacy_shapes_through_the_library():
    with StripeServer(PLAN, API_KEY, legacy_shapes=True) as srv:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": srv.base_url})
        sub = client.v1.subscriptions.retrieve("sub_1")
        item = sub["items"].data[0]
        assert "price" not in item and item.plan.id == "price_pro_m"
        assert sub.current_period_start < sub.current_period_end
        assert "discounts" not in sub and sub.discount.coupon.id == "OFF10X3"
        line = client.v1.invoices.retrieve("in_2").lines.data[0]
        assert (line.type, line.proration, line.subscription_item) == (
            "subscription",
            True,
            "si_1_0",
        )
        assert "pricing" not in line and "parent" not in line
        with pytest.raises(stripe.InvalidRequestError, match="cannot be expanded"):
            client.v1.subscriptions.list(params={"expand": ["data.discounts"]})
        subs = client.v1.subscriptions.list(params={"expand": ["data.discount.customer"]})
        assert all(s.discount is None or s.discount.customer.object == "customer" for s in subs)
        status, headers, _ = raw_get(srv, "/v1/customers", {"Authorization": f"Bearer {API_KEY}"})
        assert status == 200 and headers["Stripe-Version"] == LEGACY_API_VERSION
