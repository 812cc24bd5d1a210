"""Products, prices (with their tiers and the legacy Plan view) and coupons on the wire."""

from __future__ import annotations

from revtruth.simulate.company.plan import Coupon, Price, PriceTier, Product
from revtruth.simulate.stripe.wire import BillingIndex, JsonObj, amount_or_null, nulls, ts


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
        **nulls("package_dimensions shippable statement_descriptor tax_code unit_label url"),
    }


def render_price(price: Price) -> JsonObj:
    # A tiered price has no unit amount: its tiers (only sent when expanded) price it.
    unit_amount, unit_amount_decimal = amount_or_null(
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
        **nulls("custom_unit_amount transform_quantity"),
    }


def render_tier(tier: PriceTier) -> JsonObj:
    """One entry of an expanded `tiers`. Stripe leaves the amount a tier was not given null:
    no flat fee is a null `flat_amount`, a flat-only tier a null `unit_amount`."""
    flat = tier.flat_amount or None
    unit = None if tier.unit_amount == 0 and flat else tier.unit_amount
    flat_amount, flat_amount_decimal = amount_or_null(flat)
    unit_amount, unit_amount_decimal = amount_or_null(unit)
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
    amount, amount_decimal = amount_or_null(None if price.tiers_mode else price.unit_amount)
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
        **nulls("meter transform_usage trial_period_days"),
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
        **nulls("max_redemptions redeem_by"),
        "times_redeemed": index.coupon_redemptions[coupon.coupon_id],
        "valid": True,
    }
