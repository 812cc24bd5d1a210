"""`sync()` over the simulated company: Stripe and Salesforce servers (and, in the slow
tier, PostgreSQL) running on this machine, loaded by real dlt pipelines into a DuckDB file
in tmp_path."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dlt.common.versioned_state import decompress_state

from revtruth.config import Settings, load_settings
from revtruth.simulate.company.generator import generate
from revtruth.simulate.company.plan import CompanyPlan
from revtruth.simulate.running import RunningCompany, running_company
from revtruth.sync import SyncError, SyncSummary, sync

SEED = 3
SYSTEMS = ["stripe", "salesforce", "product_db"]


@dataclass
class Company:
    plan: CompanyPlan
    running: RunningCompany


@pytest.fixture(scope="module")
def plan() -> CompanyPlan:
    return generate(seed=SEED, size="small")


@pytest.fixture(scope="module")
def company(plan: CompanyPlan) -> Iterator[Company]:
    """All three systems, PostgreSQL included (slow tier)."""
    with running_company(plan) as running:
        yield Company(plan, running)


@pytest.fixture(scope="module")
def api_company(plan: CompanyPlan) -> Iterator[Company]:
    """The two API simulators only, no database server (fast tier): the product database
    source is switched off in their settings."""
    with running_company(plan, systems=("stripe", "salesforce")) as running:
        yield Company(plan, running)


def settings_for(company: Company, directory: Path, **env_overrides: str) -> Settings:
    env = {
        **company.running.environment(),
        "REVTRUTH_WAREHOUSE__PATH": str(directory / "revtruth.duckdb"),
        **env_overrides,
    }
    return load_settings(env=env, base_dir=directory, discover_files=False)


def expected_rows(plan: CompanyPlan) -> dict[str, dict[str, int]]:
    billing, crm, product_db = plan.billing, plan.crm, plan.product_db
    return {
        "stripe": {
            "customers": len(billing.customers),
            "subscriptions": len(billing.subscriptions),
            "subscriptions__items__data": sum(len(s.items) for s in billing.subscriptions),
            "invoices": len(billing.invoices),
            "invoices__lines__data": sum(len(i.lines) for i in billing.invoices),
            "events": len(billing.events),
        },
        "salesforce": {
            "account": len(crm.accounts),
            "contact": len(crm.contacts),
            "lead": len(crm.leads),
            "opportunity": len(crm.opportunities),
            "user": len(crm.users),
        },
        "product_db": {
            "tenants": len(product_db.tenants),
            "users": len(product_db.users),
            "user_activity_logs": len(product_db.activity),
        },
    }


def schemas_in(settings: Settings) -> set[str]:
    con = duckdb.connect(str(settings.warehouse.resolved_path))
    try:
        rows = con.execute("select schema_name from information_schema.schemata").fetchall()
        return {row[0] for row in rows}
    finally:
        con.close()


@dataclass
class FullSync:
    settings: Settings
    summary: SyncSummary


@pytest.fixture(scope="module")
def full_sync(company: Company, tmp_path_factory: pytest.TempPathFactory) -> FullSync:
    settings = settings_for(company, tmp_path_factory.mktemp("full"))
    return FullSync(settings, sync(settings))


@pytest.mark.slow
def test_sync_loads_all_three_systems_with_no_failures(
    company: Company, full_sync: FullSync
) -> None:
    summary = full_sync.summary

    assert [r.system for r in summary.results] == SYSTEMS
    assert summary.failed == []
    assert summary.quarantined == 0
    for result in summary.results:
        expected = expected_rows(company.plan)[result.system]
        assert {t: result.rows_by_table.get(t) for t in expected} == expected, result.system
    assert {"raw_stripe", "raw_salesforce", "raw_product_db"} <= schemas_in(full_sync.settings)


@pytest.mark.slow
def test_secrets_never_appear_in_the_summary_or_in_any_warehouse_table(
    company: Company, full_sync: FullSync
) -> None:
    running = company.running
    secrets = {
        "stripe api key": running.stripe_api_key,
        "salesforce password": running.salesforce_password,
        "salesforce client secret": running.salesforce_client_secret,
    }
    summary_text = repr(full_sync.summary) + "".join(
        f"{r.system} {r.error} {r.rows_by_table}" for r in full_sync.summary.results
    )
    assert [name for name, value in secrets.items() if value in summary_text] == []

    # A value that is in the warehouse, to show the scan would find a secret if one were there.
    control = company.plan.billing.customers[0].email
    found = []
    con = duckdb.connect(str(full_sync.settings.warehouse.resolved_path))
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON')"
        ).fetchall()
        assert len(columns) > 100  # the scan really covers the raw tables
        for schema, table, column in columns:
            values = [
                row[0]
                for row in con.execute(
                    f'select "{column}"::varchar from "{schema}"."{table}" '
                    f'where "{column}" is not null'
                ).fetchall()
            ]
            if (table, column) == ("_dlt_pipeline_state", "state"):
                values += [str(decompress_state(v)) for v in values]  # stored compressed
            for name, secret in {**secrets, "control": control}.items():
                if any(secret in value for value in values):
                    found.append(f"{name} in {schema}.{table}.{column}")
    finally:
        con.close()
    assert "control in raw_stripe.customers.email" in found
    assert [place for place in found if not place.startswith("control in ")] == []


def test_sync_of_only_stripe_syncs_stripe_alone(api_company: Company, tmp_path: Path) -> None:
    settings = settings_for(api_company, tmp_path)
    salesforce_requests = api_company.running.salesforce.request_count

    summary = sync(settings, ["stripe"])

    assert [r.system for r in summary.results] == ["stripe"]
    assert summary.failed == []
    expected = expected_rows(api_company.plan)["stripe"]
    assert {t: summary.results[0].rows_by_table.get(t) for t in expected} == expected
    schemas = schemas_in(settings)
    assert "raw_stripe" in schemas
    assert not {"raw_salesforce", "raw_product_db"} & schemas
    assert api_company.running.salesforce.request_count == salesforce_requests


def test_unknown_source_name_raises_sync_error_before_anything_runs(
    api_company: Company, tmp_path: Path
) -> None:
    settings = settings_for(api_company, tmp_path)
    stripe_requests = api_company.running.stripe.request_count

    with pytest.raises(SyncError, match=r"unknown source\(s\) chargebee: choose from stripe, "):
        sync(settings, ["stripe", "chargebee"])

    assert api_company.running.stripe.request_count == stripe_requests
    assert not settings.warehouse.resolved_path.exists()


def test_one_failing_source_does_not_stop_the_others_and_is_reported(
    api_company: Company, tmp_path: Path
) -> None:
    wrong_key = "sk_test_0123456789abcdefWRONGkey9876"
    settings = settings_for(api_company, tmp_path, REVTRUTH_SOURCES__STRIPE__API_KEY=wrong_key)

    summary = sync(settings)

    # the product database is not running here, so its source is switched off
    assert [r.system for r in summary.results] == ["stripe", "salesforce"]
    assert [r.system for r in summary.failed] == ["stripe"]
    error = summary.failed[0].error
    assert error is not None
    assert error.startswith("AuthenticationError: ")
    assert "Invalid API Key provided: sk_test_" in error
    assert wrong_key not in error and wrong_key[8:-4] not in error  # masked by Stripe
    expected = expected_rows(api_company.plan)
    for result in summary.results[1:]:
        assert result.error is None
        assert {t: result.rows_by_table.get(t) for t in expected[result.system]} == expected[
            result.system
        ]
    assert "raw_salesforce" in schemas_in(settings)


@pytest.mark.parametrize(
    "url",
    [
        "postgres//loader:Zq8-distinctive-PW@db.internal/app",  # "://" mistyped
        "mysql://loader:Zq8-distinctive-PW@db.internal/app",  # a driver revtruth lacks
        "postgresql://loader:Zq8-distinctive-PW@127.0.0.1:1/app",  # nothing listening
    ],
)
def test_a_failing_product_db_url_never_shows_its_password(tmp_path, monkeypatch, url):
    from typer.testing import CliRunner

    from revtruth.cli import app

    settings = load_settings(
        env={"REVTRUTH_SOURCES__PRODUCT_DB__URL": url}, base_dir=tmp_path, discover_files=False
    )
    (failed,) = sync(settings, ["product_db"]).failed
    assert "Zq8-distinctive-PW" not in failed.error
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REVTRUTH_SOURCES__PRODUCT_DB__URL", url)
    result = CliRunner().invoke(app, ["sync", "product_db"])
    assert result.exit_code == 1
    assert "sync of product_db failed" in result.output
    assert "Zq8-distinctive-PW" not in result.output


def test_a_product_db_that_accepts_and_never_answers_fails_in_time_naming_its_host(
    tmp_path,
):
    import socket
    import threading
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    port = silent.getsockname()[1]
    held = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    settings = load_settings(
        env={
            "REVTRUTH_SOURCES__PRODUCT_DB__URL": f"postgresql://u:pw-Zq8@127.0.0.1:{port}/app",
            "REVTRUTH_SOURCES__PRODUCT_DB__TIMEOUT_SECONDS": "2",
        },
        base_dir=tmp_path,
        discover_files=False,
    )
    started = time.monotonic()
    (failed,) = sync(settings, ["product_db"]).failed
    assert time.monotonic() - started < 30
    assert "127.0.0.1" in failed.error and "timeout" in failed.error.lower()
    assert "pw-Zq8" not in failed.error
    silent.close()


def test_timeouts_are_added_to_a_product_db_url_that_sets_none():
    from revtruth.sources.product_db.postgres import with_timeouts

    assert with_timeouts("postgresql://u:p@h:5432/db?sslmode=require", 20) == (
        "postgresql://u:p@h:5432/db?sslmode=require&connect_timeout=20&keepalives=1"
        "&keepalives_idle=20&keepalives_interval=6&keepalives_count=3"
    )
    assert "connect_timeout=5" in with_timeouts("postgresql://h/db?connect_timeout=5", 20)
    assert with_timeouts("host=h dbname=db", 20) == "host=h dbname=db"


def test_a_sync_after_one_killed_with_its_data_extracted_loads_both(
    api_company: Company, tmp_path: Path
) -> None:
    # what a sync killed after dlt extracted its data leaves: a load package on disk
    import dlt

    from revtruth.sync import build_source, destination_for, pipelines_dir

    settings = settings_for(api_company, tmp_path)
    left = dlt.pipeline(
        pipeline_name="revtruth_stripe",
        destination=destination_for(settings),
        dataset_name=settings.warehouse.dataset_name("stripe"),
        pipelines_dir=str(pipelines_dir(settings)),
    )
    left.extract(build_source(settings, "stripe"))
    assert left.has_pending_data

    (result,) = sync(settings, ["stripe"]).results
    assert result.error is None and result.recovered
    # the recovered load listed everything; this sync's own read only what changed since
    assert result.notes and result.notes[0].startswith("read the changes: ")
    con = duckdb.connect(str(settings.warehouse.resolved_path), read_only=True)
    loads = con.execute("select count(*) from raw_stripe._dlt_loads where status = 0").fetchall()
    customers = con.execute("select count(*) from raw_stripe.customers").fetchall()
    con.close()
    assert loads[0][0] == 2  # the one left behind, then this sync's own
    assert customers[0][0] == len(api_company.plan.billing.customers)  # merged, not doubled


@pytest.mark.slow
def test_a_warehouse_restored_from_a_backup_is_synced_from_where_it_stands(
    company: Company, tmp_path: Path
) -> None:
    # without the lookback, so that only the cursor's state decides what is read
    import shutil

    from revtruth.simulate.product_db import insert_logins

    settings = settings_for(company, tmp_path, REVTRUTH_SOURCES__PRODUCT_DB__CURSOR_LOOKBACK="0")
    warehouse = settings.warehouse.resolved_path
    assert not sync(settings, ["product_db"]).failed
    shutil.copy(warehouse, tmp_path / "backup.duckdb")

    plan = company.plan.product_db
    last_id = max(plan.activity.event_id)
    new_ids = [last_id + 101, last_id + 102]
    insert_logins(company.running.product_db_admin_url, plan, new_ids)
    assert not sync(settings, ["product_db"]).failed  # loads them; this machine's cursor moves
    shutil.copy(tmp_path / "backup.duckdb", warehouse)  # the warehouse goes back

    assert not sync(settings, ["product_db"]).failed
    con = duckdb.connect(str(warehouse), read_only=True)
    loaded = con.execute(
        "select id from raw_product_db.user_activity_logs where id > ? order by id", [last_id]
    ).fetchall()
    con.close()
    assert loaded == [(i,) for i in new_ids]


def _raw_contents(settings: Settings) -> dict[str, list[tuple]]:
    """Every raw table's rows (dlt's own columns and tables left out), sorted."""
    con = duckdb.connect(str(settings.warehouse.resolved_path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw_stripe', 'raw_salesforce') "
            "and table_name not like '\\_dlt%' escape '\\' order by 1, 2"
        ).fetchall()
        contents = {}
        for schema, table in tables:
            columns = [
                c[0]
                for c in con.execute(f'describe "{schema}"."{table}"').fetchall()
                if not c[0].startswith("_dlt")
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            contents[f"{schema}.{table}"] = con.execute(
                f'select {listed} from "{schema}"."{table}" order by all'
            ).fetchall()
        return contents
    finally:
        con.close()


# FAULT_RUNS sets how many fault draws (seeds) run; 2 keep CI short.
@pytest.mark.parametrize("seed", range(1, int(os.environ.get("FAULT_RUNS", "2")) + 1))
def test_a_sync_through_ten_percent_faults_equals_a_clean_one(
    api_company: Company, tmp_path: Path, seed: int
) -> None:
    from revtruth.simulate.http_server import Faults

    clean = settings_for(api_company, tmp_path / "clean")
    assert not sync(clean).failed
    faulty = settings_for(api_company, tmp_path / "faulty")
    servers = [api_company.running.stripe, api_company.running.salesforce]
    for server in servers:
        server.faults = Faults.parse("429=0.02,500=0.02,reset=0.02,truncate=0.02,slow=0.02")
        server.faults = dataclasses.replace(server.faults, slow_seconds=0.2, seed=seed)
    try:
        summary = sync(faulty)
    finally:
        for server in servers:
            server.faults = Faults()
    assert not summary.failed, summary.failed
    assert _raw_contents(faulty) == _raw_contents(clean)


def test_events_last_read_longer_ago_than_stripe_keeps_them_list_everything_and_warn(
    tmp_path: Path,
) -> None:
    # a company whose history ended 60 days ago: its last event, the cursor after the first
    # sync, is older than the 30 days of events Stripe keeps
    from datetime import UTC, datetime, timedelta

    plan = generate(seed=SEED, size="small", today=datetime.now(UTC).date() - timedelta(days=60))
    with running_company(plan, systems=("stripe",)) as running:
        settings = settings_for(Company(plan, running), tmp_path)
        first = sync(settings, ["stripe"]).results[0]
        second = sync(settings, ["stripe"]).results[0]
    assert first.error is None and first.warnings == []  # nothing read before: no gap
    assert first.notes == ["listed everything (first sync: everything is listed)"]
    assert second.error is None
    (warning,) = second.warnings
    assert "older than the 30 days Stripe keeps events: everything is listed again" in warning
    assert "stripe.events has a gap" in warning
    assert second.notes[0].startswith("listed everything (the last event read is 6")
