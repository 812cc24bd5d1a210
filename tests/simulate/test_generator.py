"""The generator: deterministic, sized as documented, with every scenario and edge case."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from revtruth.simulate.company.generator import SCENARIO_MIX, generate
from revtruth.simulate.truth import ground_truth

TODAY = date(2026, 3, 31)


@pytest.fixture(scope="module")
def plan():
    return generate(seed=3, size="small", today=TODAY)


def test_same_seed_gives_the_same_company_and_truth():
    first, second = generate(seed=9, today=TODAY), generate(seed=9, today=TODAY)
    assert ground_truth.compute(first) == ground_truth.compute(second)
    assert first.product_db.activity.occurred_at == second.product_db.activity.occurred_at


def test_different_seeds_give_different_companies():
    assert ground_truth.compute(generate(seed=1, today=TODAY)) != ground_truth.compute(
        generate(seed=2, today=TODAY)
    )


def test_small_has_200_companies_and_at_most_200k_activity_rows(plan):
    assert len(plan.companies) == 200
    assert 10_000 < len(plan.product_db.activity) <= 200_000


def test_every_scenario_appears(plan):
    assert set(Counter(c.scenario for c in plan.companies)) == {name for name, _ in SCENARIO_MIX}


def test_history_ends_today_and_spans_two_years(plan):
    dates = [at.date() for at in plan.product_db.activity.occurred_at]
    assert max(dates) == TODAY - timedelta(days=1)  # "now" is midnight starting TODAY
    assert min(c.created_at.date() for c in plan.companies) >= TODAY - timedelta(days=731)


def test_default_history_ends_on_the_current_utc_date():
    from revtruth.simulate.company.generator import utc_today

    assert generate(seed=1).today == utc_today()


def test_monthly_annual_trials_coupons_and_three_currencies_are_present(plan):
    prices = {p.price_id: p for p in plan.billing.prices}
    intervals = {prices[s.items[0].price_id].interval for s in plan.billing.subscriptions}
    assert {"month", "year"} <= intervals
    statuses = Counter(s.status for s in plan.billing.subscriptions)
    assert {"active", "trialing", "canceled", "past_due"} <= set(statuses)
    assert {s.currency for s in plan.billing.subscriptions} == {"usd", "eur", "jpy"}
    assert any(s.discounts for s in plan.billing.subscriptions)


def test_identity_noise_sits_between_crm_and_billing_by_default(plan):
    paying_tenants = [t for t in plan.product_db.tenants if t.plan_tier == "paid"]
    assert all(t.billing_customer_id for t in paying_tenants)
    with_metadata = sum(
        1 for c in plan.billing.customers if c.metadata.get("salesforce_account_id")
    )
    assert 0 < with_metadata < len(plan.billing.customers)
    free_mail = sum(
        1
        for c in plan.billing.customers
        if c.email.split("@")[1]
        in ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com")
    )
    assert free_mail > 0
    account_names = {a.company_key: a.name for a in plan.crm.accounts}
    assert any(c.name != account_names.get(c.company_key, c.name) for c in plan.billing.customers)


def test_identity_noise_levels_remove_stored_billing_ids():
    paid_share = {}
    for level in ("medium", "high"):
        noisy = generate(seed=3, today=TODAY, identity_noise=level)
        paid = [t for t in noisy.product_db.tenants if t.plan_tier == "paid"]
        kept = sum(1 for t in paid if t.billing_customer_id is not None)
        paid_share[level] = kept / len(paid)
    assert paid_share["medium"] == 0 and 0.05 < paid_share["high"] < 0.3


def test_hallucinated_and_unprovisioned_deals_exist(plan):
    truth = ground_truth.compute(plan)
    assert truth["won_deals_never_billed"]
    tenants = {t.company_key for t in plan.product_db.tenants}
    unprovisioned = [c for c in plan.companies if c.scenario == "unprovisioned"]
    assert unprovisioned and all(c.company_key not in tenants for c in unprovisioned)


def test_zombies_have_no_activity_in_the_last_90_days(plan):
    truth = ground_truth.compute(plan)
    tenant_of = {t.company_key: t.tenant_id for t in plan.product_db.tenants}
    company_of = truth["company_of"]
    first_day = TODAY - timedelta(days=90)
    active = {
        t
        for t, at in zip(
            plan.product_db.activity.tenant_id, plan.product_db.activity.occurred_at, strict=True
        )
        if at.date() >= first_day
    }
    for customer_id in truth["zombie_stripe_customer_ids"]:
        assert tenant_of.get(company_of[customer_id]) not in active
    assert len(truth["zombie_stripe_customer_ids"]) >= 10


def test_window_edges_are_exercised(plan):
    """Events on the first second of day today−30 and the last second before it exist."""
    recent_start = plan.now - timedelta(days=30)
    times = set(plan.product_db.activity.occurred_at)
    assert recent_start in times
    assert recent_start - timedelta(seconds=1) in times


def test_all_three_health_labels_occur(plan):
    labels = Counter(ground_truth.compute(plan)["seed_health_by_stripe_customer_id"].values())
    assert set(labels) == {"Healthy", "Medium Risk (Low Adoption)", "High Churn Risk (Zombie)"}


def test_unknown_size_is_refused():
    with pytest.raises(ValueError, match="unknown size"):
        generate(seed=1, size="huge")
