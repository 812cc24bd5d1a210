"""Shared fixtures. The whole-pipeline ones are session-scoped: one demo run serves many tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Nothing here may phone home (dlt and dbt both have opt-out telemetry).
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

DEMO_SEED = 11


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """The small simulated company, generated, served, synced and built once per session."""
    from revtruth.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"), size="small", seed=DEMO_SEED)


@pytest.fixture(scope="session")
def demo_dir(demo_run) -> Path:
    return demo_run.directory
