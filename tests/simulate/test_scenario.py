"""Scenario files: a hand-written billing case becomes exactly that company."""

from __future__ import annotations

from pathlib import Path

import pytest

from revtruth.simulate.ground_truth import compute
from revtruth.simulate.scenario import ScenarioError, load_scenario

EXAMPLES = Path(__file__).parent / "scenarios" / "metrics_examples.yaml"


def test_metrics_examples_scenario_has_the_documented_ground_truth():
    truth = compute(load_scenario(EXAMPLES))
    assert truth["today"] == "2026-06-30"
    assert truth["mrr_cents_by_stripe_customer_id"] == {
        "cus_ex1": 80000, "cus_ex3": 10000, "cus_ex4": 10000, "cus_ex5": 4333.3333,
        "cus_ex6": 15000, "cus_ex7": 24000, "cus_ex8_trialing": 0, "cus_ex8_past_due": 10000,
        "cus_ex8_unpaid": 0, "cus_ex12": 8000,
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
        ("customers: {a: {subscriptions: [{start: 2026-01-01, items: [{price: nope}]}]}}", "no price 'nope'"),
        ("changes: []", "not supported yet"),
        ("surprise: 1", "unknown key"),
    ],
)
def test_invalid_scenarios_are_refused_with_the_place_named(tmp_path, text, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(_write(tmp_path, "today: 2026-06-30\n" + text))


def test_cancel_at_period_end_ends_with_the_paid_period(tmp_path):
    path = _write(tmp_path, """
today: 2026-06-30
prices: {m: {unit_amount: 10000, interval: month}}
customers:
  a:
    subscriptions:
      - {start: 2026-01-15, items: [{price: m}], status: canceled, canceled_at: 2026-03-20,
         cancel_at_period_end: true}
""")
    sub = load_scenario(path).billing.subscriptions[0]
    assert sub.ended_at.date().isoformat() == "2026-04-15"
