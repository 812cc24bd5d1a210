"""`revtruth demo`: a simulated company end to end — generate, serve, sync, build.

Everything the demo starts (Stripe and Salesforce simulators, PostgreSQL) is stopped when
it returns; it leaves `<dir>/revtruth.duckdb` and `<dir>/ground_truth.json`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from revtruth.build import build
from revtruth.config import Settings, load_settings
from revtruth.simulate import generate, load_scenario, running_company, write_ground_truth
from revtruth.sync import SyncSummary, sync


class DemoError(RuntimeError):
    pass


@dataclass
class DemoResult:
    directory: Path
    warehouse_path: Path
    ground_truth_path: Path
    settings: Settings
    sync_summary: SyncSummary
    companies: int
    activity_rows: int


def demo_settings(directory: Path, today: date, environment: dict[str, str]) -> Settings:
    env = {
        "REVTRUTH_WAREHOUSE__PATH": str(directory / "revtruth.duckdb"),
        "REVTRUTH_METRICS__AS_OF_DATE": today.isoformat(),
        **environment,
    }
    # Only the demo's own variables and no revtruth.toml or secrets file: a user's real
    # credentials must never reach the demo.
    return load_settings(env=env, base_dir=directory, discover_files=False)


def run_demo(
    directory: Path,
    *,
    size: str = "small",
    seed: int = 42,
    today: date | None = None,
    identity_noise: str = "low",
    legacy_shapes: bool = False,
    product_db_url: str | None = None,
    product_db_engine: str = "postgres",
    scenario: Path | None = None,
    select: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the pipeline on a generated company, or on the one a scenario file describes.

    A scenario describes billing only, so only the Stripe simulator is started and synced
    for it. `select` builds only part of the dbt project (a dbt selector, e.g.
    `+tag:billing` for the billing marts and everything they read)."""
    step = on_step or (lambda name: None)
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    # A demo starts from nothing: an old warehouse or pipeline state would mix two companies.
    for leftover in (
        "revtruth.duckdb",
        "revtruth.duckdb.wal",
        "revtruth.snapshot.duckdb",
        ".revtruth",
    ):
        path = directory / leftover
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()

    step("generate")
    if scenario is not None:
        plan = load_scenario(Path(scenario), today=today)
        systems: tuple[str, ...] = ("stripe",)
    else:
        plan = generate(seed=seed, size=size, today=today, identity_noise=identity_noise)
        systems = ("stripe", "salesforce", "product_db")
    truth_path = write_ground_truth(plan, directory)

    step("serve")
    with running_company(
        plan,
        systems=systems,
        product_db_url=product_db_url,
        product_db_engine=product_db_engine,
        legacy_shapes=legacy_shapes,
    ) as company:
        settings = demo_settings(directory, plan.today, company.environment())
        step("sync")
        summary = sync(settings)
        if summary.failed:
            failure = summary.failed[0]
            raise DemoError(f"sync of {failure.system} failed: {failure.error}")
    step("build")
    build(settings, select)
    return DemoResult(
        directory=directory,
        warehouse_path=settings.warehouse.resolved_path,
        ground_truth_path=truth_path,
        settings=settings,
        sync_summary=summary,
        companies=len(plan.companies),
        activity_rows=len(plan.product_db.activity),
    )
