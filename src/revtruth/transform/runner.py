"""Run the dbt project shipped in this package, in-process, against the configured warehouse.

`run_dbt` is the one door to dbt. It invokes `dbt.cli.main.dbtRunner` (never a subprocess)
with:

- a `profiles.yml` generated from the settings (profile `revtruth`, target `default`),
  written with mode 0600 into a private temporary folder that is deleted afterwards, since
  it may hold warehouse credentials; its content is never logged;
- `--target-path` and `--log-path` in a work folder (`.revtruth/dbt/` next to
  revtruth.toml), never inside the package, which may be read-only when installed from a
  wheel; the work folder keeps dbt's artifacts and `dbt.log` for a look after a failure;
- the metric settings as `--vars` (JSON), and tracking switched off three ways
  (`DO_NOT_TRACK=1`, `--no-send-anonymous-usage-stats`, the project's `flags`).

dbt keeps global state and cannot run two invocations at once in one process, so calls
are serialised; the DuckDB warehouse is held with `warehouse_lock` for the duration.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from threading import RLock
from typing import TYPE_CHECKING, Any

import yaml

from revtruth.config import Settings, reveal_table, secret_texts
from revtruth.warehouse import warehouse_lock

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

__all__ = ["PROJECT_DIR", "DbtRunError", "build", "dbt_target", "run_dbt", "work_dir_for"]

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).parent / "dbt_project"
PROFILE_NAME = "revtruth"
TARGET_NAME = "default"
_DUCKDB_THREADS = 2
_SERVER_THREADS = 4
_DEFAULT_SCHEMA = "analytics"  # target schema for server warehouses unless dbt_profile sets one

# dlt credential names that the dbt adapter of the same destination spells differently.
_DBT_CREDENTIAL_NAMES: dict[str, dict[str, str]] = {
    "snowflake": {"host": "account", "username": "user"},
    "postgres": {"username": "user", "database": "dbname"},
    "redshift": {"username": "user", "database": "dbname"},
}
_GCP_TOKEN_URI = "https://oauth2.googleapis.com/token"

_invoke_guard = RLock()


class DbtRunError(RuntimeError):
    """A dbt command did not succeed. `failures` lists (node name, status, message)."""

    def __init__(
        self,
        message: str,
        *,
        command: Sequence[str],
        failures: Sequence[tuple[str, str, str]] = (),
        result: dbtRunnerResult | None = None,
    ) -> None:
        super().__init__(message)
        self.command = list(command)
        self.failures = list(failures)
        self.result = result


def work_dir_for(settings: Settings) -> Path:
    """Where dbt's target/ and logs/ go: `.revtruth/dbt/` next to revtruth.toml (or cwd)."""
    return settings.base_dir / ".revtruth" / "dbt"


def dbt_target(settings: Settings) -> dict[str, Any]:
    """The dbt target (an output of profiles.yml) for the settings, secrets revealed.

    duckdb: the resolved file path and 2 threads. Other destinations: `type` is the
    destination name, `warehouse.credentials` are translated from dlt's names to the
    adapter's (Snowflake `host` -> `account`, BigQuery service-account fields ->
    `keyfile_json`, ...), and `warehouse.dbt_profile` keys are merged last, so they win.
    """
    wh = settings.warehouse
    extra = reveal_table(wh.dbt_profile)
    if wh.is_duckdb:
        return {
            "type": "duckdb",
            "path": str(wh.resolved_path),
            "threads": _DUCKDB_THREADS,
            **extra,
        }
    target: dict[str, Any] = {"type": wh.destination, "threads": _SERVER_THREADS}
    target.update(_translate_credentials(wh.destination, reveal_table(wh.credentials)))
    target.update(extra)
    if "schema" not in target and "dataset" not in target:
        target["schema"] = _DEFAULT_SCHEMA
    return target


def _translate_credentials(destination: str, creds: dict[str, Any]) -> dict[str, Any]:
    if destination == "bigquery":
        out: dict[str, Any] = {}
        if "project_id" in creds:
            out["project"] = creds["project_id"]
        if "private_key" in creds:
            keyfile = {"type": "service_account", "token_uri": _GCP_TOKEN_URI, **creds}
            out.update(method="service-account-json", keyfile_json=keyfile)
        else:
            out["method"] = "oauth"  # application default credentials
        return out
    names = _DBT_CREDENTIAL_NAMES.get(destination, {})
    return {names.get(k, k): v for k, v in creds.items()}


_PROFILE_FOLDER_PREFIX = "revtruth-dbt-profile-"


@contextmanager
def _profiles_dir(settings: Settings) -> Iterator[Path]:
    """A private folder holding profiles.yml, removed afterwards. The file names no secret:
    each credential is an `env_var()` reference, its value put in this process's
    environment only while dbt runs, so a build killed with -9 leaves no password on disk.
    The folder's name carries the process id: folders of processes no longer running
    (killed before they could remove theirs) are removed here."""
    _remove_orphaned_profile_folders()
    target, secrets = _secrets_as_env_vars(
        dbt_target(settings), secret_texts(settings.warehouse.credentials)
    )
    profile = {PROFILE_NAME: {"target": TARGET_NAME, "outputs": {TARGET_NAME: target}}}
    saved = {name: os.environ.get(name) for name in secrets}
    os.environ.update(secrets)
    try:
        with tempfile.TemporaryDirectory(  # mode 0700
            prefix=f"{_PROFILE_FOLDER_PREFIX}{os.getpid()}-"
        ) as folder:
            path = Path(folder) / "profiles.yml"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                yaml.safe_dump(profile, fh, sort_keys=False)
            yield Path(folder)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _secrets_as_env_vars(target: Any, secrets: set[str]) -> tuple[Any, dict[str, str]]:
    """`target` with every text that is a secret replaced by an `env_var()` reference, and
    the environment variables those references read."""
    found: dict[str, str] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        if isinstance(node, str) and node in secrets:
            name = next((n for n, v in found.items() if v == node), None)
            if name is None:
                name = f"DBT_ENV_SECRET_REVTRUTH_{len(found) + 1}"
                found[name] = node
            return "{{ env_var('" + name + "') }}"
        return node

    return walk(target), found


def _remove_orphaned_profile_folders() -> None:
    import shutil

    for folder in Path(tempfile.gettempdir()).glob(f"{_PROFILE_FOLDER_PREFIX}*"):
        pid = folder.name[len(_PROFILE_FOLDER_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or folder.owner() != _user_name():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # alive, another user's


def _user_name() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


@contextmanager
def _no_tracking() -> Iterator[None]:
    saved = os.environ.get("DO_NOT_TRACK")
    os.environ["DO_NOT_TRACK"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("DO_NOT_TRACK", None)
        else:
            os.environ["DO_NOT_TRACK"] = saved


def _dbt_cli() -> Any:
    """Import dbt's CLI module, undoing the root logging handler its import adds.

    Importing dbt imports `snowplow_tracker`, whose module body calls
    `logging.basicConfig()`: that puts a stderr handler on the root logger (so every
    warning prints twice or in the wrong format) and turns the application's own later
    `basicConfig` into a no-op. Handlers added during the import are removed again.
    """
    root = logging.getLogger()
    before = list(root.handlers)
    import dbt.cli.main

    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
    return dbt.cli.main


def _accepted_options(command: Sequence[str]) -> set[str]:
    """The options the dbt subcommand named by `command` takes (e.g. `debug` has no
    --target-path)."""
    group: Any = _dbt_cli().cli
    for word in command:
        sub = getattr(group, "commands", {}).get(word)
        if sub is None:
            break
        group = sub
    return {opt for param in getattr(group, "params", []) for opt in getattr(param, "opts", [])}


def run_dbt(
    settings: Settings,
    command: list[str],
    *,
    quiet: bool = True,
    project_dir: Path | None = None,
    work_dir: Path | None = None,
) -> dbtRunnerResult:
    """Run one dbt command (`["build", "--select", "x"]`) and return dbt's result.

    Raises `DbtRunError` with a one-line summary when it does not succeed. `project_dir`
    (default: the packaged project) and `work_dir` (default: `work_dir_for(settings)`) are
    for tests and tools; the `revtruth` profile is always generated from `settings`.
    """
    dbt_runner = _dbt_cli().dbtRunner
    project = Path(project_dir or PROJECT_DIR)
    work = Path(work_dir or work_dir_for(settings))
    (work / "logs").mkdir(parents=True, exist_ok=True)
    if settings.warehouse.is_duckdb:
        settings.warehouse.resolved_path.parent.mkdir(parents=True, exist_ok=True)

    accepted = _accepted_options(command)
    with _invoke_guard, warehouse_lock(settings), _no_tracking(), _profiles_dir(settings) as prof:
        args = [*command]
        options: list[tuple[str, str | None]] = [
            ("--project-dir", str(project)),
            ("--profiles-dir", str(prof)),
            ("--profile", PROFILE_NAME),
            ("--target", TARGET_NAME),
            ("--target-path", str(work / "target")),
            ("--log-path", str(work / "logs")),
            ("--vars", json.dumps(settings.as_dbt_vars())),
            ("--no-send-anonymous-usage-stats", None),
        ]
        if quiet:
            options.append(("--quiet", None))
        if not getattr(sys.stdout, "isatty", lambda: False)():
            options.append(("--no-use-colors", None))
        for option, value in options:
            name = option.replace("--no-", "--") if option.startswith("--no-") else option
            if name in accepted or option in accepted:
                args += [option] if value is None else [option, value]
        log.debug("dbt %s (project %s, work %s)", " ".join(command), project, work)
        try:
            result = dbt_runner().invoke(args)
        finally:
            _close_duckdb_environment()

    if not result.success:
        raise _error(command, result, work / "logs" / "dbt.log")
    return result


def build(
    settings: Settings, select: str | None = None, *, unit_tests: bool = False, **kwargs: Any
) -> dbtRunnerResult:
    """`dbt build` (seeds, models, snapshots and data tests in DAG order), optionally
    `--select`. dbt unit tests check revtruth's own SQL on fixed inputs and fixed settings;
    they belong to revtruth's test suite, not to every user's build (`unit_tests=True` runs
    them too).

    A selection builds the tests whose every parent is selected (`cautious`): a test that
    joins a selected model to one left out (a relationship to another system's mart)
    would otherwise run against a relation this build never made."""
    command = ["build"]
    if select:
        command += ["--select", select, "--indirect-selection", "cautious"]
    if not unit_tests:
        command += ["--exclude-resource-type", "unit_test"]
    return run_dbt(settings, command, **kwargs)


def _close_duckdb_environment() -> None:
    """Close the DuckDB database dbt-duckdb leaves open in this process after a run.

    dbt-duckdb keeps its database in a class attribute after `invoke` returns, so this
    process could not open the file again with another configuration (read_only, as
    reports do) and other processes would find it locked.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            try:
                env.close()
            finally:
                DuckDBConnectionManager.close_all_connections()


def _summary(text: Any) -> str:
    """The gist of a dbt error: its first two lines ("Runtime Error in model x (path)" says
    where, the next says what), on one line."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    if len(lines) >= 2 and re.match(r"^[\w ]*Error in ", lines[0]):
        return f"{lines[0]}: {lines[1]}"
    return lines[0] if lines else ""


def _error(command: Sequence[str], result: dbtRunnerResult, log_file: Path) -> DbtRunError:
    what = f"dbt {' '.join(command[:1])}"
    if result.exception is not None:
        message = _summary(result.exception) or type(result.exception).__name__
        return DbtRunError(
            f"{what} failed: {message} (details in {log_file})", command=command, result=result
        )
    failures: list[tuple[str, str, str]] = []
    for node_result in getattr(result.result, "results", None) or []:
        status = str(getattr(node_result.status, "value", node_result.status))
        if status not in ("error", "fail", "runtime error"):
            continue
        node = node_result.node
        name = f"{getattr(node, 'resource_type', 'node')} {getattr(node, 'name', '?')}"
        message = node_result.message
        failures.append((name, status, _summary(message)))
    if not failures:
        return DbtRunError(
            f"{what} did not succeed (details in {log_file})", command=command, result=result
        )
    listed = ", ".join(f"{name} ({status})" for name, status, _ in failures[:5])
    if len(failures) > 5:
        listed += f" and {len(failures) - 5} more"
    first = next((msg for _, _, msg in failures if msg), "")
    return DbtRunError(
        f"{what} failed: {listed}"
        + (f"; first error: {first}" if first else "")
        + f" (details in {log_file})",
        command=command,
        failures=failures,
        result=result,
    )
