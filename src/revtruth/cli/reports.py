"""`revtruth report …`: what the marts say, as tables, CSV or JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.table import Table

from revtruth.cli.app import (
    EXIT_STALE,
    ConfigOption,
    Format,
    console,
    err,
    fail,
    load_cli_settings,
    money,
    report_app,
    write_rows,
)

# ----------------------------------------------------------------------------- reports


# The settings of the warehouse the current report read, for its freshness footer. Not the
# connection: `identity` commands read through `connect_for_reports` too, with no footer to
# drop it, and a connection kept here would hold its shared lock for the process's life.
_read: list = []


def connect_for_reports(settings):
    """The warehouse, read-only, or one clear line saying why not."""
    from revtruth.warehouse import WarehouseError, connect_readonly

    try:
        connection = connect_readonly(settings)
    except WarehouseError as exc:
        raise fail(str(exc), "create the warehouse first") from None
    built = connection.execute(
        "select count(*) from information_schema.tables where table_schema = 'analytics'"
    ).fetchall()[0][0]
    if not built:
        raise fail(
            f"{settings.warehouse.resolved_path} has no marts yet (no successful build)",
            "run `revtruth sync`, then `revtruth build`",
        )
    _read.append(settings)
    return connection


@report_app.callback()
def reports(
    context: typer.Context,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 4 when the marts may be wrong: a later build failed or never "
            "finished, a source is older than warehouse.max_source_age_hours, or newer data "
            "waits for a build.",
        ),
    ] = False,
) -> None:
    """Reports read from the marts; each ends with a line (on stderr) saying what they were
    built from."""
    _read.clear()
    context.call_on_close(lambda: _print_freshness(strict))


def _print_freshness(strict: bool) -> None:
    """After a report: which build and loads the marts are from, and any reason to doubt
    them, on stderr (CSV and JSON on stdout stay clean)."""
    from revtruth.freshness import read_freshness
    from revtruth.warehouse import WarehouseBusyError, connect_readonly

    if not _read:
        return
    settings = _read[-1]
    busy = False
    try:
        # the warehouse itself knows of builds and loads after the snapshot's; a sync or
        # build holding it now is not waited for
        connection = connect_readonly(settings, timeout_s=0, latest=True)
    except WarehouseBusyError:
        busy, connection = True, connect_readonly(settings)
    found = read_freshness(connection, settings)
    err.print(found.line, style="dim", highlight=False)
    if busy:
        err.print("a sync or build is running: these are the marts published before it")
    for warning in found.warnings:
        err.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    if strict and found.warnings:
        raise typer.Exit(EXIT_STALE)


def print_overview(settings) -> None:
    from revtruth.reports import read_overview, read_zombies

    connection = connect_for_reports(settings)
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
        f"MRR [bold]{money(overview.mrr, currency)}[/]"
        f"   ARR [bold]{money(overview.arr, currency)}[/]"
        f"   paying companies {overview.paying_companies}"
        f"   zombies {overview.zombie_companies} ({money(overview.zombie_mrr, currency)} MRR)"
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

    settings = load_cli_settings(config)
    rows = read_zombies(connect_for_reports(settings), limit=limit)
    _render_zombies(rows, format, settings.metrics.reporting_currency, title="Zombie accounts")


@report_app.command("overview")
def report_overview(config: ConfigOption = None) -> None:
    """The three customer counts side by side, MRR, ARR and the top zombies."""
    print_overview(load_cli_settings(config))


@report_app.command("metrics")
def report_metrics(
    months: Annotated[int, typer.Option(help="How many months, newest last.")] = 12,
    config: ConfigOption = None,
) -> None:
    """The MRR bridge month by month (start, each movement, fx, end) and retention."""
    from revtruth.reports.metrics import read_bridge

    settings = load_cli_settings(config)
    currency = settings.metrics.reporting_currency
    rows = read_bridge(connect_for_reports(settings), months)
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
                money(v, currency)
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
            money(r.arpa_amount, currency) if r.arpa_amount is not None else "—",
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
        raise fail("the bridge does not add up for some month", "report this as a bug")


@report_app.command("mrr")
def report_mrr(
    customer: Annotated[str, typer.Option("--customer", help="Stripe customer id (cus_…).")],
    config: ConfigOption = None,
) -> None:
    """One customer's MRR history, each movement, the invoices and the events behind it."""
    from revtruth.reports.metrics import read_customer_events, read_customer_history

    settings = load_cli_settings(config)
    currency = settings.metrics.reporting_currency
    connection = connect_for_reports(settings)
    rows = read_customer_history(connection, customer)
    if not rows:
        raise fail(
            f"no MRR history for customer {customer}",
            "check the id (cus_…) with `revtruth report zombies`",
        )
    table = Table(title=f"MRR history of {customer}", title_justify="left")
    for column in ("month", "MRR", "native", "movement", "amount", "explained by"):
        table.add_column(column, justify="right" if column in ("MRR", "amount") else "left")
    for row in rows:
        native = (
            "mixed"
            if row["mrr_amount_native"] is None
            else f"{Decimal(row['mrr_amount_native']):,.2f} {row['currency'].upper()}"
        )
        table.add_row(
            row["month"].strftime("%Y-%m"),
            money(row["mrr_amount"], currency),
            native,
            row["movement_type"] or "",
            money(row["movement_amount"], currency) if row["movement_type"] else "",
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

    if format is not Format.table:
        write_rows(rows, format, ZOMBIE_COLUMNS)
        return
    table = Table(title=title, title_justify="left")
    for column in ("company", "MRR", "ARR", "last activity", "Stripe customer", "CRM owner"):
        table.add_column(column, justify="right" if column in ("MRR", "ARR") else "left")
    for row in rows:
        last = row["last_activity_at"]
        table.add_row(
            row["company_name"],
            money(row["mrr_amount"], currency),
            money(row["arr_amount"], currency),
            last.date().isoformat() if last else "never",
            row["stripe_customer_id"] or "—",
            row["crm_owner_name"] or "—",
        )
    console.print(table)


@report_app.command("reconcile")
def report_reconcile(
    limit: Annotated[int, typer.Option(help="Rows shown per list (totals count all).")] = 10,
    format: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
    config: ConfigOption = None,
) -> None:
    """Why billing, CRM and product count different customers, company by company."""
    from revtruth.reports.reconciliation import COUNT_REASONS, read_reconciliation

    settings = load_cli_settings(config)
    currency = settings.metrics.reporting_currency
    shown = None if format is Format.json else limit
    found = read_reconciliation(connect_for_reports(settings), shown)
    if format is not Format.table:
        write_rows([{"counts": found.counts, "totals": found.totals, **found.rows}], Format.json)
        return
    counts = found.counts
    answers = Table(title="How many active customers do we have?", title_justify="left")
    answers.add_column("asked of")
    answers.add_column("answer", justify="right")
    answers.add_column("because it counts")
    answers.add_row("billing", str(counts["billing_active_customers"]), counts["billing_rule"])
    answers.add_row("CRM", str(counts["crm_active_customers"]), counts["crm_rule"])
    answers.add_row("product", str(counts["product_active_customers"]), counts["product_rule"])
    console.print(answers)
    why = Table(
        title=f"Why they differ: {counts['discrepant_companies']} companies counted unlike",
        title_justify="left",
    )
    why.add_column("reason")
    why.add_column("companies", justify="right")
    for code, words in COUNT_REASONS.items():
        if counts[f"companies_{code}"]:
            why.add_row(words, str(counts[f"companies_{code}"]))
    console.print(why)

    hallucinated = found.totals["hallucinated_revenue"]
    _print_deals(
        f"Hallucinated revenue: {hallucinated['rows']} won deals billing does not bear out, "
        f"{money(hallucinated['deal_amount'], currency)} claimed",
        found.rows["hallucinated_revenue"],
        "hallucination_reason",
        currency,
    )
    unprovisioned = found.totals["unprovisioned_deals"]
    _print_deals(
        f"Unprovisioned deals: {unprovisioned['rows']} won deals of paying companies the "
        f"product never saw ({money(unprovisioned['mrr_amount'], currency)} MRR)",
        found.rows["unprovisioned_deals"],
        "unprovisioned_reason",
        currency,
    )
    for section in ("hallucinated_revenue", "unprovisioned_deals"):
        if found.totals[section]["deals_without_fx_rate"]:
            console.print(
                f"[yellow]{found.totals[section]['deals_without_fx_rate']} deal(s) in "
                f"{section} have a currency fx_rates has no rate for: not in the total.[/]"
            )
    unbilled = Table(
        title=f"Unbilled usage: {found.totals['unbilled_usage']['rows']} active tenants of "
        "companies that pay nothing",
        title_justify="left",
    )
    for column in ("tenant", "company", "active users", "activity rows", "last active", "why"):
        unbilled.add_column(column, justify="right" if column.startswith("act") else "left")
    for row in found.rows["unbilled_usage"]:
        unbilled.add_row(
            row["tenant_name"] or row["tenant_id"],
            row["company_name"] or row["company_id"],
            str(row["recent_active_users"]),
            str(row["recent_logins"]),
            row["last_activity_at"].date().isoformat() if row["last_activity_at"] else "—",
            row["unbilled_reason"].replace("_", " "),
        )
    console.print(unbilled)


def _print_deals(title: str, rows: list[dict[str, Any]], reason: str, currency: str) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("company", "deal", "closed", "claimed", "why"):
        table.add_column(column, justify="right" if column == "claimed" else "left")
    for row in rows:
        claimed = (
            money(row["deal_amount"], currency)
            if row["deal_amount"] is not None
            else f"{row.get('deal_amount_native') or ''} {(row.get('deal_currency') or '').upper()}"
        )
        table.add_row(
            row["company_name"] or row["company_id"],
            row["opportunity_id"],
            row["close_date"].isoformat(),
            claimed,
            row[reason].replace("_", " "),
        )
    console.print(table)


@report_app.command("health")
def report_health(
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = 20,
    band: Annotated[str | None, typer.Option(help="Only this band: red, amber or green.")] = None,
    format: Annotated[
        Format, typer.Option("--format", "-f", help="table, csv or json.")
    ] = Format.table,
    config: ConfigOption = None,
) -> None:
    """The paying companies most at risk, worst first, with the components dragging them down.

    health_score is 0–100 from seven components (docs/metrics.md#health-score); a zombie
    is red whatever its score."""
    from revtruth.reports.health import (
        BANDS,
        COMPONENTS,
        HEALTH_COLUMNS,
        count_bands,
        drags,
        read_health,
    )

    if band is not None and band not in BANDS:
        raise fail(f"no band {band!r}", f"use one of {', '.join(BANDS)}")
    settings = load_cli_settings(config)
    currency = settings.metrics.reporting_currency
    connection = connect_for_reports(settings)
    rows = read_health(connection, limit=limit, band=band)
    if format is not Format.table:
        write_rows(rows, format, HEALTH_COLUMNS)
        return
    bands = count_bands(connection)
    colours = {"red": "red", "amber": "yellow", "green": "green"}
    table = Table(
        title="Account health, worst first   "
        + "   ".join(f"[{colours[b]}]{b} {n}[/]" for b, n in bands.items()),
        title_justify="left",
    )
    for column in ("company", "MRR", "score", "band", "dragged down by", "CRM owner"):
        table.add_column(column, justify="right" if column in ("MRR", "score") else "left")
    for row in rows:
        reasons = [f"{name.replace('_', ' ')} {score}" for name, score in drags(row)]
        if row["is_zombie"]:
            reasons.insert(0, "[bold]zombie: nobody used it in the zombie window[/]")
        uncertain = " [dim](identity uncertain)[/]" if row["is_identity_uncertain"] else ""
        table.add_row(
            (row["company_name"] or row["company_id"]) + uncertain,
            money(row["mrr_amount"], currency),
            "—" if row["health_score"] is None else str(row["health_score"]),
            f"[{colours[row['health_band']]}]{row['health_band']}[/]"
            if row["health_band"]
            else "—",
            ", ".join(reasons) or "—",
            row["crm_owner_name"] or "—",
        )
    console.print(table)
    console.print(
        f"[dim]components: {', '.join(COMPONENTS)} (0–100 each; "
        "`revtruth report health -f csv` has them all)[/]"
    )
