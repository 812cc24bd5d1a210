"""Reading the settings: `revtruth.toml`, then a secrets file, then environment variables.

Precedence, lowest first: built-in defaults < `revtruth.toml` < secrets file < environment.

- `revtruth.toml`: the path given to `load_settings`, else `./revtruth.toml` if present.
- secrets file: `$REVTRUTH_SECRETS_FILE`, else `.revtruth/secrets.toml` next to the config
  file (next to the current directory when there is no config file). Same layout as
  `revtruth.toml`.
- environment: key `section.sub.key` is overridden by `REVTRUTH_SECTION__SUB__KEY` (upper
  case, `__` between levels). Values are read as TOML values when they parse as one
  (`30`, `true`, `["Account", "User"]`, `"text"`), else taken as plain strings.

Secrets are never taken from the command line and are wrapped in `Secret`, whose repr is
masked, so printing a settings object never shows one.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from revtruth.config.settings import (
    ENV_PREFIX,
    Secret,
    Settings,
    Table,
    WarehouseSettings,
    documented_keys,
    env_var_name,
    fields_of,
    is_section,
    secret_keys,
)

CONFIG_FILENAME = "revtruth.toml"
SECRETS_FILE_ENV = "REVTRUTH_SECRETS_FILE"
DEFAULT_SECRETS_RELPATH = Path(".revtruth") / "secrets.toml"


class ConfigError(ValueError):
    """The configuration cannot be used as written; the message says where and why."""


class ConfigWarning(UserWarning):
    """The configuration works but should be changed (e.g. a secret in revtruth.toml)."""


# ------------------------------------------------------------------------------ loading


@dataclass
class _Layer:
    values: dict[str, Any]  # dotted key (or dotted table key) -> raw value
    origin: dict[str, str]  # dotted key -> where it came from, for error messages


def load_settings(
    config_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    base_dir: Path | None = None,
    discover_files: bool = True,
) -> Settings:
    """Read the settings. `env` defaults to `os.environ` (pass a dict in tests).

    `discover_files=False` reads neither ./revtruth.toml nor the default secrets file (the
    demo must never pick up a user's real credentials); `base_dir` replaces the working
    directory as the folder relative paths and `.revtruth/` resolve against."""
    env = os.environ if env is None else env
    cwd = Path(base_dir).resolve() if base_dir is not None else Path.cwd()
    if config_path is None and discover_files and (cwd / CONFIG_FILENAME).is_file():
        config_path = cwd / CONFIG_FILENAME
    if config_path is not None:
        config_path = Path(config_path).expanduser().resolve()
        if not config_path.is_file():
            raise ConfigError(f"config file not found: {config_path}")
        base_dir = config_path.parent
    else:
        base_dir = cwd

    layers: list[_Layer] = []
    if config_path is not None:
        file_layer = _read_toml_layer(config_path)
        _warn_secrets_in_config(file_layer, config_path)
        layers.append(file_layer)

    secrets_path: Path | None = None
    if env.get(SECRETS_FILE_ENV):
        secrets_path = Path(env[SECRETS_FILE_ENV]).expanduser().resolve()
        if not secrets_path.is_file():
            raise ConfigError(
                f"{SECRETS_FILE_ENV} names a file that does not exist: {secrets_path}"
            )
    elif discover_files and (base_dir / DEFAULT_SECRETS_RELPATH).is_file():
        secrets_path = base_dir / DEFAULT_SECRETS_RELPATH
    if secrets_path is not None:
        layers.append(_read_toml_layer(secrets_path))

    layers.append(_env_layer(env))

    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for layer in layers:
        for key, value in layer.values.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = _deep_merge(merged[key], value)
            else:
                merged[key] = value
            origin[key] = layer.origin[key]

    settings = _build(Settings, merged, origin, "", base_dir)
    return dataclasses.replace(
        settings, config_path=config_path, secrets_path=secrets_path, base_dir=base_dir
    )


def _deep_merge(low: dict[str, Any], high: dict[str, Any]) -> dict[str, Any]:
    out = dict(low)
    for k, v in high.items():
        out[k] = (
            _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        )
    return out


def _lookup(parts: list[str]) -> tuple[str, dataclasses.Field, Any, list[str]] | None:
    """Resolve key parts to (dotted key, field, type, parts inside a free table)."""
    cls: Any = Settings
    for i, part in enumerate(parts):
        match = {f.name: (f, tp) for f, tp in fields_of(cls)}.get(part)
        if match is None:
            return None
        f, tp = match
        if is_section(tp):
            cls = tp
            continue
        rest = parts[i + 1 :]
        if rest and not f.metadata.get("table"):
            return None
        return ".".join(parts[: i + 1]), f, tp, rest
    return None  # the parts name a section, not a key


def _suggest_variable(name: str) -> str:
    variables = [env_var_name(key) for key in documented_keys()] + [SECRETS_FILE_ENV]
    close = difflib.get_close_matches(name, variables, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def _suggest(parts: list[str]) -> str:
    close = difflib.get_close_matches(".".join(parts), documented_keys(), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _read_toml_layer(path: Path) -> _Layer:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    layer = _Layer({}, {})

    def walk(node: dict[str, Any], parts: list[str]) -> None:
        for name, value in node.items():
            here = [*parts, name]
            found = _lookup(here)
            if found is None and _is_section_path(here):
                if not isinstance(value, dict):
                    raise ConfigError(
                        f"{path}: '{'.'.join(here)}' must be a table ([{'.'.join(here)}])"
                    )
                walk(value, here)
                continue
            if found is None:
                what = "section" if isinstance(value, dict) else "key"
                raise ConfigError(f"{path}: unknown {what} '{'.'.join(here)}'{_suggest(here)}")
            key, _f, _tp, rest = found
            if rest:  # cannot happen: tables are reached by their own name first
                raise ConfigError(f"{path}: unexpected key '{'.'.join(here)}'")
            layer.values[key] = value
            layer.origin[key] = str(path)

    walk(data, [])
    return layer


def _is_section_path(parts: list[str]) -> bool:
    cls: Any = Settings
    for part in parts:
        tp = {f.name: tp for f, tp in fields_of(cls)}.get(part)
        if tp is None or not is_section(tp):
            return False
        cls = tp
    return True


def _warn_secrets_in_config(layer: _Layer, path: Path) -> None:
    found = []
    for key in secret_keys():
        value = layer.values.get(key)
        if value not in (None, "", {}):
            found.append(key)
    if found:
        names = ", ".join(f"{k} ({env_var_name(k)}{_table_suffix(k)})" for k in found)
        warnings.warn(
            f"{path} holds secrets: {names}. Move them to environment variables or to "
            f"{path.parent / DEFAULT_SECRETS_RELPATH}, and keep revtruth.toml free of secrets.",
            ConfigWarning,
            stacklevel=3,
        )


def _table_suffix(key: str) -> str:
    return "__<KEY>" if key in ("warehouse.credentials", "warehouse.dbt_profile") else ""


def _parse_env_value(raw: str) -> Any:
    try:
        parsed = tomllib.loads(f"value = {raw}")
    except tomllib.TOMLDecodeError:
        return raw
    if set(parsed) != {"value"}:
        return raw
    return parsed["value"]


def _env_layer(env: Mapping[str, str]) -> _Layer:
    layer = _Layer({}, {})
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or name == SECRETS_FILE_ENV:
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        found = _lookup(parts) if "__" in name and all(parts) else None
        if found is None:
            # a misspelled variable left alone would quietly leave the setting at its
            # default (REVTRUTH_WAREHOUSE_PATH for REVTRUTH_WAREHOUSE__PATH)
            raise ConfigError(
                f"environment variable {name} names no setting{_suggest_variable(name)}; "
                f"revtruth's variables are REVTRUTH_<SECTION>__<KEY> (and {SECRETS_FILE_ENV})"
            )
        key, f, tp, rest = found
        parsed = _parse_env_value(env[name])
        if not rest and (tp is str or f.metadata.get("secret")) and not f.metadata.get("table"):
            # string settings take the text as written unless it is a quoted TOML string
            # ("59.0" stays "59.0", 2024-01-31 stays a string, "\"x\"" becomes x)
            value: Any = parsed if isinstance(parsed, str) else env[name]
        else:
            value = parsed
        if rest:
            nested: Any = value
            for part in reversed(rest):
                nested = {part: nested}
            earlier = layer.values.get(key)
            value = _deep_merge(earlier if isinstance(earlier, dict) else {}, nested)
        layer.values[key] = value
        layer.origin[key] = f"environment variable {name}" if not rest else "environment"
    return layer


# ----------------------------------------------------------------------------- building


def _describe(tp: Any) -> str:
    return {
        bool: "true or false",
        int: "an integer",
        float: "a number",
        str: "a string",
        tuple[str, ...]: "a list of strings",
    }.get(tp, "a table")


def _bad(key: str, origin: str, expected: str, value: Any, secret: bool) -> ConfigError:
    shown = "<hidden>" if secret else repr(value)
    return ConfigError(f"{origin}: '{key}' must be {expected}, got {shown}")


def _build(
    cls: type, merged: dict[str, Any], origin: dict[str, str], prefix: str, base_dir: Path
) -> Any:
    kwargs: dict[str, Any] = {}
    for f, tp in fields_of(cls):
        key = f"{prefix}{f.name}"
        if is_section(tp):
            kwargs[f.name] = _build(tp, merged, origin, key + ".", base_dir)
            continue
        if key not in merged:
            continue
        kwargs[f.name] = _convert(key, f, tp, merged[key], origin[key], base_dir)
    if cls is WarehouseSettings:
        path = Path(kwargs.get("path", WarehouseSettings.path)).expanduser()
        kwargs["resolved_path"] = path if path.is_absolute() else (base_dir / path).resolve()
    return cls(**kwargs)


def _convert(
    key: str, f: dataclasses.Field, tp: Any, value: Any, origin: str, base_dir: Path
) -> Any:
    secret = bool(f.metadata.get("secret"))
    if f.metadata.get("table"):
        if not isinstance(value, dict):
            raise _bad(key, origin, "a table of keys", value, secret)
        return _freeze_table(value, secret)
    if secret:
        if not isinstance(value, str):
            raise _bad(key, origin, "a string", value, secret)
        return Secret(value) if value else None
    if f.metadata.get("date") and isinstance(value, date) and not isinstance(value, datetime):
        value = value.isoformat()
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif tp is str:
        ok = isinstance(value, str)
    elif tp == tuple[str, ...]:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if ok:
            value = tuple(value)
    else:  # pragma: no cover - every field type is handled above
        raise TypeError(f"unsupported setting type for {key}: {tp}")
    if not ok:
        raise _bad(key, origin, _describe(tp), value, secret)
    if f.metadata.get("date") and value:
        try:
            date.fromisoformat(value)
            ok = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
        except ValueError:
            ok = False
        if not ok:
            raise _bad(key, origin, 'a date as YYYY-MM-DD, or "" for today (UTC)', value, secret)
    if key == "metrics.reporting_currency":
        value = value.lower()
    if f.metadata.get("path") and value and key != "warehouse.path":
        path = Path(value).expanduser()
        value = str(path if path.is_absolute() else (base_dir / path).resolve())
    check = f.metadata.get("check")
    if check and not check[0](value):
        raise _bad(key, origin, check[1], value, secret)
    return value


def _freeze_table(table: dict[str, Any], secret: bool) -> Mapping[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out[k] = _freeze_table(v, secret)
        elif secret and not isinstance(v, Secret):
            out[k] = Secret(v)
        elif isinstance(v, list):
            out[k] = tuple(v)
        else:
            out[k] = v
    return Table(out)


def reveal_table(table: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict copy of a settings table with every Secret revealed (for dlt/dbt)."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, Mapping):
            out[k] = reveal_table(v)
        elif isinstance(v, Secret):
            out[k] = v.reveal()
        elif isinstance(v, tuple):
            out[k] = list(v)
        else:
            out[k] = v
    return out


# A password in a URL's user part ("postgresql://loader:s3cret@db/x", also misspelled
# "postgres//loader:s3cret@db"), which drivers echo in their errors.
_URL_PASSWORD = re.compile(r"(//[^\s/:@]*:)[^\s@]+(@)")


def redact(text: str, settings: Settings | None = None) -> str:
    """`text` (an error message) with every secret of `settings` and any password written
    in a URL replaced by asterisks: errors are printed and logged, secrets never are."""
    for value in sorted(_secret_values(settings), key=len, reverse=True):
        text = text.replace(value, "********")
    return _URL_PASSWORD.sub(r"\1********\2", text)


def _secret_values(settings: Any) -> set[str]:
    """Every secret setting's text (four characters or more: shorter ones would blot out
    ordinary words)."""
    found: set[str] = set()
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        for f in dataclasses.fields(settings):
            value = getattr(settings, f.name)
            if f.metadata.get("secret"):
                found |= secret_texts(value)
            elif dataclasses.is_dataclass(value):
                found |= _secret_values(value)
    return found


def secret_texts(value: Any) -> set[str]:
    """The texts of a secret setting's value (each of a table's), four characters or more."""
    if isinstance(value, Secret):
        value = value.reveal()
    if isinstance(value, Mapping):
        return set().union(*(secret_texts(v) for v in value.values()))
    text = "" if value is None else str(value)
    return {text} if len(text) >= 4 else set()
