"""Every bad setting, missing file and unreachable or unwritable address a user can give:
one clear error, a non-zero exit, never a Python traceback, never a secret.

Each case is a folder with its own revtruth.toml and environment, and one command run
through the CLI in this process (Typer's runner reports any exception that escaped)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

import pytest
from typer.testing import CliRunner

from revtruth.cli import app

runner = CliRunner()
SECRET = "sk_test_Hostile9Secret7Value"
DB_PASSWORD = "pw-Hostile-42-db"


def _closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: a connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Case:
    command: list[str]
    says: str  # a part of the one error line
    toml: str = ""
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # other files to write, by name


# Every source but the one a case is about is switched off, so the case needs nothing else.
ONLY_STRIPE = {
    "REVTRUTH_SOURCES__SALESFORCE__ENABLED": "false",
    "REVTRUTH_SOURCES__PRODUCT_DB__ENABLED": "false",
}
ONLY_PRODUCT_DB = {
    "REVTRUTH_SOURCES__STRIPE__ENABLED": "false",
    "REVTRUTH_SOURCES__SALESFORCE__ENABLED": "false",
}

CASES = {
    "toml that does not parse": Case(["sync"], "revtruth.toml", toml="[warehouse\npath = 1\n"),
    "unknown key in the toml": Case(["sync"], "pathh", toml='[warehouse]\npathh = "w.duckdb"\n'),
    "a number that is text": Case(
        ["build"], "max_source_age_hours", toml='[warehouse]\nmax_source_age_hours = "soon"\n'
    ),
    "a share out of bounds": Case(
        ["sync"], "api_budget_share", toml="[sources.salesforce]\napi_budget_share = 3\n"
    ),
    "misspelled environment key": Case(
        ["report", "overview"], "REVTRUTH_WAREHOUSE_PATH", env={"REVTRUTH_WAREHOUSE_PATH": "x"}
    ),
    "unknown destination": Case(
        ["build"], "oracle", env={"REVTRUTH_WAREHOUSE__DESTINATION": "oracle"}
    ),
    "missing --config file": Case(["sync", "--config", "nowhere/revtruth.toml"], "nowhere"),
    "secrets file that does not parse": Case(
        ["sync"], "secrets", files={".revtruth/secrets.toml": "[sources.stripe\napi_key = 1"}
    ),
    "warehouse under a regular file (sync)": Case(
        ["sync"], "w.duckdb", env={**ONLY_STRIPE, "REVTRUTH_WAREHOUSE__PATH": "file/w.duckdb",
                                   "REVTRUTH_SOURCES__STRIPE__API_KEY": SECRET},
        files={"file": "not a folder"},
    ),
    "warehouse under a regular file (report)": Case(
        ["report", "zombies"], "w.duckdb", env={"REVTRUTH_WAREHOUSE__PATH": "file/w.duckdb"},
        files={"file": "not a folder"},
    ),
    "warehouse path is a folder": Case(
        ["build"], "w.duckdb", env={"REVTRUTH_WAREHOUSE__PATH": "w.duckdb"},
        files={"w.duckdb/keep": ""},
    ),
    "stripe address that refuses connections": Case(
        ["sync"], "127.0.0.1",
        env={**ONLY_STRIPE, "REVTRUTH_SOURCES__STRIPE__API_KEY": SECRET,
             "REVTRUTH_SOURCES__STRIPE__MAX_NETWORK_RETRIES": "0",
             "REVTRUTH_SOURCES__STRIPE__BASE_URL": "http://127.0.0.1:{port}"},
    ),
    "stripe address that is no URL": Case(
        ["sync"], "stripe",
        env={**ONLY_STRIPE, "REVTRUTH_SOURCES__STRIPE__API_KEY": SECRET,
             "REVTRUTH_SOURCES__STRIPE__MAX_NETWORK_RETRIES": "0",
             "REVTRUTH_SOURCES__STRIPE__BASE_URL": "not a url"},
    ),
    "product database URL without its scheme's colon": Case(
        ["sync"], "product_db",
        env={**ONLY_PRODUCT_DB,
             "REVTRUTH_SOURCES__PRODUCT_DB__URL": f"postgres//app:{DB_PASSWORD}@127.0.0.1/db"},
    ),
    "product database that refuses connections": Case(
        ["sync"], "127.0.0.1",
        env={**ONLY_PRODUCT_DB,
             "REVTRUTH_SOURCES__PRODUCT_DB__URL":
                 f"postgresql://app:{DB_PASSWORD}@127.0.0.1:{{port}}/db"},
    ),
    "mysql product database that refuses connections": Case(
        ["sync"], "127.0.0.1",
        env={**ONLY_PRODUCT_DB,
             "REVTRUTH_SOURCES__PRODUCT_DB__URL":
                 f"mysql://app:{DB_PASSWORD}@127.0.0.1:{{port}}/product"},
    ),
    "product database URL of a kind revtruth does not read": Case(
        ["sync"], "oracle",
        env={**ONLY_PRODUCT_DB,
             "REVTRUTH_SOURCES__PRODUCT_DB__URL": f"oracle://app:{DB_PASSWORD}@127.0.0.1/db"},
    ),
    "mongodb product database that refuses connections": Case(
        ["sync"], "127.0.0.1",
        env={**ONLY_PRODUCT_DB,
             "REVTRUTH_SOURCES__PRODUCT_DB__TIMEOUT_SECONDS": "1",
             "REVTRUTH_SOURCES__PRODUCT_DB__URL":
                 f"mongodb://app:{DB_PASSWORD}@127.0.0.1:{{port}}/product"},
    ),
    "hubspot address that refuses connections": Case(
        ["sync", "hubspot"], "127.0.0.1",
        env={"REVTRUTH_SOURCES__HUBSPOT__ENABLED": "true",
             "REVTRUTH_SOURCES__HUBSPOT__ACCESS_TOKEN": SECRET,
             "REVTRUTH_SOURCES__HUBSPOT__RETRIES": "0",
             "REVTRUTH_SOURCES__HUBSPOT__BASE_URL": "http://127.0.0.1:{port}"},
    ),
    "hubspot enabled without a token": Case(
        ["sync", "hubspot"], "REVTRUTH_SOURCES__HUBSPOT__ACCESS_TOKEN",
        env={"REVTRUTH_SOURCES__HUBSPOT__ENABLED": "true"},
    ),
    "no source enabled": Case(
        ["sync"], "enabled",
        env={**ONLY_STRIPE, "REVTRUTH_SOURCES__STRIPE__ENABLED": "false"},
    ),
    "build before any sync": Case(["build"], "sync"),
    "report before any build": Case(["report", "health"], "revtruth sync"),
    "unknown report option value": Case(["report", "zombies", "--format", "xml"], "xml"),
    "identity review before any build": Case(["identity", "review"], "revtruth sync"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_setting_gets_one_clear_error_and_no_traceback(name, tmp_path, monkeypatch):
    case = CASES[name]
    monkeypatch.chdir(tmp_path)
    for key in [k for k in __import__("os").environ if k.startswith("REVTRUTH_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("REVTRUTH_WAREHOUSE__PATH", "w.duckdb")
    port = str(_closed_port())
    for key, value in case.env.items():
        monkeypatch.setenv(key, value.replace("{port}", port))
    if case.toml:
        (tmp_path / "revtruth.toml").write_text(case.toml, encoding="utf-8")
    for relative, text in case.files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")

    result = runner.invoke(app, case.command)

    said = result.output.replace("\n", "")  # rich wraps long lines at the terminal's width
    assert result.exit_code not in (0, None), said
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__} escaped: {result.exception}"
    )
    assert "Traceback" not in said
    assert case.says in said, said
    assert SECRET not in said and DB_PASSWORD not in said
