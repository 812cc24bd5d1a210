"""MRR of the simulated plan, computed exactly from the generator's own objects.

This is the ground truth the warehouse is checked against, so it follows docs/metrics.md
independently of the dbt models (#mrr-of-a-subscription-item, #discounts, #statuses,
#currency-and-fx), never read back from the servers or the warehouse. Arithmetic is in exact
fractions (docs/metrics.md#exact-money: a week is 12/52 of a month, which no decimal holds).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from revtruth.simulate.company.catalogue import ZERO_DECIMAL_CURRENCIES
from revtruth.simulate.company.plan import (
    CompanyPlan,
    Coupon,
    Customer,
    Discount,
    Price,
    Subscription,
)

COUNTING_STATUSES = frozenset({"active", "past_due"})


def months_per_interval(interval: str, interval_count: int) -> Fraction:
    per_unit = {
        "month": Fraction(1),
        "year": Fraction(12),
        "week": Fraction(12, 52),
        "day": Fraction(12, 365),
    }[interval]
    return per_unit * interval_count


def minor_for_json(value: Fraction) -> int | float:
    """Whole minor units as an int; otherwise the exact value to 1/10,000 of one."""
    if value.denominator == 1:
        return int(value)
    return float(round(Decimal(value.numerator) / Decimal(value.denominator), 4))


def _discount_applies(discount: Discount, at: datetime) -> bool:
    return discount.start <= at and (discount.end is None or at < discount.end)


def subscription_mrr_native(
    subscription: Subscription,
    customer: Customer,
    prices: dict[str, Price],
    coupons: dict[str, Coupon],
    at: datetime,
) -> Fraction:
    """MRR in the subscription's currency, minor units (yen for JPY), exact."""
    if subscription.status not in COUNTING_STATUSES:
        return Fraction(0)
    items = [(prices[item.price_id], item.quantity) for item in subscription.items]
    discounts = [d for d in subscription.discounts if _discount_applies(d, at)]
    if not discounts and customer.discount and _discount_applies(customer.discount, at):
        discounts = [customer.discount]
    return discounted_mrr(items, discounts, coupons)


def discounted_mrr(
    items: list[tuple[Price, int]], discounts: list[Discount], coupons: dict[str, Coupon]
) -> Fraction:
    """MRR of priced items (price, quantity) after `discounts`, native minor units, exact.

    Metered items add nothing (usage is not committed recurring revenue). Discounts apply in
    order: a percentage multiplies, an amount off is spread over the billing interval of the
    first item; MRR never goes below zero (docs/metrics.md#discounts)."""
    months = months_per_interval(items[0][0].interval, items[0][0].interval_count)
    mrr = sum(
        (
            Fraction(price.amount_for(quantity))
            / months_per_interval(price.interval, price.interval_count)
            for price, quantity in items
            if price.usage_type != "metered"
        ),
        Fraction(0),
    )
    for discount in discounts:
        coupon = coupons[discount.coupon_id]
        if coupon.percent_off is not None:
            mrr = mrr * (100 - Fraction(coupon.percent_off)) / 100
        else:
            mrr = mrr - Fraction(coupon.amount_off or 0) / months
    return max(mrr, Fraction(0))


def to_reporting_minor(amount_minor: Fraction, currency: str, plan: CompanyPlan) -> Fraction:
    """Native minor units -> reporting-currency minor units, exact."""
    major = amount_minor if currency in ZERO_DECIMAL_CURRENCIES else amount_minor / 100
    reporting_major = major / Fraction(plan.fx_to_reporting[currency])
    return reporting_major * 100


def mrr_minor_by_customer(plan: CompanyPlan, at: datetime | None = None) -> dict[str, Fraction]:
    """Every Stripe customer's current MRR in reporting minor units (0 for those not paying)."""
    at = at or plan.now
    prices = {p.price_id: p for p in plan.billing.prices}
    coupons = {c.coupon_id: c for c in plan.billing.coupons}
    customers = {c.customer_id: c for c in plan.billing.customers}
    totals = {customer_id: Fraction(0) for customer_id in customers}
    for subscription in plan.billing.subscriptions:
        native = subscription_mrr_native(
            subscription, customers[subscription.customer_id], prices, coupons, at
        )
        totals[subscription.customer_id] += to_reporting_minor(native, subscription.currency, plan)
    return totals
