"""The guard before a build and the footer after a report: what the warehouse's raw schemas
hold, read from dlt's own `_dlt_loads`, loaded here by real dlt pipelines into DuckDB."""

from __future__ import annotations

import dataclasses
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import duckdb
import pytest
from typer.testing import CliRunner

from revtruth.cli import app
from revtruth.config import Settings, load_settings
from revtruth.freshness import (
    SourceGuardError,
    new_build,
    read_freshness,
    read_source_loads,
    refusals,
    write_build,
)
from revtruth.sync import destination_for, pipelines_dir

SYSTEMS = ["stripe", "salesforce", "product_db"]
runner = CliRunner()


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return load_settings(env={}, base_dir=tmp_path, discover_files=False)


def _load(settings: Settings, system: str, table: str, rows: list[dict]) -> None:
    """Rows into `raw_<system>.<table>` the way sync lands them: a dlt pipeline."""
    pipeline = dlt.pipeline(
        pipeline_name=f"test_{system}",
        destination=destination_for(settings),
        dataset_name=settings.warehouse.dataset_name(system),
        pipelines_dir=str(pipelines_dir(settings)),
    )
    pipeline.run(rows, table_name=table, write_disposition="append")


def _load_all(settings: Settings) -> None:
    _load(settings, "stripe", "customers", [{"id": "cus_1"}])
    _load(settings, "salesforce", "account", [{"id": "001A"}])
    _load(settings, "product_db", "tenants", [{"id": "t1"}])


def _succeeded(settings: Settings, loads) -> object:
    """A build recorded as started and finished at once, succeeded."""
    done = new_build(settings, loads, "2026-12-08")
    write_build(
        settings, dataclasses.replace(done, status="succeeded", finished_at=done.started_at)
    )
    return done


def _freshness(settings: Settings):
    con = duckdb.connect(str(settings.warehouse.resolved_path), read_only=True)
    try:
        return read_freshness(con, settings)
    finally:
        con.close()


def test_a_source_never_synced_is_refused_by_name(settings):
    _load(settings, "stripe", "customers", [{"id": "cus_1"}])
    reasons = refusals(read_source_loads(settings, SYSTEMS), 36)
    assert reasons == [
        "salesforce has never been synced into raw_salesforce: run `revtruth sync salesforce`",
        "product_db has never been synced into raw_product_db: run `revtruth sync product_db`",
    ]
    assert refusals(read_source_loads(settings, SYSTEMS), 36, allow_missing=True) == []


def test_loaded_sources_within_the_age_pass_and_older_ones_are_refused(settings):
    _load_all(settings)
    loads = read_source_loads(settings, SYSTEMS)
    assert [load.rows for load in loads] == [1, 1, 1]
    assert all(load.load_id and not load.unfinished for load in loads)
    assert refusals(loads, 36) == []
    time.sleep(0.05)
    stale = refusals(loads, 0.00001)  # 36 ms
    assert len(stale) == 3 and stale[0].startswith("stripe last loaded 0.0 h ago, more than")
    assert refusals(loads, 0.00001, allow_stale=True) == []
    assert refusals(loads, 0) == []  # 0: any age will do


def test_an_empty_source_is_refused(settings):
    _load_all(settings)
    con = duckdb.connect(str(settings.warehouse.resolved_path))
    con.execute("delete from raw_salesforce.account")
    con.close()
    assert refusals(read_source_loads(settings, SYSTEMS), 36) == [
        "salesforce is empty (raw_salesforce has no rows in its main table): check its "
        "settings, then run `revtruth sync salesforce`"
    ]


def test_rows_of_a_load_that_never_finished_are_refused(settings):
    # what a sync killed between loading a table and recording the load leaves behind
    _load_all(settings)
    con = duckdb.connect(str(settings.warehouse.resolved_path))
    con.execute(
        "insert into raw_stripe.customers (id, _dlt_load_id, _dlt_id) "
        "values ('cus_2', '9999999999.0', 'x')"
    )
    con.close()
    (reason,) = refusals(read_source_loads(settings, SYSTEMS), 36)
    assert reason.startswith("the last sync of stripe stopped before it finished")


def test_the_prefix_sync_writes_is_the_one_the_guard_reads(tmp_path):
    settings = load_settings(
        env={"REVTRUTH_WAREHOUSE__DATASET_PREFIX": "src_"}, base_dir=tmp_path, discover_files=False
    )
    _load_all(settings)
    loads = read_source_loads(settings, SYSTEMS)
    assert [load.schema for load in loads] == ["src_stripe", "src_salesforce", "src_product_db"]
    assert refusals(loads, 36) == []


def test_build_on_an_empty_folder_refuses_with_a_line_per_source_and_builds_nothing(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    for key in ("STRIPE__API_KEY", "PRODUCT_DB__URL"):
        monkeypatch.delenv(f"REVTRUTH_SOURCES__{key}", raising=False)
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 1
    for system in SYSTEMS:
        assert f"{system} has never been synced" in result.output
    assert "nothing was built" in result.output
    con = duckdb.connect(str(tmp_path / "revtruth.duckdb"), read_only=True)
    schemas = {
        row[0]
        for row in con.execute("select schema_name from information_schema.schemata").fetchall()
    }
    assert not {"analytics", "staging", "mapping"} & schemas


def test_build_refusal_raises_before_any_model(settings):
    from revtruth.build import build

    with pytest.raises(SourceGuardError) as refused:
        build(settings)
    assert len(refused.value.reasons) == 3


def test_the_footer_names_the_build_and_warns_of_a_later_failure(settings):
    _load_all(settings)
    loads = read_source_loads(settings, SYSTEMS)
    done = _succeeded(settings, loads)
    fresh = _freshness(settings)
    assert fresh.warnings == []
    assert fresh.line.startswith("Marts built ") and "as of 2026-12-08" in fresh.line
    assert "from the loads of product_db at " in fresh.line and "stripe at " in fresh.line

    later = dataclasses.replace(
        new_build(settings, loads, "2026-12-08"),
        started_at=done.started_at + timedelta(minutes=5),
        status="failed",
        error="dbt test failed: not_null_stg_stripe__subscriptions_currency",
    )
    write_build(settings, later)
    (warning,) = _freshness(settings).warnings
    assert "failed (dbt test failed: not_null_stg_stripe__subscriptions_currency)" in warning
    assert "these are the marts of the build of" in warning


def test_the_footer_warns_of_a_build_that_never_finished_and_of_newer_data(settings):
    _load_all(settings)
    loads = read_source_loads(settings, SYSTEMS)
    _succeeded(settings, loads)
    _load(settings, "stripe", "customers", [{"id": "cus_3"}])  # synced after the build
    killed = dataclasses.replace(
        new_build(settings, loads, "2026-12-08"),
        started_at=datetime.now(UTC) + timedelta(seconds=1),
    )
    write_build(settings, killed)
    warnings = _freshness(settings).warnings
    assert any("never finished" in w for w in warnings)
    assert any("stripe was synced again after this build" in w for w in warnings)


def test_report_strict_exits_4_after_a_failed_build(demo_dir, tmp_path, monkeypatch):
    shutil.copy(demo_dir / "revtruth.duckdb", tmp_path / "revtruth.duckdb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REVTRUTH_WAREHOUSE__PATH", str(tmp_path / "revtruth.duckdb"))
    fresh = runner.invoke(app, ["report", "--strict", "zombies", "--limit", "1"])
    assert fresh.exit_code == 0, fresh.output
    assert "Marts built" in fresh.output

    settings = load_settings(
        env={"REVTRUTH_WAREHOUSE__PATH": str(tmp_path / "revtruth.duckdb")},
        base_dir=tmp_path,
        discover_files=False,
    )
    failed = dataclasses.replace(
        new_build(settings, [], "2026-12-08"), status="failed", error="boom"
    )
    write_build(settings, failed)
    lenient = runner.invoke(app, ["report", "zombies", "--limit", "1"])
    assert lenient.exit_code == 0 and "failed (boom)" in lenient.output
    strict = runner.invoke(app, ["report", "--strict", "zombies", "--limit", "1"])
    assert strict.exit_code == 4 and "failed (boom)" in strict.output


def test_a_report_on_a_warehouse_without_marts_says_so_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    duckdb.connect(str(tmp_path / "revtruth.duckdb")).execute("create schema raw_stripe").close()
    result = runner.invoke(app, ["report", "overview"])
    assert result.exit_code == 1
    assert "has no marts yet (no successful build)" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["sync", "stripe"], ["build"]])
def test_a_warehouse_path_that_cannot_be_written_is_one_line_not_a_traceback(
    tmp_path, monkeypatch, command
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REVTRUTH_WAREHOUSE__PATH", str(blocker / "revtruth.duckdb"))
    monkeypatch.setenv("REVTRUTH_SOURCES__STRIPE__API_KEY", "sk_test_x")
    result = runner.invoke(app, command)
    assert result.exit_code == 1
    assert "cannot write the lock file" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
