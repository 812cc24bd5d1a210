"""Shared fixtures, and the rule that keeps the fast tier fast.

The whole-pipeline fixtures are session-scoped: one demo run serves many tests. A test that
uses one of them, or starts a PostgreSQL server, belongs to the slow tier and is marked
`slow` here whether or not its module says so: `pytest -m "not slow"` never starts a
database server and never builds the whole demo.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Nothing here may phone home (dlt and dbt both have opt-out telemetry).
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

DEMO_SEED = 11

# Session fixtures that build the whole demo or start PostgreSQL (pgserver), by the worker
# group that shares one of each when the tests run in parallel (pytest-xdist).
SLOW_FIXTURES = {
    "demo_run": "demo",
    "demo_dir": "demo",
    "pg_admin_url": "pgserver",
    "product_database": "pgserver",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = [SLOW_FIXTURES[f] for f in getattr(item, "fixturenames", ()) if f in SLOW_FIXTURES]
        if used:
            item.add_marker(pytest.mark.slow)
        # A module's tests stay on one worker, so its module-scoped fixtures are built once.
        item.add_marker(pytest.mark.xdist_group(used[0] if used else item.nodeid.split("::")[0]))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """The small simulated company, generated, served, synced and built once per session."""
    from revtruth.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"), size="small", seed=DEMO_SEED)


@pytest.fixture(scope="session")
def demo_dir(demo_run) -> Path:
    return demo_run.directory
