"""The history examples of docs/metrics.md#worked-examples through the whole pipeline:
scenario file → simulated Stripe → dlt → DuckDB → dbt → the history marts, with the expected
numbers written out."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from revtruth.demo import run_demo
from revtruth.simulate.fixtures import scenario_path
from revtruth.transform import build

pytestmark = pytest.mark.slow

# Scenarios describe billing alone: only Stripe is served and synced, and only the billing
# marts and what they read are built.
BILLING = "+tag:billing"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    directory = tmp_path_factory.mktemp("history_examples")
    result = run_demo(directory, scenario=scenario_path("metrics_history_examples"), select=BILLING)
    return result


def _query(result, sql, params=()):
    con = duckdb.connect(str(result.warehouse_path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _mrr(result, customer):
    return {
        month.strftime("%Y-%m"): Decimal(mrr)
        for month, mrr in _query(
            result,
            "select month, mrr_amount from analytics.mrr_by_customer_month "
            "where customer_id = ? order by month",
            [customer],
        )
    }


def _movements(result, customer):
    return {
        month.strftime("%Y-%m"): (kind, Decimal(amount).quantize(Decimal("0.01")))
        for month, kind, amount in _query(
            result,
            "select month, movement_type, movement_amount from analytics.mrr_movements "
            "where customer_id = ? order by month",
            [customer],
        )
    }


def test_example_2_finite_discount_lowers_mrr_for_the_12_months_it_covers(history):
    mrr = _mrr(history, "cus_ex2")
    assert {mrr[m] for m in ("2025-01", "2025-06", "2025-12")} == {Decimal(800)}
    assert mrr["2026-01"] == Decimal(1000)
    assert _movements(history, "cus_ex2") == {
        "2025-01": ("new", Decimal("800.00")),
        "2026-01": ("expansion", Decimal("200.00")),
    }


def test_example_2_exclude_convention_counts_1000_throughout(history):
    settings = history.settings
    excluded = dataclasses.replace(
        settings, metrics=dataclasses.replace(settings.metrics, discount_duration_mode="exclude")
    )
    build(excluded, BILLING)
    try:
        assert set(_mrr(history, "cus_ex2").values()) == {Decimal(1000)}
        assert _movements(history, "cus_ex2") == {"2025-01": ("new", Decimal("1000.00"))}
    finally:
        build(settings, BILLING)


def test_example_9_new_expansion_contraction_churn(history):
    assert _movements(history, "cus_ex9") == {
        "2025-01": ("new", Decimal("166.67")),
        "2025-03": ("expansion", Decimal("60.00")),
        "2025-05": ("contraction", Decimal("-60.00")),
        "2026-01": ("churn", Decimal("-166.67")),  # the month the paid year ends
    }


def test_example_10_gross_mrr_churn_20_percent_net_10_percent(tmp_path):
    result = run_demo(
        tmp_path, scenario=scenario_path("metrics_churn_rates_example"), select=BILLING
    )
    ((starting, gross, net),) = _query(
        result,
        "select starting_mrr_amount, gross_mrr_churn_rate, net_mrr_churn_rate "
        "from analytics.saas_metrics_monthly where month = date '2026-05-01'",
    )
    assert (Decimal(starting), Decimal(gross), Decimal(net)) == (
        Decimal(100),
        Decimal("0.2"),
        Decimal("0.1"),
    )


def test_example_11_arpa_is_300(tmp_path):
    result = run_demo(
        tmp_path,
        scenario=scenario_path("metrics_arpa_example"),
        today=date(2026, 6, 30),
        select=BILLING,
    )
    ((arpa, customers),) = _query(
        result,
        "select arpa_amount, customers from analytics.saas_metrics_monthly "
        "where month = date '2026-06-01'",
    )
    assert (Decimal(arpa), customers) == (Decimal(300), 5)


def test_bridge_rows_add_up_every_month(history):
    rows = _query(
        history,
        "select month, starting_mrr_amount + new_mrr_amount + expansion_mrr_amount"
        " + contraction_mrr_amount + churned_mrr_amount + reactivation_mrr_amount + fx_amount"
        " - mrr_amount from analytics.saas_metrics_monthly",
    )
    assert rows and all(diff == 0 for _, diff in rows)
