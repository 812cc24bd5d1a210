"""Customers and discounts on the wire."""

from __future__ import annotations

import hashlib

from revtruth.simulate.company.plan import Customer, Discount
from revtruth.simulate.stripe.catalogue import render_coupon
from revtruth.simulate.stripe.wire import BillingIndex, JsonObj, address, nulls, ts


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
        **nulls(
            "checkout_session invoice invoice_item promotion_code subscription_item "
            "customer_account"
        ),
    }
    if legacy_shapes:
        # Before `source` existed the whole coupon object sat in `discount.coupon`.
        del obj["source"], obj["customer_account"]
        obj["coupon"] = render_coupon(index.coupons[discount.coupon_id], index)
    return obj


def render_customer(
    customer: Customer, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    discount = customer.discount
    return {
        "address": address(customer.country),
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
        "invoice_settings": nulls("custom_fields default_payment_method footer rendering_options"),
        "livemode": False,
        "metadata": dict(customer.metadata),
        "name": customer.name,
        "next_invoice_sequence": index.finalized_invoices[customer.customer_id] + 1,
        "object": "customer",
        "phone": customer.phone,
        "preferred_locales": [],
        "tax_exempt": "none",
        **nulls("default_source description shipping test_clock"),
    }
