"""The commands that move data: demo, sync, build, and init (the configuration they read)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from revtruth.cli.app import (
    EXIT_QUARANTINED,
    ConfigOption,
    IdentityNoise,
    LegacyOption,
    NoiseOption,
    ProductDbEngine,
    ProductDbEngineOption,
    ProductDbOption,
    ScenarioOption,
    SeedOption,
    SizeOption,
    TodayOption,
    app,
    console,
    err,
    fail,
    load_cli_settings,
    parse_date,
    steps,
)
from revtruth.cli.reports import print_overview

# ----------------------------------------------------------------------------- demo


@app.command()
def demo(
    size: SizeOption = "small",
    seed: SeedOption = 42,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to leave revtruth.duckdb and ground_truth.json.")
    ] = Path("revtruth-demo"),
    today: TodayOption = None,
    identity_noise: NoiseOption = IdentityNoise.low,
    legacy_shapes: LegacyOption = False,
    product_db_url: ProductDbOption = None,
    product_db_engine: ProductDbEngineOption = ProductDbEngine.postgres,
    scenario: ScenarioOption = None,
) -> None:
    """Generate a simulated company, serve it, sync it, build the marts and print the report."""
    from revtruth.demo import DemoError, run_demo
    from revtruth.simulate.product_db.mysql import MariaDbUnavailable
    from revtruth.transform import DbtRunError

    labels = {
        "generate": "Generating the simulated company",
        "serve": "Starting the simulated systems on 127.0.0.1",
        "sync": "Syncing billing, CRM and product data (dlt)",
        "build": "Building staging, identity and marts (dbt)",
    }
    try:
        with steps(labels) as advance:
            result = run_demo(
                directory,
                size=size,
                seed=seed,
                today=parse_date(today),
                identity_noise=identity_noise,
                legacy_shapes=legacy_shapes,
                product_db_url=product_db_url,
                product_db_engine=product_db_engine.value,
                scenario=scenario,
                on_step=advance,
            )
    except MariaDbUnavailable as exc:
        raise fail(str(exc), "or run the demo with --product-db postgres") from None
    except (DemoError, DbtRunError, ValueError, FileNotFoundError) as exc:
        raise fail(str(exc), "re-run with the same options; report a bug if it persists") from None
    _print_sync_summary(result.sync_summary)
    print_overview(result.settings)
    from revtruth.warehouse import snapshot_path

    warehouse, truth = _shown(result.warehouse_path), _shown(result.ground_truth_path)
    snapshot = _shown(snapshot_path(result.settings))
    console.print(f"\nWarehouse: [bold]{warehouse}[/]   Ground truth: {truth}", soft_wrap=True)
    console.print(
        "Query it:  python -c \"import duckdb; duckdb.connect('"
        f"{snapshot}', read_only=True).sql('from analytics.account_health').show()\"",
        soft_wrap=True,
        highlight=False,
    )
    console.print(
        f"Reports:   cd {_shown(result.directory)} && revtruth report metrics",
        soft_wrap=True,
        highlight=False,
    )


# ----------------------------------------------------------------------------- sync / build


@app.command("sync")
def sync_command(
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="stripe, salesforce, product_db, hubspot (default: all enabled)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Copy billing, CRM and product data into the warehouse's raw_* schemas."""
    from revtruth.sync import SyncError, sync, systems_to_sync
    from revtruth.warehouse import WarehouseError

    settings = load_cli_settings(config)
    try:
        systems = systems_to_sync(settings, sources)
        with steps({s: f"Syncing {s}" for s in systems}) as advance:
            summary = sync(
                settings, systems, on_progress=lambda s, stage: stage == "extracting" and advance(s)
            )
    except SyncError as exc:
        raise fail(str(exc), "see `revtruth init` for the settings") from None
    except WarehouseError as exc:
        raise fail(str(exc), "check warehouse.path and its folder's permissions") from None
    _print_sync_summary(summary)
    for result in summary.results:
        for note in result.notes:
            err.print(f"[dim]{result.system}: {note}[/]", highlight=False)
        for warning in result.warnings:
            err.print(f"[bold yellow]warning:[/] {result.system}: {warning}", highlight=False)
    for warning in summary.warnings:
        err.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    if summary.failed:
        for result in summary.failed[:-1]:
            err.print(f"[bold red]error:[/] sync of {result.system} failed: {result.error}")
        last = summary.failed[-1]
        raise fail(
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
            "[red]failed[/]"
            if r.error
            else "ok, after finishing an interrupted sync's load"
            if r.recovered
            else "ok",
        )
    console.print(table)


@app.command()
def build(
    select: Annotated[
        str | None, typer.Option(help="dbt selector, e.g. 'marts' or '+account_health'.")
    ] = None,
    allow_missing: Annotated[
        bool,
        typer.Option(
            "--allow-missing",
            help="Build even when an enabled source never finished a load or is empty "
            "(its marts will be wrong: without product data every payer is a zombie).",
        ),
    ] = False,
    allow_stale: Annotated[
        bool,
        typer.Option(
            "--allow-stale",
            help="Build even when a source last loaded longer ago than "
            "warehouse.max_source_age_hours.",
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Run the dbt project: staging, identity resolution, marts, and their tests."""
    from revtruth.build import build as run_build
    from revtruth.config import redact
    from revtruth.freshness import SourceGuardError
    from revtruth.identity import IdentityError, OverridesError
    from revtruth.identity.clustering import ConflictingOverridesError
    from revtruth.transform import DbtRunError
    from revtruth.warehouse import WarehouseError

    settings = load_cli_settings(config)
    try:
        with steps({"build": "Building with dbt and resolving identity"}) as advance:
            advance("build")
            result = run_build(
                settings, select=select, allow_missing=allow_missing, allow_stale=allow_stale
            )
    except WarehouseError as exc:
        raise fail(str(exc), "check warehouse.path and its folder's permissions") from None
    except SourceGuardError as exc:
        for reason in exc.reasons[:-1]:
            err.print(f"[bold red]error:[/] {reason}")
        raise fail(
            f"{exc.reasons[-1]}",
            "nothing was built; sync first, or pass --allow-missing / --allow-stale to "
            "build anyway",
        ) from None
    except DbtRunError as exc:
        raise fail(
            redact(str(exc), settings),
            "fix the model or data it names, then run `revtruth build` again",
        ) from None
    except (OverridesError, ConflictingOverridesError, IdentityError) as exc:
        raise fail(redact(str(exc), settings), "fix it, then run `revtruth build` again") from None
    if result.identity is not None:
        found = result.identity
        console.print(
            f"Identity: {found.records} records, {found.companies} companies, "
            f"{found.review_pairs} pairs to review (`revtruth identity review`)."
        )
    for warning in result.warnings:
        err.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    console.print("Build finished: every model built and every test passed.")


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
        raise fail(f"{path} already exists", "pass --force to overwrite it")
    path.write_text(render_template())
    console.print(
        f"Wrote {path}. Secrets go in the environment or .revtruth/secrets.toml, never in it."
    )


def _shown(path: Path) -> str:
    """A path as the user can type it here: relative when it is below the working folder."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
