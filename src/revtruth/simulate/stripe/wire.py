"""Render a `BillingPlan` as Stripe API JSON objects (plain dicts), as the wire carries them.

Pure functions, no I/O: the Stripe server renders everything once at start-up and serves
these dicts. Field sets, JSON types and nesting follow Stripe's own example objects (the
`fixtures3.json` reference); values the plan does not model get the value Stripe gives an
account that never used the feature (usually null, `[]` or `{}`), so a connector sees what a
plain SaaS account would send.

`legacy_shapes=True` renders what accounts pinned to old API versions still receive:
`plan` without `price` on subscription items, billing periods on the subscription, a single
`discount` (with the coupon object inside, as before `source.coupon` existed) instead of
`discounts`, and invoice lines with `price`/`plan`/`proration`/`type` instead of
`pricing`/`parent`.
"""

from __future__ import annotations

import copy
import hashlib
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
    InvoiceLine,
    Price,
    PriceTier,
    Product,
    StripeEvent,
    Subscription,
    SubscriptionItem,
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


def _nulls(keys: str) -> JsonObj:
    """Fields (space-separated) the plan does not model and a plain SaaS account leaves null."""
    return dict.fromkeys(keys.split())


def list_object(data: list[JsonObj], url: str, has_more: bool) -> JsonObj:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def _decimal_str(value: Decimal) -> str:
    # Stripe's decimal strings carry at most 12 decimal places and no exponent.
    return format(value.quantize(Decimal("0.000000000001")).normalize(), "f")


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


# ---------------------------------------------------------------- catalogue


def render_product(product: Product, index: BillingIndex) -> JsonObj:
    return {
        "active": True,
        "created": ts(product.created_at),
        "default_price": index.default_price.get(product.product_id),
        "description": product.description,
        "id": product.product_id,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {},
        "name": product.name,
        "object": "product",
        "updated": ts(product.created_at),
        "type": "service",  # a SaaS seat or plan, never a shippable good
        **_nulls("package_dimensions shippable statement_descriptor tax_code unit_label url"),
    }


def _amount_or_null(amount: int | None) -> tuple[int | None, str | None]:
    """An amount and its `_decimal` string, both null when unset."""
    return (None, None) if amount is None else (amount, str(amount))


def render_price(price: Price) -> JsonObj:
    # A tiered price has no unit amount: its tiers (only sent when expanded) price it.
    unit_amount, unit_amount_decimal = _amount_or_null(
        None if price.tiers_mode else price.unit_amount
    )
    return {
        "active": price.active,
        "billing_scheme": price.billing_scheme,
        "created": ts(price.created_at),
        "currency": price.currency,
        "id": price.price_id,
        "livemode": False,
        "lookup_key": price.lookup_key,
        "metadata": {},
        "nickname": price.nickname,
        "object": "price",
        "product": price.product_id,
        "recurring": {
            "interval": price.interval,
            "interval_count": price.interval_count,
            "meter": None,
            "usage_type": price.usage_type,
            "trial_period_days": None,
        },
        "tax_behavior": "unspecified",
        "tiers_mode": price.tiers_mode,
        "type": "recurring",
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_amount_decimal,
        **_nulls("custom_unit_amount transform_quantity"),
    }


def render_tier(tier: PriceTier) -> JsonObj:
    """One entry of an expanded `tiers`. Stripe leaves the amount a tier was not given null:
    no flat fee is a null `flat_amount`, a flat-only tier a null `unit_amount`."""
    flat = tier.flat_amount or None
    unit = None if tier.unit_amount == 0 and flat else tier.unit_amount
    flat_amount, flat_amount_decimal = _amount_or_null(flat)
    unit_amount, unit_amount_decimal = _amount_or_null(unit)
    return {
        "flat_amount": flat_amount,
        "flat_amount_decimal": flat_amount_decimal,
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_amount_decimal,
        "up_to": tier.up_to,  # null for the last tier ("inf")
    }


def render_tiers(price: Price) -> list[JsonObj]:
    return [render_tier(tier) for tier in price.tiers]


def render_plan(price: Price) -> JsonObj:
    """The legacy Plan view of a recurring price: same id, `amount` instead of `unit_amount`."""
    amount, amount_decimal = _amount_or_null(None if price.tiers_mode else price.unit_amount)
    return {
        "active": price.active,
        "amount": amount,
        "amount_decimal": amount_decimal,
        "billing_scheme": price.billing_scheme,
        "created": ts(price.created_at),
        "currency": price.currency,
        "id": price.price_id,
        "interval": price.interval,
        "interval_count": price.interval_count,
        "livemode": False,
        "metadata": {},
        "nickname": price.nickname,
        "object": "plan",
        "product": price.product_id,
        "tiers_mode": price.tiers_mode,
        "usage_type": price.usage_type,
        **_nulls("meter transform_usage trial_period_days"),
    }


def render_coupon(coupon: Coupon, index: BillingIndex) -> JsonObj:
    return {
        "amount_off": coupon.amount_off,
        "created": ts(coupon.created_at),
        "currency": coupon.currency,
        "duration": coupon.duration,
        "duration_in_months": coupon.duration_in_months,
        "id": coupon.coupon_id,
        "livemode": False,
        "metadata": {},
        "name": coupon.name,
        "object": "coupon",
        # Stripe sends percent_off as a JSON float (25.0, 12.5).
        "percent_off": None if coupon.percent_off is None else float(coupon.percent_off),
        **_nulls("max_redemptions redeem_by"),
        "times_redeemed": index.coupon_redemptions[coupon.coupon_id],
        "valid": True,
    }


# ---------------------------------------------------------------- customers and discounts


def render_discount(
    discount: Discount, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    obj: JsonObj = {
        "customer": discount.customer_id,
        "end": ts(discount.end),
        "id": discount.discount_id,
        "object": "discount",
        "start": ts(discount.start),
        "subscription": discount.subscription_id,
        "source": {"coupon": discount.coupon_id, "type": "coupon"},
        **_nulls(
            "checkout_session invoice invoice_item promotion_code subscription_item "
            "customer_account"
        ),
    }
    if legacy_shapes:
        # Before `source` existed the whole coupon object sat in `discount.coupon`.
        del obj["source"], obj["customer_account"]
        obj["coupon"] = render_coupon(index.coupons[discount.coupon_id], index)
    return obj


def _address(country: str) -> JsonObj:
    return {"country": country, **_nulls("city line1 line2 postal_code state")}


def render_customer(
    customer: Customer, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    discount = customer.discount
    return {
        "address": _address(customer.country),
        "balance": 0,
        "created": ts(customer.created_at),
        "currency": customer.currency,
        "delinquent": customer.delinquent,
        "discount": (
            None
            if discount is None
            else render_discount(discount, index, legacy_shapes=legacy_shapes)
        ),
        "email": customer.email,
        "id": customer.customer_id,
        # Stable per customer, like the prefix Stripe assigns at creation.
        "invoice_prefix": hashlib.sha256(customer.customer_id.encode()).hexdigest()[:8].upper(),
        "invoice_settings": _nulls("custom_fields default_payment_method footer rendering_options"),
        "livemode": False,
        "metadata": dict(customer.metadata),
        "name": customer.name,
        "next_invoice_sequence": index.finalized_invoices[customer.customer_id] + 1,
        "object": "customer",
        "phone": customer.phone,
        "preferred_locales": [],
        "tax_exempt": "none",
        **_nulls("default_source description shipping test_clock"),
    }


# ---------------------------------------------------------------- subscriptions


def render_subscription_item(
    item: SubscriptionItem, sub: Subscription, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    price = index.prices[item.price_id]
    obj: JsonObj = {
        "created": ts(item.created_at),
        # Item-level discounts only; subscription-level ones live on the subscription.
        "discounts": [],
        "id": item.item_id,
        "metadata": {},
        "object": "subscription_item",
        "price": render_price(price),
        "quantity": item.quantity,
        "subscription": sub.subscription_id,
        "tax_rates": [],
        "plan": render_plan(price),
        "current_period_end": ts(sub.current_period_end),
        "current_period_start": ts(sub.current_period_start),
        "billing_thresholds": None,
    }
    if price.usage_type == "metered":
        # Usage is reported, not committed: Stripe sends no `quantity` for a metered item.
        del obj["quantity"]
    if legacy_shapes:
        del obj["price"], obj["current_period_end"], obj["current_period_start"]
    return obj


def subscription_items_url(subscription_id: str) -> str:
    return f"/v1/subscription_items?subscription={subscription_id}"


def render_subscription(
    sub: Subscription, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    items = [
        render_subscription_item(i, sub, index, legacy_shapes=legacy_shapes) for i in sub.items
    ]
    canceled = sub.canceled_at is not None or sub.cancel_at is not None
    obj: JsonObj = {
        "automatic_tax": {"enabled": False, "liability": None, "disabled_reason": None},
        # Cycles are anchored where billing began: the trial end, else the start date.
        "billing_cycle_anchor": ts(sub.trial_end or sub.start_date),
        "cancel_at": ts(sub.cancel_at),
        "canceled_at": ts(sub.canceled_at),
        "cancellation_details": {
            "comment": None,
            "feedback": None,
            "reason": "cancellation_requested" if canceled else None,
        },
        "collection_method": sub.collection_method,
        "created": ts(sub.created_at),
        "currency": sub.currency,
        "customer": sub.customer_id,
        "days_until_due": 30 if sub.collection_method == "send_invoice" else None,
        "default_tax_rates": [],
        "discounts": [d.discount_id for d in sub.discounts],
        "ended_at": ts(sub.ended_at),
        "id": sub.subscription_id,
        "invoice_settings": {
            "issuer": {"type": "self"},
            **_nulls("account_tax_ids custom_fields description footer"),
        },
        "items": list_object(
            items[:NESTED_LIST_LIMIT],
            subscription_items_url(sub.subscription_id),
            len(items) > NESTED_LIST_LIMIT,
        ),
        "latest_invoice": sub.latest_invoice_id,
        "livemode": False,
        "metadata": dict(sub.metadata),
        "object": "subscription",
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "start_date": ts(sub.start_date),
        "status": sub.status,
        "trial_end": ts(sub.trial_end),
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": ts(sub.trial_start),
        "cancel_at_period_end": sub.cancel_at_period_end,
        "billing_mode": {"type": "classic", "flexible": None},
        "billing_schedules": [],
        **_nulls(
            "application application_fee_percent billing_cycle_anchor_config "
            "default_payment_method default_source description "
            "next_pending_invoice_item_invoice on_behalf_of pause_collection "
            "pending_invoice_item_interval pending_setup_intent pending_update schedule "
            "test_clock transfer_data billing_thresholds customer_account managed_payments"
        ),
    }
    if legacy_shapes:
        del obj["discounts"]
        obj["discount"] = (
            render_discount(sub.discounts[0], index, legacy_shapes=True) if sub.discounts else None
        )
        obj["current_period_start"] = ts(sub.current_period_start)
        obj["current_period_end"] = ts(sub.current_period_end)
    return obj


# ---------------------------------------------------------------- invoices


def invoice_lines_url(invoice_id: str) -> str:
    return f"/v1/invoices/{invoice_id}/lines"


def _unit_amount_decimal(line: InvoiceLine, price: Price | None) -> str:
    # A tiered price has no one unit amount: the line's average is what Stripe shows.
    if price is not None and not line.proration and not price.tiers_mode:
        return str(price.unit_amount)
    return _decimal_str(Decimal(line.amount) / max(line.quantity, 1))


def render_line_item(
    line: InvoiceLine, invoice: Invoice, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    price = index.prices.get(line.price_id) if line.price_id else None
    sub_id = invoice.subscription_id
    if line.subscription_item_id is not None:
        parent: JsonObj = {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": line.proration,
                "proration_details": {"credited_items": None},
                "subscription": sub_id,
                "subscription_item": line.subscription_item_id,
            },
            "type": "subscription_item_details",
        }
    else:
        # A one-off line is an invoice item pulled into the invoice; its id is derived.
        parent = {
            "invoice_item_details": {
                "invoice_item": "ii_" + line.line_id.removeprefix("il_"),
                "proration": line.proration,
                "proration_details": {"credited_items": None},
                "subscription": sub_id,
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        }
    obj: JsonObj = {
        "amount": line.amount,
        "currency": line.currency,
        "description": line.description,
        "discount_amounts": [{"amount": a, "discount": d} for d, a in line.discount_amounts],
        "discountable": True,
        # Line-level discounts only: subscription and customer discounts reach a line through
        # `discount_amounts`, as on Stripe.
        "discounts": [],
        "id": line.line_id,
        "invoice": invoice.invoice_id,
        "livemode": False,
        "metadata": {},
        "object": "line_item",
        "period": {"end": ts(line.period_end), "start": ts(line.period_start)},
        "quantity": line.quantity,
        "subscription": sub_id,
        "pretax_credit_amounts": [
            {"amount": a, "credit_balance_transaction": None, "discount": d, "type": "discount"}
            for d, a in line.discount_amounts
        ],
        "taxes": [],
        "parent": parent,
        "pricing": (
            None
            if price is None
            else {
                "price_details": {"price": price.price_id, "product": price.product_id},
                "type": "price_details",
                "unit_amount_decimal": _unit_amount_decimal(line, price),
            }
        ),
        "subtotal": line.amount,
        "quantity_decimal": str(line.quantity),
    }
    if legacy_shapes:
        del obj["pricing"], obj["parent"]
        obj["price"] = None if price is None else render_price(price)
        obj["plan"] = None if price is None else render_plan(price)
        obj["proration"] = line.proration
        obj["subscription_item"] = line.subscription_item_id
        obj["type"] = "subscription" if line.subscription_item_id else "invoiceitem"
    return obj


def _discount_totals(invoice: Invoice) -> list[JsonObj]:
    totals: dict[str, int] = {}
    for line in invoice.lines:
        for discount_id, amount in line.discount_amounts:
            totals[discount_id] = totals.get(discount_id, 0) + amount
    return [{"amount": a, "discount": d} for d, a in totals.items()]


def _tax(invoice: Invoice) -> JsonObj:
    # The plan knows one tax amount per invoice: show it as one exclusive tax-rate charge.
    return {
        "amount": invoice.tax,
        "tax_behavior": "exclusive",
        "tax_rate_details": {"tax_rate": "txr_simulated"},
        "taxability_reason": "standard_rated",
        "taxable_amount": invoice.subtotal - invoice.total_discount,
        "type": "tax_rate_details",
    }


def render_invoice(
    invoice: Invoice, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    customer = index.customers.get(invoice.customer_id)
    sub = index.subscriptions.get(invoice.subscription_id or "")
    lines = [
        render_line_item(line, invoice, index, legacy_shapes=legacy_shapes)
        for line in invoice.lines
    ]
    created = ts(invoice.created_at)
    assert created is not None
    draft = invoice.status == "draft"
    # Subscription invoices stay draft for about an hour before Stripe finalizes them.
    finalized = None if draft else created + 3600
    collection = sub.collection_method if sub else "charge_automatically"
    charged = collection == "charge_automatically" and not draft
    total, tax, paid = invoice.total, invoice.tax, invoice.amount_paid
    amount_due = max(total, 0)
    discount_totals = _discount_totals(invoice)
    return {
        "account_country": "US",
        "amount_due": amount_due,
        "amount_paid": paid,
        "amount_remaining": amount_due - paid,
        "amount_shipping": 0,
        "attempt_count": 1 if charged else 0,
        "attempted": charged,
        "auto_advance": draft or invoice.status == "open",
        "automatic_tax": {
            "enabled": False,
            **_nulls("liability status disabled_reason provider"),
        },
        "billing_reason": invoice.billing_reason,
        "collection_method": collection,
        "created": created,
        "currency": invoice.currency,
        "customer": invoice.customer_id,
        "customer_address": _address(customer.country) if customer else None,
        "customer_email": customer.email if customer else None,
        "customer_name": customer.name if customer else None,
        "customer_phone": customer.phone if customer else None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_tax_rates": [],
        "discounts": list(invoice.discount_ids),
        "due_date": created + 30 * 86400 if collection == "send_invoice" else None,
        "effective_at": finalized,
        "ending_balance": None if draft else 0,
        "id": invoice.invoice_id,
        "issuer": {"type": "self"},
        "lines": list_object(
            lines[:NESTED_LIST_LIMIT],
            invoice_lines_url(invoice.invoice_id),
            len(lines) > NESTED_LIST_LIMIT,
        ),
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": (
            created + 3 * 86400 if charged and invoice.status == "open" else None
        ),
        "number": None if draft else invoice.number,  # Stripe numbers at finalization
        "object": "invoice",
        "payment_settings": _nulls("default_mandate payment_method_options payment_method_types"),
        "period_end": ts(invoice.period_end),
        "period_start": ts(invoice.period_start),
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "rendering": {
            "pdf": {"page_size": "auto"},
            **_nulls("amount_tax_display template template_version"),
        },
        "starting_balance": 0,
        "status": invoice.status,
        "status_transitions": {
            "finalized_at": finalized,
            "marked_uncollectible_at": finalized if invoice.status == "uncollectible" else None,
            "paid_at": finalized if invoice.status == "paid" else None,
            "voided_at": finalized if invoice.status == "void" else None,
        },
        # Current versions moved the subscription to `parent.subscription_details`; the
        # top-level field only carries a value for accounts on old versions.
        "subscription": invoice.subscription_id if legacy_shapes else None,
        "subtotal": invoice.subtotal,
        "subtotal_excluding_tax": invoice.subtotal,
        "total": total,
        "total_discount_amounts": discount_totals,
        "total_excluding_tax": total - tax,
        "webhooks_delivered_at": created,
        "automatically_finalizes_at": created + 3600 if draft else None,
        "total_pretax_credit_amounts": [
            {**t, "credit_balance_transaction": None, "type": "discount"} for t in discount_totals
        ],
        "total_taxes": [_tax(invoice)] if tax else [],
        "amount_overpaid": 0,
        "parent": (
            None
            if invoice.subscription_id is None
            else {
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(sub.metadata) if sub else {},
                    "subscription": invoice.subscription_id,
                },
                "type": "subscription_details",
            }
        ),
        **_nulls(
            "account_name account_tax_ids application custom_fields customer_shipping "
            "default_payment_method default_source description footer from_invoice "
            "hosted_invoice_url invoice_pdf last_finalization_error latest_revision "
            "on_behalf_of receipt_number shipping_cost shipping_details statement_descriptor "
            "test_clock customer_account"
        ),
    }


# ---------------------------------------------------------------- events


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


# ---------------------------------------------------------------- everything at once


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
