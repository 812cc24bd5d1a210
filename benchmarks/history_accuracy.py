"""Accuracy of the MRR history against the simulator's ground truth, over several seeds.

For each seed: run the demo (generate → serve → sync → build) in a temporary folder and
compare `analytics.mrr_by_customer_month` with `mrr_minor_by_stripe_customer_month`,
`analytics.mrr_movements` with `movements`, and `stripe.subscriptions` with
`mrr_minor_by_stripe_customer_id` (within 0.01 of a minor unit). Run:

    python benchmarks/history_accuracy.py --seeds 1 2 3 42 2024
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb

from revtruth.demo import run_demo

CENT = Decimal("0.01")


def measure(seed: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = run_demo(Path(folder), seed=seed)
        seconds = time.perf_counter() - started
        truth = json.loads(result.ground_truth_path.read_text(), parse_float=Decimal)
        con = duckdb.connect(str(result.warehouse_path), read_only=True)
        months = {
            (c, m.strftime("%Y-%m")): Decimal(v) * 100
            for c, m, v in con.execute(
                "select customer_id, month, mrr_amount from analytics.mrr_by_customer_month"
            ).fetchall()
        }
        moves = {
            (c, m.strftime("%Y-%m")): (k, Decimal(v) * 100)
            for c, m, k, v in con.execute(
                "select customer_id, month, movement_type, movement_amount"
                " from analytics.mrr_movements"
            ).fetchall()
        }
        live = dict(
            con.execute(
                "select customer_id, sum(mrr_amount) * 100 from stripe.subscriptions group by 1"
            ).fetchall()
        )
        con.close()
    expected_months = {
        (c, m): Decimal(v)
        for c, ms in truth["mrr_minor_by_stripe_customer_month"].items()
        for m, v in ms.items()
    }
    expected_moves = {
        (c, m): next(iter(k.items())) for c, ms in truth["movements"].items() for m, k in ms.items()
    }
    equal_months = sum(
        1 for key, v in expected_months.items() if key in months and abs(months[key] - v) < CENT
    )
    equal_moves = sum(
        1
        for key, (kind, v) in expected_moves.items()
        if key in moves and moves[key][0] == kind and abs(moves[key][1] - Decimal(v)) < CENT
    )
    live_ok = sum(
        1
        for c, v in truth["mrr_minor_by_stripe_customer_id"].items()
        if abs(Decimal(live.get(c) or 0) - Decimal(v)) < CENT
    )
    extra_months = len(set(months) - set(expected_months))
    extra_moves = len(set(moves) - set(expected_moves))
    return {
        "seed": seed,
        "seconds": round(seconds, 1),
        "customer_months": f"{equal_months}/{len(expected_months)} (+{extra_months} extra)",
        "movements": f"{equal_moves}/{len(expected_moves)} (+{extra_moves} extra)",
        "live_mrr": f"{live_ok}/{len(truth['mrr_minor_by_stripe_customer_id'])}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    for row in map(measure, parser.parse_args().seeds):
        print(row)


if __name__ == "__main__":
    main()
