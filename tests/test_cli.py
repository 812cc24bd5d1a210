"""The CLI through Typer's runner, in-process, on the session's demo warehouse."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from revtruth import __version__
from revtruth.cli import app

runner = CliRunner()


@pytest.fixture()
def in_demo_dir(demo_dir, monkeypatch):
    monkeypatch.chdir(demo_dir)
    monkeypatch.setenv("REVTRUTH_WAREHOUSE__PATH", str(demo_dir / "revtruth.duckdb"))
    return demo_dir


def _ground_truth(demo_dir) -> dict:
    return json.loads((demo_dir / "ground_truth.json").read_text())


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_report_zombies_json_lists_exactly_the_ground_truth_zombies(in_demo_dir):
    result = runner.invoke(app, ["report", "zombies", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["stripe_customer_id"] for r in rows} == set(
        _ground_truth(in_demo_dir)["zombie_stripe_customer_ids"]
    )
    mrr = [float(r["mrr_amount"]) for r in rows]
    assert mrr == sorted(mrr, reverse=True)


def test_report_zombies_csv_has_a_header_and_one_line_per_zombie(in_demo_dir):
    result = runner.invoke(app, ["report", "zombies", "--format", "csv", "--limit", "5"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5 and rows[0]["company_id"].startswith("co_")


def test_report_overview_prints_the_three_counts(in_demo_dir):
    counts = _ground_truth(in_demo_dir)["active_customer_counts"]
    result = runner.invoke(app, ["report", "overview"])
    assert result.exit_code == 0, result.output
    for label, key in (
        ("billing (Stripe)", "billing"),
        ("CRM (Salesforce)", "crm"),
        ("product (database)", "product"),
    ):
        line = next(line for line in result.output.splitlines() if label in line)
        assert str(counts[key]) in line


def test_report_without_a_warehouse_fails_with_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REVTRUTH_WAREHOUSE__PATH", raising=False)
    result = runner.invoke(app, ["report", "zombies"])
    assert result.exit_code == 1
    assert "revtruth sync" in result.output and "Traceback" not in result.output


def test_init_writes_the_template_and_refuses_to_overwrite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    text = (tmp_path / "revtruth.toml").read_text()
    assert "[sources.stripe]" in text and "REVTRUTH_SOURCES__STRIPE__API_KEY" in text
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 1 and "--force" in again.output


def test_sync_without_credentials_says_which_setting_is_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith("REVTRUTH_"):
            monkeypatch.delenv(name)
    result = runner.invoke(app, ["sync", "stripe"])
    assert result.exit_code == 1
    assert "REVTRUTH_SOURCES__STRIPE__API_KEY" in result.output


def test_sync_rejects_an_unknown_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sync", "chargebee"])
    assert result.exit_code == 1 and "chargebee" in result.output


def test_bad_setting_fails_with_the_key_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REVTRUTH_METRICS__RECENT_ACTIVITY_DAYS", "-3")
    result = runner.invoke(app, ["report", "zombies"])
    assert result.exit_code == 1 and "recent_activity_days" in result.output


def test_report_metrics_prints_a_bridge_that_adds_up(in_demo_dir):
    result = runner.invoke(app, ["report", "metrics", "--months", "6"])
    assert result.exit_code == 0, result.output
    assert "MRR bridge" in result.output and "NO" not in result.output
    assert result.output.count(" yes ") + result.output.count("│ yes") >= 6


def test_report_mrr_shows_one_customers_history_with_movements(in_demo_dir):
    truth = _ground_truth(in_demo_dir)
    customer, months = next(iter(truth["mrr_minor_by_stripe_customer_month"].items()))
    result = runner.invoke(app, ["report", "mrr", "--customer", customer])
    assert result.exit_code == 0, result.output
    assert "new" in result.output and min(months) in result.output


def test_report_mrr_for_an_unknown_customer_fails_clearly(in_demo_dir):
    result = runner.invoke(app, ["report", "mrr", "--customer", "cus_nobody"])
    assert result.exit_code == 1 and "cus_nobody" in result.output


def test_report_health_lists_paying_companies_worst_first_with_zombies_red(in_demo_dir):
    result = runner.invoke(app, ["report", "health", "--format", "json", "--limit", "1000"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    truth = _ground_truth(in_demo_dir)
    zombies = {r["company_id"] for r in rows if r["is_zombie"]}
    assert len(zombies) == len(truth["zombie_stripe_customer_ids"])
    assert {r["health_band"] for r in rows if r["is_zombie"]} == {"red"}
    order = [("red", "amber", "green").index(r["health_band"]) for r in rows]
    assert order == sorted(order)
    assert all(0 <= r["health_score"] <= 100 for r in rows)


def test_report_health_table_names_what_drags_a_company_down(in_demo_dir, monkeypatch):
    # wide enough that no cell wraps: at the runner's 80 columns "activity trend 0" may be
    # split over two lines, as long company and owner names narrow the column
    from revtruth.cli.app import console

    monkeypatch.setattr(console, "width", 200)
    result = runner.invoke(app, ["report", "health", "--band", "red", "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert "zombie" in result.output and "activity trend 0" in result.output


def test_report_health_rejects_an_unknown_band(in_demo_dir):
    result = runner.invoke(app, ["report", "health", "--band", "purple"])
    assert result.exit_code != 0 and "red, amber, green" in result.output


def test_report_reconcile_prints_the_counts_and_every_list(in_demo_dir):
    truth = _ground_truth(in_demo_dir)
    result = runner.invoke(app, ["report", "reconcile", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)[0]
    assert {r["opportunity_id"] for r in found["hallucinated_revenue"]} == set(
        truth["hallucinated_deals"]
    )
    assert {r["tenant_id"] for r in found["unbilled_usage"]} == set(truth["unbilled_tenants"])
    table = runner.invoke(app, ["report", "reconcile"])
    assert table.exit_code == 0, table.output
    assert "Hallucinated revenue" in table.output and "Unbilled usage" in table.output
