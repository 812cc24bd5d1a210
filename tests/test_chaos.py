"""kill -9 in the middle of a sync or a build, then the same command again: the warehouse
is that of a clean run, and no secret was left in any file.

Builds: each run copies the session's demo warehouse (built cleanly: the reference), starts
`revtruth build` on the copy as a separate process, kills it with SIGKILL at a random moment
(drawn from a fixed seed, so a failure can be repeated), builds again to the end, and
compares every mart and mapping relation, row for row, with the reference. The build log
(`revtruth_runs.builds`) is left out of the comparison: it keeps the killed build's row, by
design.

Syncs: a small simulated company runs on this machine (Stripe, Salesforce, PostgreSQL). A
clean sync into an empty warehouse is the reference; each run starts `revtruth sync` into
an empty warehouse, kills it at a random moment of a sync's length, syncs again (which must
exit 0 and say what it recovered, if anything), and compares every raw table, row for row.

`CHAOS_RUNS` sets how many runs of each (default 3, to keep CI short).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

REVTRUTH = [sys.executable, "-c", "from revtruth.cli import run; run()"]
COMPARED_SCHEMAS = ("analytics", "mapping", "stripe", "product_db", "identity")
RAW_SCHEMAS = ("raw_stripe", "raw_salesforce", "raw_product_db")


def _contents(warehouse: Path, schemas: tuple[str, ...] = COMPARED_SCHEMAS) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {schemas} and table_name not like '\\_dlt%' "
            "escape '\\' order by 1, 2"
        ).fetchall()
        contents = {}
        for schema, name in relations:
            # dlt's own columns (load id, row id) differ from load to load by nature
            columns = ", ".join(
                f'"{column}"'
                for column, *_ in con.execute(f'describe "{schema}"."{name}"').fetchall()
                if not column.startswith("_dlt")
            )
            rows = con.execute(f'select {columns} from "{schema}"."{name}" order by all')
            contents[f"{schema}.{name}"] = [tuple(map(_exact, row)) for row in rows.fetchall()]
        return contents
    finally:
        con.close()


def _exact(value: object) -> object:
    # The record-linkage model's probabilities (doubles) differ in their last bit from one
    # build to the next, killed or not: DuckDB sums in parallel, in no fixed order. Twelve
    # places are far below any threshold they are compared with; money is DECIMAL, exact.
    return round(value, 12) if isinstance(value, float) else value


def _build(config: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*REVTRUTH, "build", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_builds_killed_at_random_moments_then_rebuilt_equal_a_clean_build(demo_dir, tmp_path):
    runs = int(os.environ.get("CHAOS_RUNS", "3"))
    reference = _contents(demo_dir / "revtruth.duckdb")
    today = json.loads((demo_dir / "ground_truth.json").read_text())["today"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVTRUTH_")}
    draws = random.Random(20261208)
    for run in range(runs):
        folder = tmp_path / f"run{run}"
        folder.mkdir()
        shutil.copy(demo_dir / "revtruth.duckdb", folder / "revtruth.duckdb")
        config = folder / "revtruth.toml"
        # the demo's sources are not running: the loads in the copy are what there is
        config.write_text(
            f'[warehouse]\npath = "revtruth.duckdb"\n\n[metrics]\nas_of_date = "{today}"\n'
        )
        killed_after = draws.uniform(1.0, 20.0)
        build = _build(config, env)
        time.sleep(killed_after)
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=60)

        rebuild = _build(config, env)
        _, errors = rebuild.communicate(timeout=600)
        assert rebuild.returncode == 0, f"run {run} (killed after {killed_after:.1f} s): {errors}"
        found = _contents(folder / "revtruth.duckdb")
        assert found.keys() == reference.keys(), f"run {run}"
        for relation, rows in reference.items():
            assert found[relation] == rows, f"run {run} ({killed_after:.1f} s): {relation}"
        shutil.rmtree(folder)


def _sync(folder: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*REVTRUTH, "sync"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "TMPDIR": str(folder / "tmp")},
    )


def _files_holding(folders: list[Path], secrets: list[str]) -> list[str]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path}: {s[:4]}…" for s in secrets if s.encode() in data]
    return found


@pytest.fixture(scope="module")
def running_small_company():
    from revtruth.simulate.company.generator import generate
    from revtruth.simulate.running import running_company

    with running_company(generate(seed=5, size="small")) as running:
        yield running


@pytest.mark.slow
def test_syncs_killed_at_random_moments_then_synced_again_equal_a_clean_sync(
    running_small_company, tmp_path
):
    from urllib.parse import urlsplit

    running = running_small_company
    runs = int(os.environ.get("CHAOS_RUNS", "3"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REVTRUTH_")},
        **running.environment(),
        "REVTRUTH_WAREHOUSE__PATH": "revtruth.duckdb",
    }
    secrets = [
        secret
        for secret in (
            running.stripe_api_key,
            running.salesforce_client_secret,
            running.salesforce_password,
            urlsplit(running.product_db_url).password,  # none: PostgreSQL trusts its socket
        )
        if secret
    ]
    clean = tmp_path / "clean"
    (clean / "tmp").mkdir(parents=True)
    started = time.monotonic()
    sync = _sync(clean, env)
    output, _ = sync.communicate(timeout=600)
    assert sync.returncode == 0, output
    sync_seconds = time.monotonic() - started
    reference = _contents(clean / "revtruth.duckdb", RAW_SCHEMAS)
    assert all(reference.values())

    draws = random.Random(20261209)
    for run in range(runs):
        folder = tmp_path / f"sync{run}"
        (folder / "tmp").mkdir(parents=True)
        killed_after = draws.uniform(0.5, sync_seconds)
        killed = _sync(folder, env)
        time.sleep(killed_after)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=60)
        assert not _files_holding([folder], secrets), f"run {run}: a secret left on disk"

        again = _sync(folder, env)
        output, _ = again.communicate(timeout=600)
        where = f"run {run} (killed after {killed_after:.1f} of {sync_seconds:.1f} s)"
        assert again.returncode == 0, f"{where}: {output}"
        assert "Traceback" not in output
        found = _contents(folder / "revtruth.duckdb", RAW_SCHEMAS)
        assert found.keys() == reference.keys(), where
        for relation, rows in reference.items():
            assert found[relation] == rows, f"{where}: {relation}"
        assert not _files_holding([folder], secrets), f"{where}: a secret left on disk"
        shutil.rmtree(folder)
