"""MRR history rebuilt from Stripe invoice lines (analytics.mrr_by_customer_month,
analytics.mrr_movements) against the generator's ground truth, for two seeds, and the same
history from accounts on old Stripe API versions."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from revtruth.demo import run_demo

pytestmark = pytest.mark.slow

CENT_TOLERANCE = Decimal("0.01")
HISTORY_MARTS = {
    "analytics.mrr_by_customer_month": "customer_id, month",
    "analytics.mrr_movements": "customer_id, month",
    "analytics.saas_metrics_monthly": "month",
}


def _truth(directory: Path) -> dict:
    return json.loads((directory / "ground_truth.json").read_text(), parse_float=Decimal)


def _rows(directory: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(directory / "revtruth.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def assert_history_matches_ground_truth(directory: Path) -> None:
    truth = _truth(directory)
    history = {
        (customer, month): minor
        for customer, month, minor in _rows(
            directory,
            "select customer_id, strftime(month, '%Y-%m'), mrr_minor "
            "from analytics.mrr_by_customer_month",
        )
    }
    expected = {
        (customer, month): Decimal(minor)
        for customer, months in truth["mrr_minor_by_stripe_customer_month"].items()
        for month, minor in months.items()
    }
    assert expected, "ground truth has no MRR history"
    assert set(history) == set(expected)
    off = {k: (history[k], v) for k, v in expected.items() if abs(history[k] - v) >= CENT_TOLERANCE}
    assert 1 - len(off) / len(expected) >= 0.999, f"customer-months off by a cent or more: {off}"

    movements = {
        (customer, month): (kind, minor)
        for customer, month, kind, minor in _rows(
            directory,
            "select customer_id, strftime(month, '%Y-%m'), movement_type, movement_minor "
            "from analytics.mrr_movements",
        )
    }
    expected_movements = {
        (customer, month): next(iter((kind, Decimal(minor)) for kind, minor in kinds.items()))
        for customer, months in truth["movements"].items()
        for month, kinds in months.items()
    }
    assert set(movements) == set(expected_movements)
    wrong = {
        k: (movements[k], v)
        for k, v in expected_movements.items()
        if movements[k][0] != v[0] or abs(movements[k][1] - v[1]) >= CENT_TOLERANCE
    }
    assert wrong == {}


def test_history_of_the_demo_company_matches_ground_truth(demo_dir):
    assert_history_matches_ground_truth(demo_dir)


def test_history_of_another_seed_matches_ground_truth(tmp_path):
    run_demo(tmp_path, size="small", seed=2024)
    assert_history_matches_ground_truth(tmp_path)


def test_legacy_stripe_shapes_give_identical_history(demo_dir, tmp_path):
    # the same company on the same day, on an account pinned to an old API version
    truth = _truth(demo_dir)
    run_demo(
        tmp_path,
        size=truth["size"],
        seed=truth["seed"],
        today=date.fromisoformat(truth["today"]),
        legacy_shapes=True,
    )
    for relation, key in HISTORY_MARTS.items():
        current = _rows(demo_dir, f"select * from {relation} order by {key}")
        legacy = _rows(tmp_path, f"select * from {relation} order by {key}")
        assert current, relation
        assert legacy == current, relation
