"""Benchmark: product-database sync through revtruth's Arrow path vs dlt's default.

Loads N activity rows into a pgserver PostgreSQL, then syncs `user_activity_logs` into a
fresh DuckDB file twice, each in its own process (so peak memory is per run):

  baseline  dlt's `sql_table` with its default SQLAlchemy backend (row by row)
  revtruth  revtruth.sources.product_db (ADBC → Arrow record batches → parquet)

and prints rows/s, wall time and peak RSS of both, and their ratio. Where a MariaDB server
is installed, the same rows are also put in a private MariaDB (CHAR(36) UUIDs, DATETIME(6))
and synced through revtruth's MySQL path (PyMySQL, streamed into Arrow):

  revtruth-mysql  revtruth.sources.product_db on a mysql:// URL

whose rows/s is reported against revtruth's PostgreSQL path. The same rows are also served as
documents by revtruth's MongoDB wire-protocol simulator (no MongoDB server installs here) and
synced through revtruth's MongoDB path (pymongo, batches into Arrow):

  revtruth-mongodb  revtruth.sources.product_db on a mongodb:// URL

That figure measures the connector and the simulator together (the simulator is Python), so
it is a floor for a real MongoDB server, not a comparison of databases. Run:

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


MYSQL_SEED_SQL = [
    "DROP TABLE IF EXISTS user_activity_logs",
    """CREATE TABLE user_activity_logs (
        id BIGINT NOT NULL PRIMARY KEY,
        tenant_id CHAR(36) NOT NULL,
        user_id CHAR(36) NOT NULL,
        event_type VARCHAR(32) NOT NULL,
        occurred_at DATETIME(6) NOT NULL
    ) ENGINE=InnoDB""",
    # the same rows as SEED_SQL, from MariaDB's sequence engine
    """INSERT INTO user_activity_logs
    SELECT seq,
           CONCAT('00000000-0000-4000-8000-', LPAD(LOWER(HEX(seq % 5000)), 12, '0')),
           CONCAT('00000000-0000-4000-9000-', LPAD(LOWER(HEX(seq % 50000)), 12, '0')),
           ELT(1 + seq % 4, 'login', 'page_view', 'report_run', 'export'),
           UTC_TIMESTAMP(6) - INTERVAL seq SECOND
    FROM seq_1_to_{rows}""",
]


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

    import contextlib

    import psycopg

    from revtruth.simulate.product_db import mysql as mysql_sim
    from revtruth.simulate.product_db import running_pgserver

    results = {}
    with running_pgserver() as url, tempfile.TemporaryDirectory() as work:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SEED_SQL % {"rows": int(args.rows)})
        for method in ("baseline", "revtruth"):
            results[method] = _child(method, url, Path(work))
        try:
            mysql_sim.server_binaries()
        except mysql_sim.MariaDbUnavailable as exc:
            print(f"(no MySQL path measured: {exc})")
        else:
            with mysql_sim.running_mariadb() as maria:
                conn = mysql_sim.connect_admin(maria.admin_url)
                with contextlib.closing(conn), conn.cursor() as cur:
                    for statement in MYSQL_SEED_SQL:
                        cur.execute(statement.format(rows=int(args.rows)))
                    conn.commit()
                results["revtruth-mysql"] = _child("revtruth", maria.reader_url, Path(work))
                results["revtruth-mysql"]["method"] = "revtruth-mysql"
        results["revtruth-mongodb"] = _mongodb(int(args.rows), Path(work))
    base, ours = results["baseline"], results["revtruth"]
    print(f"{'method':<16}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'peak RSS MB':>14}")
    for r in results.values():
        print(
            f"{r['method']:<16}{r['rows']:>10}{r['seconds']:>10}{r['rows_per_s']:>12}"
            f"{r['peak_rss_mb']:>14}"
        )
    print(
        f"revtruth / baseline: {ours['rows_per_s'] / base['rows_per_s']:.1f}x rows/s, "
        f"{ours['peak_rss_mb'] / base['peak_rss_mb']:.2f}x peak memory"
    )
    mongo = results["revtruth-mongodb"]
    print(
        f"revtruth MongoDB (simulator) / revtruth PostgreSQL: "
        f"{mongo['rows_per_s'] / ours['rows_per_s']:.2f}x rows/s"
    )
    if "revtruth-mysql" in results:
        mine = results["revtruth-mysql"]
        print(
            f"revtruth MySQL / revtruth PostgreSQL: {mine['rows_per_s'] / ours['rows_per_s']:.2f}x "
            f"rows/s, {mine['peak_rss_mb'] / ours['peak_rss_mb']:.2f}x peak memory"
        )


def _mongodb(rows: int, work: Path) -> dict:
    """The same rows as documents, served by the wire-protocol simulator in this process."""
    from datetime import UTC, datetime, timedelta

    from bson.int64 import Int64

    from revtruth.simulate.mongodb.product import event_object_id
    from revtruth.simulate.mongodb.server import MongoServer

    now = datetime.now(UTC).replace(microsecond=0)
    kinds = ("login", "page_view", "report_run", "export")
    documents = []
    for n in range(1, rows + 1):
        at = now - timedelta(seconds=n)
        documents.append({
            "_id": event_object_id(at, n),
            "event_id": Int64(n),
            "tenant_id": f"00000000-0000-4000-8000-{n % 5000:012x}",
            "user_id": f"00000000-0000-4000-9000-{n % 50000:012x}",
            "event_type": kinds[n % 4],
            "occurred_at": at,
        })  # fmt: skip
    with MongoServer({"product": {"user_activity_logs": documents}}) as server:
        url = f"mongodb://127.0.0.1:{server.port}/product?directConnection=true"
        result = _child("revtruth", url, work)
    result["method"] = "revtruth-mongodb"
    return result


def _child(method: str, url: str, work: Path) -> dict:
    """One sync in its own process, so its peak memory is its own."""
    folder = work / f"{method}-{len(list(work.iterdir()))}"
    folder.mkdir()
    out = subprocess.run(
        [sys.executable, __file__, "--child", method, url, str(folder / "bench.duckdb")],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
