"""Requests of a Stripe sync that reads changes, against the changes and against a full list.

For each company size and each number of changes: serve the company's Stripe account on
127.0.0.1, sync it into a fresh DuckDB file (a full list, the baseline), apply one simulated
day of N changes (updates, cancellations, deletions; simulate.stripe.changes), sync again
(reading only the changes), and count the requests each sync made. The second sync must
make about one request per changed object plus a page of events per 100 events, whatever
the size of the account's history. Run:

    python benchmarks/stripe_changes.py --sizes small --changes 0 10 50 200

The request counts are exact (the simulated server counts them); seconds are one run's.
"""

from __future__ import annotations

import argparse
import logging
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt

import revtruth.sources  # noqa: F401  (dlt's no-telemetry default)
from revtruth.simulate.company.generator import generate
from revtruth.simulate.stripe.changes import a_day_of_changes
from revtruth.simulate.stripe.server import StripeServer
from revtruth.sources.stripe import stripe_source

API_KEY = "sk_test_benchmark_changes"


def _sync(server: StripeServer, folder: Path) -> tuple[int, float]:
    pipeline = dlt.pipeline(
        pipeline_name="bench_stripe",
        destination=dlt.destinations.duckdb(str(folder / "w.duckdb")),
        dataset_name="raw_stripe",
        pipelines_dir=str(folder / "dlt"),
    )
    before, started = server.request_count, time.perf_counter()
    pipeline.run(stripe_source(api_key=API_KEY, base_url=server.base_url))
    return server.request_count - before, time.perf_counter() - started


def measure(size: str, changes: int, seed: int) -> dict:
    plan = generate(seed=seed, size=size, today=datetime.now(UTC).date() - timedelta(days=1))
    with tempfile.TemporaryDirectory() as folder, StripeServer(plan.billing, API_KEY) as server:
        full_requests, full_seconds = _sync(server, Path(folder))
        day = datetime.combine(plan.today, datetime.min.time(), tzinfo=UTC)
        applied = a_day_of_changes(server.rendered, random.Random(seed), day, changes)
        events = server.change(*applied)
        changed = {(e["data"]["object"]["object"], e["data"]["object"]["id"]) for e in events}
        change_requests, change_seconds = _sync(server, Path(folder))
    return {
        "size": size,
        "customers": len(plan.billing.customers),
        "changes": changes,
        "changed_objects": len(changed),
        "events": len(events),
        "full_requests": full_requests,
        "change_requests": change_requests,
        "full_seconds": full_seconds,
        "change_seconds": change_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["small"])
    parser.add_argument("--changes", nargs="+", type=int, default=[0, 10, 50, 200])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    logging.getLogger("dlt").setLevel(logging.ERROR)
    print(
        f"{'size':<6} {'customers':>9} {'changes':>7} {'objects':>7} {'events':>6} "
        f"{'full req':>8} {'change req':>10} {'req/object':>10} {'vs full':>7} "
        f"{'full s':>6} {'change s':>8}"
    )
    for size in args.sizes:
        for changes in args.changes:
            row = measure(size, changes, args.seed)
            per_object = row["change_requests"] / max(row["changed_objects"], 1)
            print(
                f"{row['size']:<6} {row['customers']:>9} {row['changes']:>7} "
                f"{row['changed_objects']:>7} {row['events']:>6} {row['full_requests']:>8} "
                f"{row['change_requests']:>10} {per_object:>10.2f} "
                f"{row['change_requests'] / row['full_requests']:>7.3f} "
                f"{row['full_seconds']:>6.1f} {row['change_seconds']:>8.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
