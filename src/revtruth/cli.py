"""The `revtruth` command line. Commands parse options, call the library and render."""

from __future__ import annotations

import csv
import io
import json
import sys
import warnings
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from revtruth import __version__

# pgserver's platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI): harmless.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

app = typer.Typer(
    help="revtruth: one trustworthy answer to 'where does the money live?'",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
report_app = typer.Typer(help="Reports read from the marts.", no_args_is_help=True)
simulate_app = typer.Typer(help="The simulated company (test and demo data).", no_args_is_help=True)
app.add_typer(report_app, name="report")
app.add_typer(simulate_app, name="simulate")

console = Console()
err = Console(stderr=True)

# Exit codes: 0 success; 1 failure; 3 finished, but records were quarantined.
EXIT_FAILED = 1
EXIT_QUARANTINED = 3

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
NoiseOption = Annotated[
    float, typer.Option(help="Share of tenants that lose their stored billing id (0–1).")
]
LegacyOption = Annotated[bool, typer.Option(help="Serve Stripe objects in pre-2023 API shapes.")]
ScenarioOption = Annotated[
    Path | None,
    typer.Option(help="Serve exactly the company a scenario YAML file describes (see README)."),
]
ProductDbOption = Annotated[
    str | None,
    typer.Option(help="Load the product tables into this PostgreSQL instead of pgserver."),
]


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _fail(what: str, todo: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {what} — {todo}")
    return typer.Exit(EXIT_FAILED)


def _settings(config: Path | None):
    from revtruth.config import ConfigError, load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        raise _fail(str(exc), "fix revtruth.toml or the REVTRUTH_* variable it names") from None


@contextmanager
def _steps(labels: dict[str, str]):
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


def _money(value: Decimal | float | int | None, currency: str = "usd") -> str:
    amount = Decimal(value or 0).quantize(Decimal("0.01"))
    sign, amount = ("−", -amount) if amount < 0 else ("", amount)
    symbol = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}.get(currency.lower(), "")
    return f"{sign}{symbol}{amount:,}" if symbol else f"{sign}{amount:,} {currency.upper()}"


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        console.print(f"revtruth {__version__}")
        raise typer.Exit()


# ----------------------------------------------------------------------------- demo


@app.command()
def demo(
    size: SizeOption = "small",
    seed: SeedOption = 42,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to leave revtruth.duckdb and ground_truth.json.")
    ] = Path("revtruth-demo"),
    today: TodayOption = None,
    identity_noise: NoiseOption = 0.0,
    legacy_shapes: LegacyOption = False,
    product_db_url: ProductDbOption = None,
    scenario: ScenarioOption = None,
) -> None:
    """Generate a simulated company, serve it, sync it, build the marts and print the report."""
    from revtruth.demo import DemoError, run_demo
    from revtruth.transform import DbtRunError

    labels = {
        "generate": "Generating the simulated company",
        "serve": "Starting the simulated systems on 127.0.0.1",
        "sync": "Syncing billing, CRM and product data (dlt)",
        "build": "Building staging, identity and marts (dbt)",
    }
    try:
        with _steps(labels) as advance:
            result = run_demo(
                directory,
                size=size,
                seed=seed,
                today=_parse_date(today),
                identity_noise=identity_noise,
                legacy_shapes=legacy_shapes,
                product_db_url=product_db_url,
                scenario=scenario,
                on_step=advance,
            )
    except (DemoError, DbtRunError, ValueError, FileNotFoundError) as exc:
        raise _fail(str(exc), "re-run with the same options; report a bug if it persists") from None
    _print_sync_summary(result.sync_summary)
    _print_overview(result.settings)
    console.print(
        f"\nWarehouse: [bold]{result.warehouse_path}[/]   Ground truth: {result.ground_truth_path}",
        soft_wrap=True,
    )
    console.print(
        "Query it:  python -c \"import duckdb; duckdb.connect('"
        f"{result.warehouse_path}', read_only=True).sql('from analytics.account_health').show()\"",
        soft_wrap=True,
        highlight=False,
    )


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"--today {text!r} is not a date", "write it as YYYY-MM-DD") from None


# ----------------------------------------------------------------------------- sync / build


@app.command("sync")
def sync_command(
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="stripe, salesforce, product_db (default: all enabled)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Copy billing, CRM and product data into the warehouse's raw_* schemas."""
    from revtruth.sync import SyncError, enabled_systems, sync

    settings = _settings(config)
    try:
        systems = enabled_systems(settings, sources)
        with _steps({s: f"Syncing {s}" for s in systems}) as advance:
            summary = sync(
                settings, systems, on_progress=lambda s, stage: stage == "extracting" and advance(s)
            )
    except SyncError as exc:
        raise _fail(str(exc), "see `revtruth init` for the settings") from None
    _print_sync_summary(summary)
    if summary.failed:
        for result in summary.failed[:-1]:
            err.print(f"[bold red]error:[/] sync of {result.system} failed: {result.error}")
        last = summary.failed[-1]
        raise _fail(
            f"sync of {last.system} failed: {last.error}",
            "fix it and run `revtruth sync` again (what loaded is kept)",
        )
    if summary.quarantined:
        err.print(
            f"[yellow]{summary.quarantined} record(s) quarantined[/] — see the "
            "_revtruth_quarantine table of each raw schema for the reasons"
        )
        raise typer.Exit(EXIT_QUARANTINED)


def _print_sync_summary(summary) -> None:
    table = Table(title="Sync", title_justify="left")
    for column in ("source", "rows", "tables", "quarantined", "seconds", "status"):
        table.add_column(
            column,
            justify="right" if column in ("rows", "tables", "quarantined", "seconds") else "left",
        )
    for r in summary.results:
        table.add_row(
            r.system,
            f"{r.rows:,}",
            str(len([t for t in r.rows_by_table if not t.startswith("_")])),
            str(r.quarantined),
            f"{r.seconds:.1f}",
            "[red]failed[/]" if r.error else "ok",
        )
    console.print(table)


@app.command()
def build(
    select: Annotated[
        str | None, typer.Option(help="dbt selector, e.g. 'marts' or '+account_health'.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Run the dbt project: staging, identity, marts, and their tests."""
    from revtruth.transform import DbtRunError
    from revtruth.transform import build as run_build

    settings = _settings(config)
    try:
        with _steps({"build": "Building with dbt"}) as advance:
            advance("build")
            run_build(settings, select=select)
    except DbtRunError as exc:
        raise _fail(
            str(exc), "fix the model or data it names, then run `revtruth build` again"
        ) from None
    console.print("Build finished: every model built and every test passed.")


# ----------------------------------------------------------------------------- reports


def _connect(settings):
    from revtruth.warehouse import WarehouseError, connect_readonly

    try:
        return connect_readonly(settings)
    except WarehouseError as exc:
        raise _fail(str(exc), "create the warehouse first") from None


def _print_overview(settings) -> None:
    from revtruth.reports import read_overview, read_zombies

    connection = _connect(settings)
    currency = settings.metrics.reporting_currency
    overview = read_overview(connection, currency)
    counts = Table(title="How many active customers do we have?", title_justify="left")
    counts.add_column("asked of")
    counts.add_column("answer", justify="right")
    counts.add_column("because it counts")
    counts.add_row(
        "billing (Stripe)", str(overview.billing_active_customers), overview.billing_rule
    )
    counts.add_row("CRM (Salesforce)", str(overview.crm_active_customers), overview.crm_rule)
    counts.add_row(
        "product (database)", str(overview.product_active_customers), overview.product_rule
    )
    console.print(counts)
    console.print(
        f"MRR [bold]{_money(overview.mrr, currency)}[/]"
        f"   ARR [bold]{_money(overview.arr, currency)}[/]"
        f"   paying companies {overview.paying_companies}"
        f"   zombies {overview.zombie_companies} ({_money(overview.zombie_mrr, currency)} MRR)"
    )
    zombies = read_zombies(connection, limit=10)
    _render_zombies(
        zombies, Format.table, currency, title="Top zombies by MRR (paying, nobody uses it)"
    )


@report_app.command("zombies")
def report_zombies(
    format: Annotated[
        Format, typer.Option("--format", "-f", help="table, csv or json.")
    ] = Format.table,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
    config: ConfigOption = None,
) -> None:
    """Paying companies with no active user in the zombie window, largest MRR first."""
    from revtruth.reports import read_zombies

    settings = _settings(config)
    rows = read_zombies(_connect(settings), limit=limit)
    _render_zombies(rows, format, settings.metrics.reporting_currency, title="Zombie accounts")


@report_app.command("overview")
def report_overview(config: ConfigOption = None) -> None:
    """The three customer counts side by side, MRR, ARR and the top zombies."""
    _print_overview(_settings(config))


@report_app.command("metrics")
def report_metrics(
    months: Annotated[int, typer.Option(help="How many months, newest last.")] = 12,
    config: ConfigOption = None,
) -> None:
    """The MRR bridge month by month (start, each movement, fx, end) and retention."""
    from revtruth.reports.metrics import read_bridge

    settings = _settings(config)
    currency = settings.metrics.reporting_currency
    rows = read_bridge(_connect(settings), months)
    bridge = Table(title=f"MRR bridge ({currency.upper()})", title_justify="left")
    for column in (
        "month",
        "start",
        "new",
        "expansion",
        "contraction",
        "churn",
        "reactivation",
        "fx",
        "end",
        "adds up",
    ):
        bridge.add_column(column, justify="left" if column in ("month", "adds up") else "right")
    for r in rows:
        bridge.add_row(
            r.month.strftime("%Y-%m"),
            *(
                _money(v, currency)
                for v in (
                    r.starting_mrr_amount,
                    r.new_mrr_amount,
                    r.expansion_mrr_amount,
                    r.contraction_mrr_amount,
                    r.churned_mrr_amount,
                    r.reactivation_mrr_amount,
                    r.fx_amount,
                    r.mrr_amount,
                )
            ),
            "yes" if r.adds_up else "[red]NO[/]",
        )
    console.print(bridge)
    retention = Table(title="Retention and churn", title_justify="left")
    for column in (
        "month",
        "customers",
        "ARPA",
        "NRR 12m",
        "GRR 12m",
        "logo churn",
        "gross MRR churn",
        "net MRR churn",
    ):
        retention.add_column(column, justify="left" if column == "month" else "right")
    for r in rows:
        retention.add_row(
            r.month.strftime("%Y-%m"),
            str(r.customers),
            _money(r.arpa_amount, currency) if r.arpa_amount is not None else "—",
            *(
                _percent(v)
                for v in (
                    r.nrr_12m,
                    r.grr_12m,
                    r.logo_churn_rate,
                    r.gross_mrr_churn_rate,
                    r.net_mrr_churn_rate,
                )
            ),
        )
    console.print(retention)
    if rows and not all(r.adds_up for r in rows):
        raise _fail("the bridge does not add up for some month", "report this as a bug")


@report_app.command("mrr")
def report_mrr(
    customer: Annotated[str, typer.Option("--customer", help="Stripe customer id (cus_…).")],
    config: ConfigOption = None,
) -> None:
    """One customer's MRR history, each movement, the invoices and the events behind it."""
    from revtruth.reports.metrics import read_customer_events, read_customer_history

    settings = _settings(config)
    currency = settings.metrics.reporting_currency
    connection = _connect(settings)
    rows = read_customer_history(connection, customer)
    if not rows:
        raise _fail(
            f"no MRR history for customer {customer}",
            "check the id (cus_…) with `revtruth report zombies`",
        )
    table = Table(title=f"MRR history of {customer}", title_justify="left")
    for column in ("month", "MRR", "native", "movement", "amount", "explained by"):
        table.add_column(column, justify="right" if column in ("MRR", "amount") else "left")
    for row in rows:
        native = (
            "mixed"
            if row["mrr_native"] is None
            else f"{Decimal(row['mrr_native']):,.2f} {row['currency'].upper()}"
        )
        table.add_row(
            row["month"].strftime("%Y-%m"),
            _money(row["mrr"], currency),
            native,
            row["movement"] or "",
            _money(row["movement_amount"], currency) if row["movement"] else "",
            row["explained_by"] or "",
        )
    console.print(table)
    events = read_customer_events(connection, customer)
    if events:
        listing = Table(title="Stripe events (Stripe keeps them 30 days)", title_justify="left")
        for column in ("when", "event", "object"):
            listing.add_column(column)
        for event in events:
            listing.add_row(
                event["created_at"].strftime("%Y-%m-%d %H:%M"),
                event["event_type"],
                event["object_id"] or "",
            )
        console.print(listing)


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def _render_zombies(rows: list[dict[str, Any]], format: Format, currency: str, title: str) -> None:
    from revtruth.reports import ZOMBIE_COLUMNS

    if format is Format.json:
        sys.stdout.write(json.dumps(rows, default=str, indent=2) + "\n")
        return
    if format is Format.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=ZOMBIE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=title, title_justify="left")
    for column in ("company", "MRR", "ARR", "last activity", "Stripe customer", "CRM owner"):
        table.add_column(column, justify="right" if column in ("MRR", "ARR") else "left")
    for row in rows:
        last = row["last_activity_at"]
        table.add_row(
            row["company_name"],
            _money(row["mrr_amount"], currency),
            _money(row["arr_amount"], currency),
            last.date().isoformat() if last else "never",
            row["stripe_customer_id"] or "—",
            row["crm_owner_name"] or "—",
        )
    console.print(table)


# ----------------------------------------------------------------------------- init


@app.command()
def init(
    path: Annotated[Path, typer.Option(help="Where to write the template.")] = Path(
        "revtruth.toml"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented revtruth.toml with every setting and its default."""
    from revtruth.config import render_template

    if path.exists() and not force:
        raise _fail(f"{path} already exists", "pass --force to overwrite it")
    path.write_text(render_template())
    console.print(
        f"Wrote {path}. Secrets go in the environment or .revtruth/secrets.toml, never in it."
    )


# ----------------------------------------------------------------------------- simulate

SimDirOption = Annotated[Path, typer.Option("--dir", help="Where to write ground_truth.json.")]


def _generate_with_truth(
    size: str, seed: int, directory: Path, today: str | None, noise: float, scenario: Path | None
):
    """Generate the simulated company (or load a scenario) and write its ground truth."""
    from revtruth.simulate import generate, load_scenario, write_ground_truth

    try:
        if scenario is not None:
            plan = load_scenario(scenario, today=_parse_date(today))
        else:
            plan = generate(seed=seed, size=size, today=_parse_date(today), identity_noise=noise)
    except (ValueError, FileNotFoundError) as exc:
        raise _fail(str(exc), "see `revtruth simulate --help`") from None
    directory.mkdir(parents=True, exist_ok=True)
    return plan, write_ground_truth(plan, directory)


@simulate_app.command("serve")
def simulate_serve(
    size: SizeOption = "small",
    seed: SeedOption = 42,
    directory: SimDirOption = Path("revtruth-sim"),
    today: TodayOption = None,
    identity_noise: NoiseOption = 0.0,
    legacy_shapes: LegacyOption = False,
    product_db_url: ProductDbOption = None,
    scenario: ScenarioOption = None,
    stripe_port: Annotated[
        int, typer.Option(help="Port for the Stripe simulator (0: any free).")
    ] = 0,
    salesforce_port: Annotated[
        int, typer.Option(help="Port for the Salesforce simulator (0: any free).")
    ] = 0,
) -> None:
    """Start the simulated Stripe, Salesforce and PostgreSQL and print how to reach them."""
    import time

    from revtruth.simulate import running_company

    plan, truth = _generate_with_truth(size, seed, directory, today, identity_noise, scenario)
    with running_company(
        plan,
        product_db_url=product_db_url,
        legacy_shapes=legacy_shapes,
        stripe_port=stripe_port,
        salesforce_port=salesforce_port,
    ) as company:
        console.print(f"Simulated company (seed {seed}, {size}) is up; ground truth in {truth}.")
        console.print(
            "These are throwaway simulator credentials. Export them and run `revtruth sync`:\n"
        )
        for name, value in company.environment().items():
            console.print(f"export {name}='{value}'", highlight=False, soft_wrap=True)
        console.print("\nPress Ctrl+C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("Stopping.")


@simulate_app.command("generate")
def simulate_generate(
    size: SizeOption = "small",
    seed: SeedOption = 42,
    directory: SimDirOption = Path("revtruth-sim"),
    today: TodayOption = None,
    identity_noise: NoiseOption = 0.0,
    scenario: ScenarioOption = None,
) -> None:
    """Generate a simulated company and write its ground_truth.json (no servers)."""
    plan, path = _generate_with_truth(size, seed, directory, today, identity_noise, scenario)
    console.print(
        f"{len(plan.companies)} companies, {len(plan.billing.customers)} Stripe customers, "
        f"{len(plan.crm.accounts)} Salesforce accounts, {len(plan.product_db.tenants)} tenants, "
        f"{len(plan.product_db.activity):,} activity rows; ground truth in {path}"
    )
