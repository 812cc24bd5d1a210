"""A whole billing plan on the wire at once, events included: what the Stripe server serves."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from revtruth.simulate.company.plan import BillingPlan, StripeEvent
from revtruth.simulate.stripe.catalogue import (
    render_coupon,
    render_plan,
    render_price,
    render_product,
    render_tiers,
)
from revtruth.simulate.stripe.customers import render_customer, render_discount
from revtruth.simulate.stripe.invoices import render_invoice, render_line_item
from revtruth.simulate.stripe.subscriptions import render_subscription, render_subscription_item
from revtruth.simulate.stripe.wire import (
    CURRENT_API_VERSION,
    LEGACY_API_VERSION,
    BillingIndex,
    JsonObj,
    ts,
)


def render_event(event: StripeEvent, data_object: JsonObj, *, api_version: str) -> JsonObj:
    data: JsonObj = {"object": data_object}
    if event.previous_attributes is not None:
        data["previous_attributes"] = event.previous_attributes
    return {
        "api_version": api_version,
        "created": ts(event.created_at),
        "data": data,
        "id": event.event_id,
        "livemode": False,
        "object": "event",
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": event.type,
    }


@dataclass
class RenderedBilling:
    """Every wire object of a plan, by id. Nested lists are kept whole for their endpoints."""

    api_version: str
    customers: dict[str, JsonObj]
    products: dict[str, JsonObj]
    prices: dict[str, JsonObj]
    plans: dict[str, JsonObj]
    coupons: dict[str, JsonObj]
    discounts: dict[str, JsonObj]
    subscriptions: dict[str, JsonObj]
    subscription_items: dict[str, list[JsonObj]]  # subscription id -> all its items
    invoices: dict[str, JsonObj]
    invoice_lines: dict[str, list[JsonObj]]  # invoice id -> all its lines
    events: dict[str, JsonObj]
    # Price (and plan) id -> its `tiers`, tiered prices only: sent only when expanded.
    tiers: dict[str, list[JsonObj]] = field(default_factory=dict)
    # Object type -> id -> when it was deleted (changes.py): no longer listed or retrievable.
    deleted: dict[str, dict[str, int]] = field(default_factory=dict)


def render_billing(billing: BillingPlan, *, legacy_shapes: bool = False) -> RenderedBilling:
    index = BillingIndex.build(billing)
    legacy = legacy_shapes
    subscriptions = {
        s.subscription_id: render_subscription(s, index, legacy_shapes=legacy)
        for s in billing.subscriptions
    }
    invoices = {
        i.invoice_id: render_invoice(i, index, legacy_shapes=legacy) for i in billing.invoices
    }
    customers = {
        c.customer_id: render_customer(c, index, legacy_shapes=legacy) for c in billing.customers
    }
    products = {p.product_id: render_product(p, index) for p in billing.products}
    prices = {p.price_id: render_price(p) for p in billing.prices}
    coupons = {c.coupon_id: render_coupon(c, index) for c in billing.coupons}
    rendered = RenderedBilling(
        api_version=LEGACY_API_VERSION if legacy else CURRENT_API_VERSION,
        customers=customers,
        products=products,
        prices=prices,
        plans={p.price_id: render_plan(p) for p in billing.prices},
        coupons=coupons,
        discounts={
            d: render_discount(x, index, legacy_shapes=legacy) for d, x in index.discounts.items()
        },
        subscriptions=subscriptions,
        subscription_items={
            s.subscription_id: [
                render_subscription_item(i, s, index, legacy_shapes=legacy) for i in s.items
            ]
            for s in billing.subscriptions
        },
        invoices=invoices,
        invoice_lines={
            i.invoice_id: [
                render_line_item(line, i, index, legacy_shapes=legacy) for line in i.lines
            ]
            for i in billing.invoices
        },
        events={},
        tiers={p.price_id: render_tiers(p) for p in billing.prices if p.tiers_mode},
    )
    by_type: dict[str, dict[str, JsonObj]] = {
        "customer": customers,
        "subscription": subscriptions,
        "invoice": invoices,
        "product": products,
        "price": prices,
        "coupon": coupons,
    }
    for event in billing.events:
        objects = by_type.get(event.object_type, {})
        if event.object_id not in objects:
            raise ValueError(
                f"event {event.event_id} refers to unknown {event.object_type} {event.object_id}"
            )
        # A snapshot, so nothing that touches a served object can reach into an event.
        rendered.events[event.event_id] = render_event(
            event, copy.deepcopy(objects[event.object_id]), api_version=rendered.api_version
        )
    return rendered
