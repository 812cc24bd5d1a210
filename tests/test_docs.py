"""Docs are tested like code: the README documents every setting and command as they are."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from revtruth.config import Settings, dbt_var_defaults, documented_keys, env_var_name
from revtruth.docs import (
    BLOCKS,
    DBT_PROJECT_BLOCKS,
    METRICS_DOC_BLOCKS,
    _markers,
    anchor_of,
    generated_block,
    section_titles,
)
from revtruth.transform.runner import PROJECT_DIR

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _block(name: str) -> str:
    start, end = _markers(name)
    return README.split(start, 1)[1].split(end, 1)[0].strip()


def test_generated_readme_blocks_are_up_to_date():
    for name, render in BLOCKS.items():
        assert _block(name) == render().strip(), (
            f"README's {name} is stale: run `python -m revtruth.docs README.md`"
        )


def test_the_dbt_projects_vars_are_the_settings_defaults():
    # The defaults live in revtruth.config.settings; dbt_project.yml carries a generated copy.
    dbt_project = PROJECT_DIR / "dbt_project.yml"
    for name, render in DBT_PROJECT_BLOCKS.items():
        assert generated_block(dbt_project, name, yaml_file=True) == render(), (
            "dbt_project.yml's vars are stale: run `python -m revtruth.docs README.md`"
        )
    declared = yaml.safe_load(dbt_project.read_text())["vars"]
    assert declared == dbt_var_defaults()
    assert declared.keys() == Settings().as_dbt_vars().keys()


def test_the_metric_settings_table_in_docs_is_up_to_date():
    for name, render in METRICS_DOC_BLOCKS.items():
        assert generated_block(ROOT / "docs" / "metrics.md", name) == render(), (
            "docs/metrics.md's settings table is stale: run `python -m revtruth.docs README.md`"
        )


def test_every_metric_setting_links_to_a_section_of_docs_metrics():
    from revtruth.config.settings import iter_keys

    anchors = {anchor_of(title) for title in section_titles(ROOT / "docs" / "metrics.md")}
    for key, f in iter_keys():
        if key.startswith("metrics."):
            assert f.metadata["doc"] in anchors, key


def test_models_read_settings_without_defaults_of_their_own():
    # var('x', default) would be a second place for a default, free to drift.
    with_default = re.compile(r"""(?<![\w.])var\(\s*['"]\w+['"]\s*,""")
    offenders = [
        str(path.relative_to(PROJECT_DIR))
        for path in PROJECT_DIR.rglob("*")
        if path.suffix in (".sql", ".yml") and with_default.search(path.read_text())
    ]
    assert offenders == []


def test_every_var_the_models_read_is_passed_by_revtruth():
    used = set()
    for path in PROJECT_DIR.rglob("*"):
        if path.suffix in (".sql", ".yml"):
            used |= set(re.findall(r"""(?<![\w.])var\(\s*['"](\w+)['"]""", path.read_text()))
    assert used and used <= Settings().as_dbt_vars().keys()


def test_settings_table_shows_each_default_as_the_code_has_it():
    table = _block("settings-reference")
    assert '| `metrics.churn_at` | `REVTRUTH_METRICS__CHURN_AT` | `"ended"` |' in table
    assert (
        "| `metrics.recent_activity_days` | `REVTRUTH_METRICS__RECENT_ACTIVITY_DAYS` | `30` |"
        in table
    )


def test_every_setting_is_documented_with_its_environment_variable():
    for key in documented_keys():
        assert f"`{key}`" in README, key
        assert env_var_name(key) in README, key


def test_every_command_is_in_the_cli_reference():
    from typer.main import get_command

    from revtruth.cli import app

    root = get_command(app)
    for name, command in root.commands.items():
        subcommands = getattr(command, "commands", {None: command})
        for sub in subcommands:
            path = " ".join(p for p in ("revtruth", name, sub) if p)
            assert f"### `{path}`" in README, path


def test_ci_runs_the_readme_install_and_test_commands():
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = re.search(r"\$ (pip install -e \"\.\[dev\]\") && (pytest)", README)
    assert test_command, "README must give the test command"
    assert test_command.group(1) in ci and "\npytest" in ci
    assert "$ pip install .\n$ revtruth demo" in README
