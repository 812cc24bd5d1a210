"""Rendered Stripe objects carry exactly the fields of Stripe's own example objects.

The reference is an excerpt of Stripe's `fixtures3.json` (its example objects), kept in
`stripe/reference/` beside this file. Key sets must be equal; every value must have the
fixture's JSON type, recursively into nested objects the fixture fills.
A null is accepted where the fixture has null, or where the `stripe` library declares the
field Optional (the fixture fills many nullable fields with sample objects).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import stripe

from revtruth.simulate.fixtures import tiered_billing_plan, tiny_billing_plan
from revtruth.simulate.stripe.render import RenderedBilling, render_billing
from revtruth.simulate.stripe.wire import LEGACY_API_VERSION

# Stripe's example objects for the billing resources, cut from its OpenAPI repository's
# fixtures3.json (origin, licence and how it was cut: stripe/reference/README.md).
FIXTURES = Path(__file__).parent / "stripe" / "reference" / "fixtures3_billing.json"

STRIPE_CLASSES: dict[str, type] = {
    "customer": stripe.Customer,
    "subscription": stripe.Subscription,
    "subscription_item": stripe.SubscriptionItem,
    "price": stripe.Price,
    "plan": stripe.Plan,
    "product": stripe.Product,
    "coupon": stripe.Coupon,
    "discount": stripe.Discount,
    "invoice": stripe.Invoice,
    "line_item": stripe.InvoiceLineItem,
    "event": stripe.Event,
}
# Keys the fixture's sample leaves out but Stripe sends (and the `stripe` library declares).
EXTRA_KEYS: dict[type, set[str]] = {
    stripe.InvoiceLineItem.Pricing: {"price_details"},  # the price sits here
    stripe.Event.Data: {"previous_attributes"},  # on `*.updated` events
}
# Free-form maps, and a field whose sample in the fixture is another object type.
NOT_RECURSED = {"metadata", "previous_attributes", "event.data.object"}


@pytest.fixture(scope="module")
def fixtures() -> dict[str, Any]:
    return json.loads(FIXTURES.read_text())["resources"]


@pytest.fixture(scope="module")
def current() -> RenderedBilling:
    return render_billing(tiny_billing_plan())


@pytest.fixture(scope="module")
def legacy() -> RenderedBilling:
    return render_billing(tiny_billing_plan(), legacy_shapes=True)


def json_type(value: Any) -> str:
    for kind, name in (
        (bool, "boolean"),
        (int, "integer"),
        (float, "number"),
        (str, "string"),
        (list, "array"),
        (dict, "object"),
    ):
        if isinstance(value, kind):
            return name
    return "null"


def nested_class(cls: type | None, key: str) -> type | None:
    """The `stripe` class describing `cls.key`: an inner class or a referenced resource."""
    if cls is None:
        return None
    inner = getattr(cls, "_inner_class_types", {}).get(key)
    if inner is not None:
        return inner
    # Annotations name resources as 'Price', ForwardRef('Price') or stripe._price.Price.
    names = re.findall(r"\b([A-Z]\w+)\b", str(cls.__annotations__.get(key, "")))
    found = [getattr(stripe, n, None) for n in names]
    resources = [
        c
        for c in found
        if isinstance(c, type) and issubclass(c, stripe.StripeObject) and c is not stripe.ListObject
    ]
    return resources[0] if resources else None


def nullable(cls: type | None, key: str) -> bool:
    annotation = str(getattr(cls, "__annotations__", {}).get(key, ""))
    return "Optional" in annotation or "NoneType" in annotation


def shape_problems(rendered: dict, fixture: dict, cls: type | None, path: str) -> list[str]:
    problems = []
    extra = set(rendered) - set(fixture) - EXTRA_KEYS.get(cls, set())  # type: ignore[arg-type]
    missing = set(fixture) - set(rendered)
    if extra:
        problems.append(f"{path}: keys not in the fixture: {sorted(extra)}")
    if missing:
        problems.append(f"{path}: keys missing: {sorted(missing)}")
    for key in sorted(set(fixture) & set(rendered)):
        want, got, where = fixture[key], rendered[key], f"{path}.{key}"
        if want is None or where in NOT_RECURSED or key in NOT_RECURSED:
            continue
        if got is None:
            if not nullable(cls, key):
                problems.append(f"{where}: null, but neither fixture nor library allow it")
            continue
        if json_type(got) != json_type(want):
            problems.append(f"{where}: {json_type(got)}, fixture has {json_type(want)}")
            continue
        # A list object's `data` holds the class the list was declared with.
        sub_cls = cls if fixture.get("object") == "list" else nested_class(cls, key)
        if isinstance(want, dict):
            problems += shape_problems(got, want, sub_cls, where)
        elif isinstance(want, list) and want and got and isinstance(want[0], dict):
            problems += shape_problems(got[0], want[0], sub_cls, f"{where}[0]")
    return problems


def samples(rendered: RenderedBilling) -> dict[str, dict]:
    """One well-filled rendered object per resource type."""
    return {
        "customer": rendered.customers["cus_6"],  # has a customer-level discount
        "subscription": rendered.subscriptions["sub_1"],  # discount, quantity 3
        "subscription_item": rendered.subscription_items["sub_1"][0],
        "price": rendered.prices["price_pro_m"],
        "plan": rendered.plans["price_pro_m"],
        "product": rendered.products["prod_Pro"],
        "coupon": rendered.coupons["OFF10X3"],
        "discount": rendered.discounts["di_sub1"],
        "invoice": rendered.invoices["in_1"],
        "line_item": rendered.invoice_lines["in_1"][0],
        "event": rendered.events["evt_2"],
    }


@pytest.mark.parametrize("resource", sorted(STRIPE_CLASSES))
def test_current_shape_matches_fixture(resource: str, fixtures: dict, current: RenderedBilling):
    rendered = samples(current)[resource]
    assert rendered["object"] == fixtures[resource]["object"]
    problems = shape_problems(rendered, fixtures[resource], STRIPE_CLASSES[resource], resource)
    assert not problems, "\n".join(problems)


def test_every_rendered_object_has_its_fixture_keys(fixtures: dict, current: RenderedBilling):
    # Not just the samples: every object of every type, including the sparse ones.
    groups = {
        "customer": current.customers.values(),
        "subscription": current.subscriptions.values(),
        "subscription_item": [i for its in current.subscription_items.values() for i in its],
        "price": current.prices.values(),
        "plan": current.plans.values(),
        "product": current.products.values(),
        "coupon": current.coupons.values(),
        "discount": current.discounts.values(),
        "invoice": current.invoices.values(),
        "line_item": [line for lines in current.invoice_lines.values() for line in lines],
        "event": current.events.values(),
    }
    for resource, objects in groups.items():
        for obj in objects:
            problems = shape_problems(obj, fixtures[resource], STRIPE_CLASSES[resource], resource)
            assert not problems, f"{obj['id']}:\n" + "\n".join(problems)


def test_values_that_carry_meaning(current: RenderedBilling):
    sub = current.subscriptions["sub_1"]
    assert sub["discounts"] == ["di_sub1"]
    item = sub["items"]["data"][0]
    assert item["price"]["id"] == item["plan"]["id"] == "price_pro_m"
    assert item["quantity"] == 3
    assert isinstance(item["current_period_start"], int)
    assert "current_period_start" not in sub
    assert current.discounts["di_sub1"]["source"] == {"coupon": "OFF10X3", "type": "coupon"}
    assert current.customers["cus_6"]["discount"]["id"] == "di_cust6"
    assert current.coupons["PCT20"]["percent_off"] == 20.0
    assert current.coupons["OFF10X3"]["amount_off"] == 1_000

    invoice = current.invoices["in_1"]
    assert (invoice["subtotal"], invoice["total"], invoice["amount_paid"]) == (
        15_000,
        15_400,
        15_400,
    )
    assert invoice["total_excluding_tax"] == 14_000
    assert invoice["total_taxes"][0]["amount"] == 1_400
    assert invoice["total_discount_amounts"] == [{"amount": 1_000, "discount": "di_sub1"}]
    assert invoice["parent"]["subscription_details"]["subscription"] == "sub_1"
    line = invoice["lines"]["data"][0]
    assert line["pricing"]["price_details"]["price"] == "price_pro_m"
    details = line["parent"]["subscription_item_details"]
    assert (details["subscription"], details["subscription_item"]) == ("sub_1", "si_1_0")
    assert details["proration"] is False
    proration = current.invoice_lines["in_2"][0]["parent"]["subscription_item_details"]
    assert proration["proration"] is True
    one_off = current.invoice_lines["in_2"][2]
    assert one_off["parent"]["type"] == "invoice_item_details" and one_off["pricing"] is None
    assert current.invoices["in_5"]["number"] is None  # drafts are numbered at finalization


def test_nested_lists_embed_the_first_ten(current: RenderedBilling):
    items = current.subscriptions["sub_6"]["items"]
    assert len(items["data"]) == 10 and items["has_more"] is True
    assert items["url"] == "/v1/subscription_items?subscription=sub_6"
    lines = current.invoices["in_4"]["lines"]
    assert len(lines["data"]) == 10 and lines["has_more"] is True
    assert lines["url"] == "/v1/invoices/in_4/lines"
    assert current.subscriptions["sub_1"]["items"]["has_more"] is False


def test_events_carry_the_current_object(current: RenderedBilling):
    event = current.events["evt_2"]
    assert event["data"]["object"] == current.subscriptions["sub_1"]
    assert event["data"]["previous_attributes"] == {"items": {"data": [{"quantity": 3}]}}
    assert "previous_attributes" not in current.events["evt_1"]["data"]
    assert event["type"] == "customer.subscription.updated"


def test_legacy_shapes(fixtures: dict, legacy: RenderedBilling):
    assert legacy.api_version == LEGACY_API_VERSION
    sub = legacy.subscriptions["sub_1"]
    assert set(sub) == set(fixtures["subscription"]) - {"discounts"} | {
        "discount",
        "current_period_start",
        "current_period_end",
    }
    assert isinstance(sub["current_period_start"], int)
    discount = sub["discount"]
    assert discount["id"] == "di_sub1" and discount["object"] == "discount"
    assert discount["coupon"]["id"] == "OFF10X3" and "source" not in discount
    assert legacy.subscriptions["sub_2"]["discount"] is None

    item = sub["items"]["data"][0]
    assert set(item) == set(fixtures["subscription_item"]) - {
        "price",
        "current_period_start",
        "current_period_end",
    }
    assert item["plan"]["id"] == "price_pro_m"

    line = legacy.invoice_lines["in_2"][0]
    assert set(line) == set(fixtures["line_item"]) - {"pricing", "parent"} | {
        "price",
        "plan",
        "proration",
        "subscription_item",
        "type",
    }
    assert line["type"] == "subscription" and line["proration"] is True
    assert (line["subscription"], line["subscription_item"]) == ("sub_1", "si_1_0")
    assert line["price"]["id"] == line["plan"]["id"] == "price_pro_m"
    assert legacy.invoice_lines["in_2"][2]["type"] == "invoiceitem"
    assert legacy.invoices["in_1"]["subscription"] == "sub_1"

    # Everything else keeps the current shape.
    for resource in ("price", "plan", "product", "coupon"):
        rendered = samples(legacy)[resource]
        assert not shape_problems(rendered, fixtures[resource], STRIPE_CLASSES[resource], resource)
    assert set(legacy.invoices["in_1"]) == set(fixtures["invoice"])
    assert legacy.events["evt_2"]["data"]["object"] == sub


def test_the_shape_check_catches_drift(fixtures: dict, current: RenderedBilling):
    # The checker itself must not be vacuous.
    customer = {**current.customers["cus_6"], "created": None, "tax_exempt": 5, "surprise": 1}
    customer["invoice_settings"] = {**customer["invoice_settings"], "rendering_options": {}}
    del customer["balance"]
    problems = "\n".join(shape_problems(customer, fixtures["customer"], stripe.Customer, "c"))
    for expected in (
        "c.created: null",
        "c.tax_exempt: integer",
        "['surprise']",
        "['balance']",
        "c.invoice_settings.rendering_options: keys missing",
    ):
        assert expected in problems


@pytest.fixture(scope="module")
def tiered() -> RenderedBilling:
    return render_billing(tiered_billing_plan())


def test_tiered_and_metered_prices_keep_the_fixture_shape(fixtures: dict, tiered: RenderedBilling):
    for price_id in ("price_seats_grad", "price_seats_vol", "price_api_calls"):
        for resource, obj in (("price", tiered.prices[price_id]), ("plan", tiered.plans[price_id])):
            problems = shape_problems(obj, fixtures[resource], STRIPE_CLASSES[resource], resource)
            assert not problems, f"{price_id}:\n" + "\n".join(problems)
    # A metered item is the fixture's item without `quantity`, as Stripe sends it.
    item_fixture = {k: v for k, v in fixtures["subscription_item"].items() if k != "quantity"}
    metered = {i["id"]: i for i in tiered.subscription_items["sub_8"]}["si_8_api"]
    assert "quantity" not in metered
    problems = shape_problems(metered, item_fixture, stripe.SubscriptionItem, "subscription_item")
    assert not problems, "\n".join(problems)


def test_tiered_prices_have_no_unit_amount_and_tiers_only_apart(tiered: RenderedBilling):
    price, plan = tiered.prices["price_seats_grad"], tiered.plans["price_seats_grad"]
    assert (price["billing_scheme"], price["tiers_mode"]) == ("tiered", "graduated")
    assert price["unit_amount"] is None and price["unit_amount_decimal"] is None
    assert price["recurring"]["usage_type"] == "licensed"
    assert (plan["billing_scheme"], plan["tiers_mode"], plan["usage_type"]) == (
        "tiered",
        "graduated",
        "licensed",
    )
    assert plan["amount"] is None and plan["amount_decimal"] is None
    assert tiered.prices["price_seats_vol"]["tiers_mode"] == "volume"
    # `tiers` is sent only when expanded (the server adds it from `RenderedBilling.tiers`).
    assert "tiers" not in price and "tiers" not in plan
    assert tiered.tiers["price_seats_grad"] == [
        {"flat_amount": None, "flat_amount_decimal": None, "unit_amount": 1000,
         "unit_amount_decimal": "1000", "up_to": 5},
        {"flat_amount": None, "flat_amount_decimal": None, "unit_amount": 800,
         "unit_amount_decimal": "800", "up_to": 10},
        {"flat_amount": 2000, "flat_amount_decimal": "2000", "unit_amount": 500,
         "unit_amount_decimal": "500", "up_to": None},
    ]  # fmt: skip
    assert set(tiered.tiers) == {"price_seats_grad", "price_seats_vol"}
    per_unit = tiered.prices["price_pro_m"]
    assert (per_unit["billing_scheme"], per_unit["tiers_mode"]) == ("per_unit", None)
    assert (per_unit["unit_amount"], per_unit["unit_amount_decimal"]) == (5_000, "5000")


def test_metered_prices_and_items(tiered: RenderedBilling):
    price = tiered.prices["price_api_calls"]
    assert price["recurring"]["usage_type"] == "metered"
    assert tiered.plans["price_api_calls"]["usage_type"] == "metered"
    assert (price["billing_scheme"], price["unit_amount"]) == ("per_unit", 2)
    items = {i["id"]: i for i in tiered.subscription_items["sub_8"]}
    assert "quantity" not in items["si_8_api"]
    assert items["si_8_grad"]["quantity"] == 12
    legacy = render_billing(tiered_billing_plan(), legacy_shapes=True)
    legacy_items = {i["id"]: i for i in legacy.subscription_items["sub_8"]}
    assert "quantity" not in legacy_items["si_8_api"]
    assert legacy_items["si_8_api"]["plan"]["usage_type"] == "metered"


def test_tiered_invoice_lines_show_the_average_unit_amount(tiered: RenderedBilling):
    lines = {line["id"]: line for line in tiered.invoice_lines["in_8"]}
    assert lines["il_8_grad"]["pricing"]["unit_amount_decimal"] == "1000"  # $120 / 12
    assert lines["il_8_vol"]["pricing"]["unit_amount_decimal"] == "666.666666666667"
