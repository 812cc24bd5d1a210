"""The Typer applications the commands hang on, and what every command shares: the consoles,
exit codes, options, and the helpers that print money and fail with one clear line."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

app = typer.Typer(
    help="revtruth: one trustworthy answer to 'where does the money live?'",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
report_app = typer.Typer(help="Reports read from the marts.", no_args_is_help=True)
simulate_app = typer.Typer(help="The simulated company (test and demo data).", no_args_is_help=True)
identity_app = typer.Typer(
    help="Who is who: why records are one company, and the pairs waiting for a person.",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")
app.add_typer(identity_app, name="identity")
app.add_typer(simulate_app, name="simulate")

console = Console()
err = Console(stderr=True)

# Exit codes: 0 success; 1 failure; 3 finished, but records were quarantined; 4 a report
# under --strict whose marts may be wrong (a later build failed, a source is too old).
EXIT_FAILED = 1
EXIT_QUARANTINED = 3
EXIT_STALE = 4

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="revtruth.toml to use (default: ./revtruth.toml if present)."
    ),
]


# Options shared by the commands that generate a simulated company.
SizeOption = Annotated[str, typer.Option(help="small (≈200 companies), medium or large.")]
SeedOption = Annotated[int, typer.Option(help="Random seed: the same seed gives the same company.")]
TodayOption = Annotated[
    str | None, typer.Option(help="Last day of the simulated history (default: today, UTC).")
]


class IdentityNoise(StrEnum):
    """How hard identity is in a generated company (revtruth.simulate.company.levels)."""

    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    no_keys = "no_keys"


NoiseOption = Annotated[
    IdentityNoise,
    typer.Option(
        help=(
            "How hard it is to tell who is who: none (every system stores the others' ids, "
            "exact names), low (some stored ids, light name noise), medium (no tenant "
            "stores its billing id; messier names and emails), high (few stored ids; "
            "duplicate CRM accounts, second billing customers, look-alike companies, "
            "agencies) or no_keys (high's mess at its strongest, no stored id at all)."
        )
    ),
]
LegacyOption = Annotated[bool, typer.Option(help="Serve Stripe objects in pre-2023 API shapes.")]
ScenarioOption = Annotated[
    Path | None,
    typer.Option(help="Serve exactly the company a scenario YAML file describes (see README)."),
]
ProductDbOption = Annotated[
    str | None,
    typer.Option(
        help="Load the product tables into this database (a postgresql:// or mysql:// URL, "
        "as --product-db says) instead of a private server."
    ),
]


class ProductDbEngine(StrEnum):
    """Which database the simulated product data lives in."""

    postgres = "postgres"
    mysql = "mysql"
    mongodb = "mongodb"


ProductDbEngineOption = Annotated[
    ProductDbEngine,
    typer.Option(
        "--product-db",
        help="The product database: postgres (pgserver's PostgreSQL), mysql (the "
        "distribution's MariaDB, which must be installed) or mongodb (revtruth's MongoDB "
        "wire-protocol simulator).",
    ),
]


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def write_rows(
    rows: list[dict[str, Any]], format: Format, columns: Sequence[str] | None = None
) -> None:
    """Rows to stdout as CSV (with `columns`, else the first row's) or JSON, for scripts."""
    if format is Format.json:
        sys.stdout.write(json.dumps(rows, default=str, indent=2) + "\n")
        return
    buffer = io.StringIO()
    columns = list(columns or (rows[0] if rows else []))
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    sys.stdout.write(buffer.getvalue())


def fail(what: str, todo: str) -> typer.Exit:
    from revtruth.config import redact

    # a password written in a URL is blotted out even where no settings are at hand
    err.print(f"[bold red]error:[/] {redact(what)} — {todo}")
    return typer.Exit(EXIT_FAILED)


def load_cli_settings(config: Path | None):
    from revtruth.config import ConfigError, load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        raise fail(str(exc), "fix revtruth.toml or the REVTRUTH_* variable it names") from None


@contextmanager
def steps(labels: dict[str, str]):
    """A spinner per step; `advance(name)` marks the previous step done and starts `name`."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:
        current: dict[str, Any] = {}

        def advance(name: str) -> None:
            if current:
                progress.update(current["task"], completed=1, total=1)
            current["task"] = progress.add_task(labels.get(name, name), total=None)

        yield advance
        if current:
            progress.update(current["task"], completed=1, total=1)


def money(value: Decimal | float | int | None, currency: str = "usd") -> str:
    amount = Decimal(value or 0).quantize(Decimal("0.01"))
    sign, amount = ("−", -amount) if amount < 0 else ("", amount)
    symbol = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}.get(currency.lower(), "")
    return f"{sign}{symbol}{amount:,}" if symbol else f"{sign}{amount:,} {currency.upper()}"


def parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--today {text!r} is not a date", "write it as YYYY-MM-DD") from None
