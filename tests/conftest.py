"""Shared fixtures, and the rule that keeps the fast tier fast.

The whole-pipeline fixtures are session-scoped: one demo run serves many tests. A test that
uses one of them, or starts a PostgreSQL server, belongs to the slow tier and is marked
`slow` here whether or not its module says so: `pytest -m "not slow"` never starts a
database server and never builds the whole demo.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

# Nothing here may phone home (dlt and dbt both have opt-out telemetry).
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

DEMO_SEED = 11

# Fixtures that build the whole demo or start PostgreSQL (pgserver): a test that uses one is
# in the slow tier.
SLOW_FIXTURES = {"demo_dir", "pg_admin_url", "product_database"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    # The dbt tests take longest per module: handed out first (the workers take modules in
    # this order), they do not leave one worker busy at the end while the other waits.
    items.sort(key=lambda item: not item.nodeid.startswith("tests/transform/"))


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small simulated company, generated, served, synced and built once per test run,
    and its folder (revtruth.duckdb, ground_truth.json). When the tests run on several
    workers, the first to ask builds it under a lock and the others wait, then read the same
    warehouse (read-only), so it is built once in all."""
    from revtruth.demo import run_demo

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by every worker of this run
    directory = root / "demo"
    with open(root / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "built").exists():
            run_demo(directory, size="small", seed=DEMO_SEED)
            (directory / "built").touch()
    return directory
