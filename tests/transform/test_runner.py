from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml

from revtruth.config import load_settings
from revtruth.transform import DbtRunError, build, run_dbt
from revtruth.transform.runner import PROJECT_DIR, _profiles_dir, dbt_target, work_dir_for
from revtruth.warehouse import connect_readonly

REPO = Path(__file__).resolve().parents[2]
DO_NOT_TRACK_BEFORE = os.environ.get("DO_NOT_TRACK")

# Throwaway models, added to a temporary copy of the packaged project only.
MODELS = {
    # a custom schema is used as written: stripe.x, not main_stripe.x
    "stripe/x.sql": (
        "{{ config(schema='stripe', materialized='table') }}\n"
        "select {{ var('recent_activity_days') }} as recent_days,\n"
        "       cast('{{ var('as_of_date') }}' as date) as as_of,\n"
        "       '{{ var('reporting_currency') }}' as currency"
    ),
    # no custom schema: the target's schema (main for DuckDB)
    "plain.sql": "{{ config(materialized='table') }}\nselect 1 as one",
    "broken_model.sql": "select * from this_table_does_not_exist",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("dbt") / "project"
    shutil.copytree(PROJECT_DIR, copy)
    for name, sql in MODELS.items():
        (copy / "models" / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / "models" / name).write_text(sql, encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("warehouse")
    cfg = folder / "revtruth.toml"
    cfg.write_text(
        '[warehouse]\npath = "wh.duckdb"\n'
        '[metrics]\nas_of_date = "2024-01-31"\nrecent_activity_days = 7\n'
        'reporting_currency = "EUR"\n',
        encoding="utf-8",
    )
    return load_settings(cfg, env={})


@pytest.fixture(scope="module")
def built(project, settings):
    return build(settings, select="x plain", project_dir=project)


def test_build_creates_relations_in_plainly_named_schemas(built, settings):
    assert built.success
    with duckdb.connect(str(settings.warehouse.resolved_path), read_only=True) as con:
        tables = set(
            con.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
        )
    assert ("stripe.x",) in tables
    assert ("main.plain",) in tables
    assert not any(name.startswith("main_") for (name,) in tables)


def test_vars_reach_models(built, settings):
    con = connect_readonly(settings)
    try:
        row = con.execute("select recent_days, as_of, currency from stripe.x").fetchone()
    finally:
        con.close()
    assert row[0] == 7
    assert str(row[1]) == "2024-01-31"
    assert row[2] == "eur"


def test_dbt_leaves_the_warehouse_closed_after_a_run(built, settings):
    # dbt-duckdb keeps its database open in the process unless the runner closes it; a
    # read-only connection (another configuration) would then fail in this process.
    con = duckdb.connect(str(settings.warehouse.resolved_path), read_only=True)
    con.close()


def test_dbt_runs_with_tracking_off_and_the_environment_restored(built):
    assert built.result.args["send_anonymous_usage_stats"] is False
    assert os.environ.get("DO_NOT_TRACK") == DO_NOT_TRACK_BEFORE


def test_artifacts_go_to_the_work_folder_not_the_project(built, project, settings):
    work = settings.base_dir / ".revtruth" / "dbt"
    assert (work / "target" / "run_results.json").is_file()
    assert (work / "logs" / "dbt.log").is_file()
    assert not (project / "target").exists() and not (project / "logs").exists()


def test_failing_model_raises_with_the_models_name(project, settings):
    with pytest.raises(DbtRunError) as err:
        build(settings, select="broken_model", project_dir=project)
    text = str(err.value)
    assert "broken_model" in text
    assert "this_table_does_not_exist" in text  # the first error message
    assert "\n" not in text
    assert err.value.failures[0][:2] == ("model broken_model", "error")


def test_usage_error_raises(project, settings):
    with pytest.raises(DbtRunError, match="no-such-option"):
        run_dbt(settings, ["run", "--no-such-option"], project_dir=project)


def test_packaged_project_parses_without_writing_into_the_package(tmp_path):
    before = sorted(p.relative_to(PROJECT_DIR) for p in PROJECT_DIR.rglob("*"))
    (tmp_path / "revtruth.toml").write_text("", encoding="utf-8")
    s = load_settings(tmp_path / "revtruth.toml", env={})
    result = run_dbt(s, ["parse"])
    assert result.success
    assert sorted(p.relative_to(PROJECT_DIR) for p in PROJECT_DIR.rglob("*")) == before


def test_duckdb_target(settings):
    assert dbt_target(settings) == {
        "type": "duckdb",
        "path": str(settings.warehouse.resolved_path),
        "threads": 2,
    }


def test_snowflake_target_translates_dlt_credential_names(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[warehouse.credentials]\nhost = "acct-1"\nusername = "loader"\npassword = "pw"\n'
        'database = "REVTRUTH"\nwarehouse = "WH"\nrole = "R"\n',
        encoding="utf-8",
    )
    env = {
        "REVTRUTH_SECRETS_FILE": str(secrets),
        "REVTRUTH_WAREHOUSE__DESTINATION": "snowflake",
        "REVTRUTH_WAREHOUSE__DBT_PROFILE__SCHEMA": "ANALYTICS",
    }
    target = dbt_target(load_settings(env=env))
    assert target == {
        "type": "snowflake",
        "threads": 4,
        "account": "acct-1",
        "user": "loader",
        "password": "pw",
        "database": "REVTRUTH",
        "warehouse": "WH",
        "role": "R",
        "schema": "ANALYTICS",
    }


def test_bigquery_target_builds_a_service_account_keyfile():
    env = {
        "REVTRUTH_WAREHOUSE__DESTINATION": "bigquery",
        "REVTRUTH_WAREHOUSE__CREDENTIALS__PROJECT_ID": "proj",
        "REVTRUTH_WAREHOUSE__CREDENTIALS__CLIENT_EMAIL": "sa@proj.iam.gserviceaccount.com",
        "REVTRUTH_WAREHOUSE__CREDENTIALS__PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nabc\n",
        "REVTRUTH_WAREHOUSE__DBT_PROFILE__DATASET": "analytics",
    }
    target = dbt_target(load_settings(env=env))
    assert target["type"] == "bigquery"
    assert target["method"] == "service-account-json"
    assert target["project"] == "proj"
    assert target["dataset"] == "analytics" and "schema" not in target
    assert target["keyfile_json"]["private_key"] == "-----BEGIN PRIVATE KEY-----\nabc\n"
    assert target["keyfile_json"]["type"] == "service_account"


def test_profiles_file_is_private_names_no_secret_and_is_removed_afterwards():
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    env = {
        "REVTRUTH_WAREHOUSE__DESTINATION": "postgres",
        "REVTRUTH_WAREHOUSE__CREDENTIALS__PASSWORD": "Zq8-warehouse-pw",
        "REVTRUTH_WAREHOUSE__CREDENTIALS__HOST": "db.internal",
    }
    s = load_settings(env=env, discover_files=False)
    with _profiles_dir(s) as folder:
        profile_file = folder / "profiles.yml"
        assert stat.S_IMODE(profile_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        # what a kill -9 now would leave on disk: no password, a reference to it
        text = profile_file.read_text()
        assert "Zq8-warehouse-pw" not in text
        profile = yaml.safe_load(text)
        assert profile["revtruth"]["target"] == "default"
        output = profile["revtruth"]["outputs"]["default"]
        assert output["password"].startswith("{{ env_var('DBT_ENV_SECRET_REVTRUTH_")
        # as dbt renders it when it runs (it reads the environment at each invocation)
        set_invocation_context(dict(os.environ))
        rendered = ProfileRenderer({}).render_data(output)
        assert rendered["password"] == "Zq8-warehouse-pw"
    assert not folder.exists()
    assert not [name for name in os.environ if name.startswith("DBT_ENV_SECRET_REVTRUTH_")]


def test_profile_folders_of_processes_no_longer_running_are_removed(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = tmp_path / f"revtruth-dbt-profile-{dead.stdout.strip()}-abc"
    alive = tmp_path / f"revtruth-dbt-profile-{os.getppid()}-abc"
    for folder in (orphan, alive):
        folder.mkdir()
        (folder / "profiles.yml").write_text("x")
    with _profiles_dir(load_settings(env={}, discover_files=False)):
        pass
    assert not orphan.exists()
    assert alive.exists()


@pytest.mark.slow
def test_wheel_ships_the_dbt_project_and_the_scenario_files(tmp_path):
    src = tmp_path / "src-copy"
    shutil.copytree(
        REPO / "src", src / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, src / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("revtruth-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in PROJECT_DIR.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            assert f"revtruth/transform/dbt_project/{path.relative_to(PROJECT_DIR)}" in names
    assert "revtruth/transform/dbt_project/macros/generate_schema_name.sql" in names
    scenarios = REPO / "src" / "revtruth" / "simulate" / "scenarios"
    for path in scenarios.glob("*.yaml"):
        assert f"revtruth/simulate/scenarios/{path.name}" in names


def test_importing_dbt_leaves_the_root_logger_alone():
    # dbt's import runs snowplow_tracker's logging.basicConfig(); the runner undoes it.
    code = (
        "import logging\n"
        "from revtruth.transform.runner import _dbt_cli\n"
        "_dbt_cli()\n"
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_warehouse_synced_by_an_older_version_stops_the_build_with_what_to_do(
    project, settings, built, tmp_path
):
    # Older versions synced the product database into raw_product; building from it as if
    # the product had no activity would call every paying company a zombie. (The module's
    # project, vars and work folder are reused, so dbt does not parse the project again.)
    old = dataclasses.replace(
        settings,
        warehouse=dataclasses.replace(settings.warehouse, resolved_path=tmp_path / "old.duckdb"),
    )
    with duckdb.connect(str(old.warehouse.resolved_path)) as con:
        con.execute("create schema raw_product")
        con.execute("create table raw_product.tenants (id varchar)")
    with pytest.raises(DbtRunError, match=r"revtruth sync product_db"):
        build(old, project_dir=project, work_dir=work_dir_for(settings))
