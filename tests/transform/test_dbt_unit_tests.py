"""The dbt project's unit tests (`unit_tests:` in the models' yml) and its documentation rules.

dbt unit tests need no data, but dbt reads the column types of every model a unit test
feeds with fixture rows from the warehouse, so those relations must exist. A fresh, empty
DuckDB file gets them from `dbt build --empty` (seeds, and models that select no rows;
missing raw tables are tolerated by the `source_columns` macro), so this runs on a clean
machine with no synced data.
"""

from __future__ import annotations

import shutil
from typing import Any

import duckdb
import pytest
import yaml

from revtruth.config import Settings, load_settings
from revtruth.transform import DbtRunError, run_dbt
from revtruth.transform.runner import PROJECT_DIR

MODELS_DIR = PROJECT_DIR / "models"

# Models whose logic must stay pinned down by unit tests: every model of the MRR engine
# (the billing folder, so that a new billing model without a unit test fails here; the
# rules and worked examples of docs/metrics.md). Identity's clustering is Python, tested in
# tests/identity/.
BILLING_MODELS = {path.stem for path in (MODELS_DIR / "intermediate" / "billing").glob("*.sql")}
MUST_HAVE_UNIT_TESTS = BILLING_MODELS

# Schemas of the marts (the warehouse contract, docs/architecture.md): every column is
# documented.
MART_SCHEMAS = ["stripe", "product_db", "mapping", "analytics"]


def _status(node_result: Any) -> str:
    return str(getattr(node_result.status, "value", node_result.status))


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A new DuckDB file with the seeds and every model built empty."""
    folder = tmp_path_factory.mktemp("dbt_unit_tests")
    settings = load_settings(
        None,
        env={
            "REVTRUTH_WAREHOUSE__PATH": "revtruth.duckdb",
            "REVTRUTH_METRICS__AS_OF_DATE": "2026-11-27",
        },
        base_dir=folder,
        discover_files=False,
    )
    build_empty = ["build", "--empty", "--exclude-resource-type", "test"]
    run_dbt(settings, [*build_empty, "--exclude-resource-type", "unit_test"])
    return settings


def test_dbt_unit_tests_pass_without_synced_data(empty_warehouse):
    result = run_dbt(empty_warehouse, ["test", "--select", "test_type:unit"])
    unit_results = [r for r in result.result.results if r.node.resource_type == "unit_test"]
    assert unit_results, "no dbt unit test ran"
    assert {r.node.name: _status(r) for r in unit_results if _status(r) != "pass"} == {}
    tested_models = {r.node.tested_node_unique_id.split(".")[-1] for r in unit_results}
    assert len(BILLING_MODELS) > 10
    assert sorted(MUST_HAVE_UNIT_TESTS - tested_models) == []


def test_a_wrong_expected_value_fails_the_unit_test(empty_warehouse, tmp_path):
    # The unit tests compare exact values: $10/week (docs/metrics.md worked example 5) is
    # 4333.3333333333 cents a month, not ...34.
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, project)
    yml = project / "models" / "intermediate" / "billing" / "int_subscription_items_priced.yml"
    text = yml.read_text(encoding="utf-8")
    assert text.count('item_mrr_minor: "4333.3333333333"') == 1
    yml.write_text(
        text.replace('item_mrr_minor: "4333.3333333333"', 'item_mrr_minor: "4333.3333333334"'),
        encoding="utf-8",
    )
    name = "int_subscription_items_priced_normalises_intervals_to_months"
    with pytest.raises(DbtRunError) as err:
        run_dbt(
            empty_warehouse,
            ["test", "--select", name],
            project_dir=project,
            work_dir=tmp_path / "work",
        )
    assert err.value.failures[0][:2] == (f"unit_test {name}", "fail")


# Documentation rules (CONTRIBUTING.md, Style): every model's yml states its grain and
# tests its key.


def _model_entries() -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for path in MODELS_DIR.rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            entries[model["name"]] = model
    return entries


def _test_names(tests: list[Any] | None) -> set[str]:
    return {t if isinstance(t, str) else next(iter(t)) for t in tests or []}


def test_every_model_is_documented_with_its_grain():
    entries = _model_entries()
    sql_models = {path.stem for path in MODELS_DIR.rglob("*.sql")}
    assert sorted(sql_models - entries.keys()) == []
    without_grain = [
        name
        for name in sql_models
        if not any(
            phrase in " ".join(entries[name].get("description", "").lower().split())
            for phrase in ("one row per", "exactly one row")
        )
    ]
    assert sorted(without_grain) == []


def test_every_model_tests_its_key():
    untested = []
    for name, model in _model_entries().items():
        model_tests = _test_names(model.get("data_tests"))
        column_tests = [_test_names(c.get("data_tests")) for c in model.get("columns", [])]
        key_tested = bool(model_tests & {"unique_combination", "row_count"}) or any(
            {"unique", "not_null"} <= tests for tests in column_tests
        )
        if not key_tested:
            untested.append(name)
    assert untested == []


def test_every_mart_column_is_described(empty_warehouse):
    entries = _model_entries()
    with duckdb.connect(str(empty_warehouse.warehouse.resolved_path), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where list_contains(?, table_schema) order by table_name, ordinal_position",
            [MART_SCHEMAS],
        ).fetchall()
    assert columns
    described = {
        (name, column["name"])
        for name, model in entries.items()
        for column in model.get("columns", [])
        if column.get("description", "").strip()
    }
    assert [c for c in columns if c not in described] == []
