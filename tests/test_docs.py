"""Docs are tested like code: the README documents every setting and command as they are."""

from __future__ import annotations

import re
from pathlib import Path

from revtruth.config import documented_keys, env_var_name
from revtruth.docs import BLOCKS, _markers

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
