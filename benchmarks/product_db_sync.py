"""Benchmark: product-database sync through revtruth's Arrow path vs dlt's default.

Loads N activity rows into a pgserver PostgreSQL, then syncs `user_activity_logs` into a
fresh DuckDB file twice, each in its own process (so peak memory is per run):

  baseline  dlt's `sql_table` with its default SQLAlchemy backend (row by row)
  revtruth  revtruth.sources.product_db (ADBC → Arrow record batches → parquet)

and prints rows/s, wall time and peak RSS of both, and their ratio. Run:

    python benchmarks/product_db_sync.py --rows 500000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

SEED_SQL = """
DROP TABLE IF EXISTS user_activity_logs;
CREATE TABLE user_activity_logs (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    user_id uuid NOT NULL,
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL
);
INSERT INTO user_activity_logs
SELECT g,
       ('00000000-0000-4000-8000-' || lpad(to_hex(g %% 5000), 12, '0'))::uuid,
       ('00000000-0000-4000-9000-' || lpad(to_hex(g %% 50000), 12, '0'))::uuid,
       (ARRAY['login', 'page_view', 'report_run', 'export'])[1 + g %% 4],
       now() - (g || ' seconds')::interval
FROM generate_series(1, %(rows)s) AS g;
"""


def run_one(method: str, url: str, warehouse: str) -> dict:
    import dlt

    started = time.perf_counter()
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{method}",
        destination=dlt.destinations.duckdb(warehouse),
        dataset_name="raw_product_db",
        pipelines_dir=str(Path(warehouse).parent / "dlt"),
    )
    if method == "baseline":
        from dlt.sources.sql_database import sql_table

        sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        source = sql_table(credentials=sa_url, table="user_activity_logs")
    else:
        from revtruth.sources.product_db import product_db

        source = product_db(url=url, tables=["user_activity_logs"])
    pipeline.run(source, loader_file_format="parquet")
    rows = pipeline.last_trace.last_normalize_info.row_counts.get("user_activity_logs", 0)
    seconds = time.perf_counter() - started
    return {
        "method": method,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument(
        "--child", nargs=3, metavar=("METHOD", "URL", "WAREHOUSE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(*args.child)))
        return

    import psycopg

    from revtruth.simulate.product_db import running_pgserver

    with running_pgserver() as url, tempfile.TemporaryDirectory() as work:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SEED_SQL % {"rows": int(args.rows)})
        results = {}
        for method in ("baseline", "revtruth"):
            warehouse = str(Path(work) / method / "bench.duckdb")
            Path(warehouse).parent.mkdir()
            out = subprocess.run(
                [sys.executable, __file__, "--child", method, url, warehouse],
                check=True,
                capture_output=True,
                text=True,
            )
            results[method] = json.loads(out.stdout.strip().splitlines()[-1])
    base, ours = results["baseline"], results["revtruth"]
    print(f"{'method':<10}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'peak RSS MB':>14}")
    for r in (base, ours):
        print(
            f"{r['method']:<10}{r['rows']:>10}{r['seconds']:>10}{r['rows_per_s']:>12}{r['peak_rss_mb']:>14}"
        )
    print(
        f"revtruth / baseline: {ours['rows_per_s'] / base['rows_per_s']:.1f}x rows/s, "
        f"{ours['peak_rss_mb'] / base['peak_rss_mb']:.2f}x peak memory"
    )


if __name__ == "__main__":
    main()
