"""Ground-truth MRR history and movements: consistent with each other and with live MRR."""

from __future__ import annotations

from datetime import date

import pytest

from revtruth.simulate.company.generator import generate
from revtruth.simulate.truth.history import MOVEMENT_TYPES, movements, mrr_by_customer_month
from revtruth.simulate.truth.mrr import mrr_minor_by_customer

TODAY = date(2026, 3, 31)


@pytest.fixture(scope="module")
def plan():
    return generate(seed=4, today=TODAY)


@pytest.fixture(scope="module")
def series(plan):
    return mrr_by_customer_month(plan)


def test_series_run_from_first_paid_month_to_the_current_month(series):
    for months in series.values():
        keys = sorted(months)
        assert months[keys[0]] > 0
        assert keys[-1] == "2026-03"


def test_movements_explain_every_change(series):
    moved = movements(series)
    for customer, months in series.items():
        previous = 0
        for key in sorted(months):
            change = months[key] - previous
            kinds = moved.get(customer, {}).get(key, {})
            assert sum(kinds.values()) == change
            assert set(kinds) <= set(MOVEMENT_TYPES)
            previous = months[key]


def test_current_month_matches_live_mrr_except_discounts_that_ended_mid_period(plan, series):
    live = mrr_minor_by_customer(plan)
    differing = {c for c, months in series.items() if months["2026-03"] != live[c]}
    # A finite discount that ended inside the current billing period still discounted the
    # invoice covering now (while_active) but has left the live subscription.
    for customer in differing:
        subs = [s for s in plan.billing.subscriptions if s.customer_id == customer]
        assert any(
            d.end is not None and d.end <= plan.now
            for d in plan.billing.discounts
            if d.subscription_id in {s.subscription_id for s in subs}
        )
    assert len(differing) <= 0.05 * len(series)


def test_churned_customers_end_at_zero_with_a_churn_movement(plan, series):
    moved = movements(series)
    churned = {s.customer_id for s in plan.billing.subscriptions if s.status == "canceled"}
    paid_churned = churned & set(series)
    assert paid_churned
    for customer in paid_churned:
        assert series[customer]["2026-03"] == 0
        assert any("churn" in kinds for kinds in moved[customer].values())
