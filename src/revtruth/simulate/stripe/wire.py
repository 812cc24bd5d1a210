"""Stripe's wire format: the pieces every rendered object shares, and the lookups rendering needs.

The renderers (`catalogue`, `customers`, `subscriptions`, `invoices`, and `render` for all
of a plan at once) turn the plan's billing into Stripe API JSON objects (plain dicts), as
the wire carries them. Field sets, JSON types and nesting follow Stripe's own example objects
(the `fixtures3.json` of Stripe's OpenAPI repository); values the plan does not model get the
value Stripe gives an account that never used the feature (usually null, `[]` or `{}`), so a
connector sees what a plain SaaS account would send.

`legacy_shapes=True` renders what accounts pinned to old API versions still receive:
`plan` without `price` on subscription items, billing periods on the subscription, a single
`discount` (with the coupon object inside, as before `source.coupon` existed) instead of
`discounts`, and invoice lines with `price`/`plan`/`proration`/`type` instead of
`pricing`/`parent`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from revtruth.simulate.company.plan import (
    BillingPlan,
    Coupon,
    Customer,
    Discount,
    Invoice,
    Price,
    Product,
    Subscription,
)

JsonObj = dict[str, Any]

# The version the current shapes follow (the one the installed `stripe` library pins), and a
# version from before Prices and `discounts` lists, for the legacy shapes.
CURRENT_API_VERSION = "2026-10-28.endive"
LEGACY_API_VERSION = "2019-12-03"

# Stripe embeds the first page of a nested list (subscription items, invoice lines).
NESTED_LIST_LIMIT = 10


def ts(moment: datetime | None) -> int | None:
    """Unix seconds, as every Stripe timestamp."""
    return None if moment is None else int(moment.timestamp())


def nulls(keys: str) -> JsonObj:
    """Fields (space-separated) the plan does not model and a plain SaaS account leaves null."""
    return dict.fromkeys(keys.split())


def list_object(data: list[JsonObj], url: str, has_more: bool) -> JsonObj:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def decimal_str(value: Decimal) -> str:
    # Stripe's decimal strings carry at most 12 decimal places and no exponent.
    return format(value.quantize(Decimal("0.000000000001")).normalize(), "f")


def amount_or_null(amount: int | None) -> tuple[int | None, str | None]:
    """An amount and its `_decimal` string, both null when unset."""
    return (None, None) if amount is None else (amount, str(amount))


def address(country: str) -> JsonObj:
    return {"country": country, **nulls("city line1 line2 postal_code state")}


def subscription_items_url(subscription_id: str) -> str:
    return f"/v1/subscription_items?subscription={subscription_id}"


def invoice_lines_url(invoice_id: str) -> str:
    return f"/v1/invoices/{invoice_id}/lines"


@dataclass
class BillingIndex:
    """Lookups the renderers need: plan objects by id and a few derived counts."""

    products: dict[str, Product] = field(default_factory=dict)
    prices: dict[str, Price] = field(default_factory=dict)
    coupons: dict[str, Coupon] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    discounts: dict[str, Discount] = field(default_factory=dict)
    coupon_redemptions: Counter[str] = field(default_factory=Counter)
    finalized_invoices: Counter[str] = field(default_factory=Counter)  # per customer
    default_price: dict[str, str] = field(default_factory=dict)  # product id -> price id

    @classmethod
    def build(cls, billing: BillingPlan) -> BillingIndex:
        index = cls(
            products={p.product_id: p for p in billing.products},
            prices={p.price_id: p for p in billing.prices},
            coupons={c.coupon_id: c for c in billing.coupons},
            customers={c.customer_id: c for c in billing.customers},
            subscriptions={s.subscription_id: s for s in billing.subscriptions},
            invoices={i.invoice_id: i for i in billing.invoices},
        )
        for customer in billing.customers:
            if customer.discount is not None:
                index.discounts[customer.discount.discount_id] = customer.discount
        for sub in billing.subscriptions:
            for discount in sub.discounts:
                index.discounts[discount.discount_id] = discount
        for discount in billing.discounts:
            index.discounts.setdefault(discount.discount_id, discount)
        index.coupon_redemptions.update(d.coupon_id for d in index.discounts.values())
        index.finalized_invoices.update(
            i.customer_id for i in billing.invoices if i.status != "draft"
        )
        # The plan has no explicit default price: take a product's oldest active price, which
        # is what a product created with `default_price_data` ends up with.
        for price in sorted(billing.prices, key=lambda p: (p.created_at, p.price_id)):
            if price.active:
                index.default_price.setdefault(price.product_id, price.price_id)
        return index
