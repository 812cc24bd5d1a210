"""People's identity decisions, made with `revtruth identity review` and `decide`, beat
every tier and hold through every rebuild (docs/metrics.md#identity). Runs the real CLI
against a copy of the demo warehouse."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from revtruth.cli import app

runner = CliRunner()


def _cli(config: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _company_of(warehouse: Path) -> dict[str, str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select source || ':' || source_id, company_id from mapping.identity_links"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def _query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_review_and_decide_beat_every_tier_and_survive_rebuilds(demo_dir, tmp_path):
    warehouse = tmp_path / "revtruth.duckdb"
    shutil.copy(demo_dir / "revtruth.duckdb", warehouse)
    today = json.loads((demo_dir / "ground_truth.json").read_text())["today"]
    config = tmp_path / "revtruth.toml"
    # a low review threshold, so that the small demo has pairs to review
    config.write_text(
        '[warehouse]\npath = "revtruth.duckdb"\n\n'
        f'[metrics]\nas_of_date = "{today}"\n\n'
        "[identity]\nreview_probability = 0.05\n"
    )
    _cli(config, "build")

    queue = _query(warehouse, "select left_key, right_key from mapping.review_queue order by 1")
    assert queue, "the demo has no pair to review even at 0.05"
    top = _query(
        warehouse,
        "select left_key, right_key, match_probability from mapping.review_queue "
        "where review_rank = 1",
    )[0]
    # the strongest links there are: a stored id and a shared domain, which a person
    # declares wrong
    stored = _query(
        warehouse,
        "select left_key, right_key from mapping.identity_evidence "
        "where tier = 'stored_id' order by 1, 2 limit 1",
    )[0]
    shared = _query(
        warehouse,
        "select left_key, right_key from mapping.identity_evidence "
        "where tier = 'domain' order by 1, 2 limit 1",
    )[0]

    out = _cli(
        config, "identity", "review", "--accept-above", str(top[2]), "--limit", "1",
        "--note", "checked by hand",
    )  # fmt: skip
    assert "1 decision(s) written" in out
    _cli(config, "identity", "decide", *stored, "different", "--note", "reseller's account")
    _cli(config, "identity", "decide", *shared, "different")

    decisions = list(csv.DictReader((tmp_path / "identity_overrides.csv").open()))
    assert [(d["record_a"], d["record_b"], d["decision"]) for d in decisions] == [
        (top[0], top[1], "same"),
        (*stored, "different"),
        (*shared, "different"),
    ]

    for _ in range(2):  # and again: nothing a rebuild does undoes a decision
        _cli(config, "build")
        company_of = _company_of(warehouse)
        assert company_of[top[0]] == company_of[top[1]]
        assert company_of[stored[0]] != company_of[stored[1]]
        assert company_of[shared[0]] != company_of[shared[1]]
        assert (top[0], top[1]) not in _query(
            warehouse, "select left_key, right_key from mapping.review_queue"
        )
        tiers = dict(
            _query(
                warehouse,
                "select source || ':' || source_id, tier from mapping.identity_links "
                f"where source || ':' || source_id in ('{top[0]}', '{top[1]}')",
            )
        )
        assert set(tiers.values()) == {"override"}

    explained = _cli(config, "identity", "explain", top[0], "--format", "json")
    parts = json.loads(explained)
    assert any(
        p["part"] == "link" and p["tier"] == "override" and "checked by hand" in p["evidence"]
        for p in parts
    )
    stats = json.loads(_cli(config, "identity", "stats", "--format", "json"))[0]
    assert stats["records_by_tier"]["override"] >= 2
