"""Scenario files: a hand-written billing case becomes exactly that company."""

from __future__ import annotations

from pathlib import Path

import pytest

from revtruth.simulate.company.scenario import ScenarioError, load_scenario
from revtruth.simulate.fixtures import scenario_path
from revtruth.simulate.truth.ground_truth import compute

EXAMPLES = scenario_path("metrics_examples")


def test_metrics_examples_scenario_has_the_documented_ground_truth():
    truth = compute(load_scenario(EXAMPLES))
    assert truth["today"] == "2026-06-30"
    assert truth["mrr_minor_by_stripe_customer_id"] == {
        "cus_ex1": 80000,
        "cus_ex3": 10000,
        "cus_ex4": 10000,
        "cus_ex5": 4333.3333,
        "cus_ex6": 15000,
        "cus_ex7": 24000,
        "cus_ex8_trialing": 0,
        "cus_ex8_past_due": 10000,
        "cus_ex8_unpaid": 0,
        "cus_ex8_taxed": 10000,
        "cus_ex12": 8000,
    }


def test_ids_come_from_the_keys_and_invoices_follow_the_periods():
    plan = load_scenario(EXAMPLES)
    sub = next(s for s in plan.billing.subscriptions if s.subscription_id == "sub_ex3_1")
    assert sub.items[0].price_id == "price_annual_1200"
    invoices = [i for i in plan.billing.invoices if i.subscription_id == "sub_ex3_1"]
    assert len(invoices) == 1 and invoices[0].lines[0].amount == 120000


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prices: {p: {unit_amount: 12.5}}", "whole minor units"),
        ("prices: {p: {unit_amount: 100, interval: fortnight}}", "interval"),
        ("coupons: {c: {duration: forever}}", "exactly one of percent_off and amount_off"),
        ("coupons: {c: {percent_off: 10, duration: repeating}}", "duration_in_months"),
        (
            "customers: {a: {subscriptions: [{start: 2026-01-01, items: [{price: nope}]}]}}",
            "no price 'nope'",
        ),
        (
            "customers: {a: {subscriptions: [{start: 2026-01-01, items: [{price: p}],"
            " changes: [{at: 2025-12-01}]}]}}\n"
            "prices: {p: {unit_amount: 100}}",
            "must come after",
        ),
        ("surprise: 1", "unknown key"),
    ],
)
def test_invalid_scenarios_are_refused_with_the_place_named(tmp_path, text, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(_write(tmp_path, "today: 2026-06-30\n" + text))


def test_cancel_at_period_end_ends_with_the_paid_period(tmp_path):
    path = _write(
        tmp_path,
        """
today: 2026-06-30
prices: {m: {unit_amount: 10000, interval: month}}
customers:
  a:
    subscriptions:
      - {start: 2026-01-15, items: [{price: m}], status: canceled, canceled_at: 2026-03-20,
         cancel_at_period_end: true}
""",
    )
    sub = load_scenario(path).billing.subscriptions[0]
    assert sub.ended_at.date().isoformat() == "2026-04-15"


HISTORY = scenario_path("metrics_history_examples")


def test_history_examples_have_the_documented_ground_truth():
    truth = compute(load_scenario(HISTORY))
    months, moves = truth["mrr_minor_by_stripe_customer_month"], truth["movements"]
    # 2: $800 for the 12 months the discounted invoice covers, then $1,000 (+$200)
    assert months["cus_ex2"]["2025-12"] == 80000 and months["cus_ex2"]["2026-01"] == 100000
    assert moves["cus_ex2"] == {"2025-01": {"new": 80000}, "2026-01": {"expansion": 20000}}
    # 9: new $166.67, expansion $60, contraction −$60, churn −$166.67 when the paid year ends
    assert moves["cus_ex9"] == {
        "2025-01": {"new": 16666.6667},
        "2025-03": {"expansion": 6000},
        "2025-05": {"contraction": -6000},
        "2026-01": {"churn": -16666.6667},
    }
    # 10: −$10 churn, −$10 contraction, +$10 expansion in 2026-05
    churn_rates = compute(load_scenario(scenario_path("metrics_churn_rates_example")))
    moves = churn_rates["movements"]
    assert moves["cus_ex10_churn"]["2026-05"] == {"churn": -1000}
    assert moves["cus_ex10_contract"]["2026-05"] == {"contraction": -1000}
    assert moves["cus_ex10_expand"]["2026-05"] == {"expansion": 1000}


def test_a_change_inside_a_period_is_prorated_and_keeps_the_item_id(tmp_path):
    path = _write(
        tmp_path,
        """
today: 2026-06-30
prices:
  small: {unit_amount: 3000, interval: month}
  large: {unit_amount: 9000, interval: month}
customers:
  a:
    subscriptions:
      - start: 2026-01-01
        items: [{price: small}]
        changes: [{at: 2026-03-16, items: [{price: large}]}]
""",
    )
    plan = load_scenario(path)
    sub = plan.billing.subscriptions[0]
    assert [i.price_id for i in sub.items] == ["price_large"]
    update = next(i for i in plan.billing.invoices if i.billing_reason == "subscription_update")
    credit, charge = update.lines
    assert (credit.proration, charge.proration) == (True, True)
    assert credit.amount < 0 < charge.amount
    assert credit.period_start.isoformat().startswith("2026-03-16")
    assert compute(plan)["movements"]["cus_a"]["2026-03"] == {"expansion": 6000}
