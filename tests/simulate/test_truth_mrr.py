"""Ground-truth MRR follows the worked examples of docs/metrics.md#worked-examples (the
generator's side of the check)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from revtruth.simulate.company.plan import (
    BillingPlan,
    CompanyPlan,
    Coupon,
    CrmPlan,
    Customer,
    Discount,
    Price,
    ProductDbPlan,
    Subscription,
    SubscriptionItem,
)
from revtruth.simulate.truth.mrr import minor_for_json, mrr_minor_by_customer

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _mrr(
    unit_amount,
    interval="month",
    count=1,
    quantity=1,
    status="active",
    currency="usd",
    coupons=(),
    customer_coupon=None,
) -> Fraction:
    price = Price("price_x", "prod_x", currency, unit_amount, interval, count, T0)
    coupon_objects = [
        Coupon(f"c{i}", "c", "forever", T0, **terms) for i, terms in enumerate(coupons)
    ]
    customer = Customer("cus_x", "co_1", "X", "x@x.com", T0)
    if customer_coupon:
        coupon_objects.append(Coupon("cc", "cc", "forever", T0, **customer_coupon))
        customer.discount = Discount("di_c", "cc", "cus_x", T0)
    subscription = Subscription(
        "sub_x",
        "cus_x",
        status,
        currency,
        [SubscriptionItem("si_x", "price_x", quantity, T0)],
        T0,
        T0,
        T0,
        NOW,
        discounts=[
            Discount(f"di_{i}", f"c{i}", "cus_x", T0, subscription_id="sub_x")
            for i in range(len(coupons))
        ],
    )
    plan = CompanyPlan(
        seed=0,
        size="small",
        today=date(2026, 2, 1),
        now=NOW,
        reporting_currency="usd",
        companies=[],
        billing=BillingPlan(
            prices=[price],
            coupons=coupon_objects,
            customers=[customer],
            subscriptions=[subscription],
        ),
        crm=CrmPlan(),
        product_db=ProductDbPlan(),
        fx_to_reporting={"usd": Decimal(1), "jpy": Decimal(150)},
    )
    return mrr_minor_by_customer(plan)["cus_x"]


@pytest.mark.parametrize(
    ("kwargs", "expected_minor"),
    [
        (
            {
                "unit_amount": 1_200_000,
                "interval": "year",
                "coupons": [{"percent_off": Decimal(20)}],
            },
            80_000,
        ),  # 1
        ({"unit_amount": 120_000, "interval": "year"}, 10_000),  # 3
        ({"unit_amount": 30_000, "interval": "month", "count": 3}, 10_000),  # 4
        (
            {"unit_amount": 1_000, "interval": "week"},
            Fraction(433_333, 100) + Fraction(1, 300),
        ),  # 5
        (
            {
                "unit_amount": 2_500,
                "quantity": 8,
                "coupons": [{"amount_off": 5_000, "currency": "usd"}],
            },
            15_000,
        ),  # 6
        (
            {
                "unit_amount": 300_000,
                "interval": "year",
                "coupons": [{"amount_off": 12_000, "currency": "usd"}],
            },
            24_000,
        ),  # 7
        ({"unit_amount": 50_000, "status": "trialing"}, 0),  # 8
        ({"unit_amount": 10_000, "status": "past_due"}, 10_000),  # 8
        ({"unit_amount": 10_000, "status": "unpaid"}, 0),  # 8
        ({"unit_amount": 12_000, "currency": "jpy"}, 8_000),  # 12
    ],
)
def test_metrics_worked_examples(kwargs, expected_minor):
    assert _mrr(**kwargs) == expected_minor


def test_weekly_price_is_exact_not_rounded():
    assert _mrr(1_000, "week") == Fraction(1_000 * 52, 12)
    assert minor_for_json(_mrr(1_000, "week")) == 4333.3333


def test_customer_discount_applies_only_without_a_subscription_discount():
    assert _mrr(10_000, customer_coupon={"percent_off": Decimal(50)}) == 5_000
    assert (
        _mrr(
            10_000,
            coupons=[{"percent_off": Decimal(10)}],
            customer_coupon={"percent_off": Decimal(50)},
        )
        == 9_000
    )


def test_discounts_apply_in_listed_order_and_never_below_zero():
    both = [{"percent_off": Decimal(20)}, {"amount_off": 5_000, "currency": "usd"}]
    assert _mrr(10_000, coupons=both) == 3_000  # 10000 × 0.8 − 5000
    assert _mrr(10_000, coupons=list(reversed(both))) == 4_000  # (10000 − 5000) × 0.8
    assert _mrr(1_000, coupons=[{"amount_off": 5_000, "currency": "usd"}]) == 0
