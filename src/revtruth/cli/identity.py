"""`revtruth identity …`: why a record belongs to its company, the pairs waiting for a person,
and the decisions people make (written to the overrides file, so a rebuild keeps them)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from revtruth.cli.app import (
    ConfigOption,
    Format,
    console,
    err,
    fail,
    identity_app,
    load_cli_settings,
    write_rows,
)
from revtruth.cli.reports import connect_for_reports


def _probability(value: Any) -> str:
    return "—" if value is None else f"{float(value):.3f}"


@identity_app.command("explain")
def identity_explain(
    identifier: Annotated[
        str,
        typer.Argument(
            help="A company id (co_…), a record as <source>:<id>, or any system's id "
            "(cus_…, a Salesforce account id, a tenant id)."
        ),
    ],
    format: Annotated[
        Format, typer.Option("--format", "-f", help="table, csv or json.")
    ] = Format.table,
    config: ConfigOption = None,
) -> None:
    """Why records are one company: every record, link and piece of evidence.

    Also lists the pairs with other companies that still wait for review.
    """
    from revtruth.reports.identity import find_companies, read_company_identity

    settings = load_cli_settings(config)
    connection = connect_for_reports(settings)
    companies = find_companies(connection, identifier)
    if not companies:
        raise fail(
            f"no record or company {identifier!r} in mapping.identity_links",
            "check the id, or run `revtruth build` after the last sync",
        )
    found = [read_company_identity(connection, company) for company in companies]
    if format is not Format.table:
        rows = [
            {"company_id": c.company_id, "part": part, **row}
            for c in found
            for part, rows in (("record", c.records), ("link", c.links), ("open", c.open_pairs))
            for row in rows
        ]
        write_rows(rows, format)
        return
    for company in found:
        records = Table(title=f"Company {company.company_id}", title_justify="left")
        for column in ("record", "name", "domain", "placed by", "probability"):
            records.add_column(column, justify="right" if column == "probability" else "left")
        for row in company.records:
            records.add_row(
                f"{row['source']}:{row['source_id']}",
                row["display_name"] or "",
                row["domain"] or "",
                row["tier"] or "nothing (a company of its own)",
                _probability(row["match_probability"]),
            )
        console.print(records)
        if company.links:
            links = Table(title="Links, strongest first", title_justify="left")
            for column in ("records", "tier", "probability", "evidence"):
                links.add_column(column, justify="right" if column == "probability" else "left")
            for link in company.links:
                links.add_row(
                    f"{link['left_key']}\n{link['right_key']}",
                    link["tier"],
                    _probability(link["match_probability"]),
                    link["evidence"] or "",
                )
            console.print(links)
        if company.open_pairs:
            console.print(
                f"[yellow]{len(company.open_pairs)} pair(s) with another company wait for "
                "review[/] (`revtruth identity review`):"
            )
            for pair in company.open_pairs:
                console.print(
                    f"  #{pair['review_rank']} {pair['left_key']} ↔ {pair['right_key']}"
                    f"  p={_probability(pair['match_probability'])}  {pair['evidence']}"
                )


@identity_app.command("stats")
def identity_stats(
    format: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
    config: ConfigOption = None,
) -> None:
    """Records per system and tier, companies by the systems they span, work left.

    The work left for people: the review queue and the records no tier links.
    """
    from dataclasses import asdict

    from revtruth.reports.identity import read_identity_stats

    settings = load_cli_settings(config)
    stats = read_identity_stats(connect_for_reports(settings))
    if format is not Format.table:
        write_rows([asdict(stats)], Format.json)
        return
    table = Table(title="Identity", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for source, count in stats.records_by_source.items():
        table.add_row(f"records in {source}", str(count))
    for tier, count in stats.records_by_tier.items():
        label = "records linked to nothing" if tier == "alone" else f"records placed by {tier}"
        table.add_row(label, str(count))
    table.add_row("[bold]companies[/]", f"[bold]{stats.companies}[/]")
    for systems, count in stats.companies_by_systems.items():
        table.add_row(f"  in {systems}", str(count))
    table.add_row("companies resting on a model match", str(stats.uncertain_companies))
    table.add_row("pairs waiting for review", str(stats.review_pairs))
    table.add_row("records no tier links", str(stats.unmatched_records))
    console.print(table)


@identity_app.command("review")
def identity_review(
    accept_above: Annotated[
        float | None,
        typer.Option(help="Decide 'same company' for every queued pair at least this likely."),
    ] = None,
    reject_below: Annotated[
        float | None,
        typer.Option(help="Decide 'different' for every queued pair less likely than this."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Look at most at this many pairs.")] = None,
    note: Annotated[str, typer.Option(help="Note written with each decision.")] = "",
    config: ConfigOption = None,
) -> None:
    """Walk the review queue, most likely first: same company, different, or skip.

    Each answer is appended to the overrides file at once (an interrupted review keeps
    what was decided) and applies from the next `revtruth build`. With --accept-above /
    --reject-below it decides without asking, for scripts.
    """
    from revtruth.identity.overrides import overrides_path
    from revtruth.reports.identity import read_review_queue

    settings = load_cli_settings(config)
    for name, value in (("--accept-above", accept_above), ("--reject-below", reject_below)):
        if value is not None and not 0 <= value <= 1:
            raise fail(f"{name} {value} is not a probability", "give a number from 0 to 1")
    queue = read_review_queue(connect_for_reports(settings), limit)
    path = overrides_path(settings)
    if not queue:
        console.print("The review queue is empty: nothing to decide.")
        return
    scripted = accept_above is not None or reject_below is not None
    if not scripted and not sys.stdin.isatty():
        write_rows(queue, Format.csv)
        err.print(
            "Not a terminal: the queue is printed above. Decide with --accept-above / "
            "--reject-below, or `revtruth identity decide RECORD_A RECORD_B same|different`."
        )
        return
    written = {"same": 0, "different": 0}
    for pair in queue:
        probability = float(pair["match_probability"])
        if scripted:
            if accept_above is not None and probability >= accept_above:
                decision = "same"
            elif reject_below is not None and probability < reject_below:
                decision = "different"
            else:
                continue
        else:
            _show_pair(pair)
            answer = (
                typer.prompt(
                    "Same company? [s]ame / [d]ifferent / [k] skip / [q]uit",
                    default="k",
                    show_default=False,
                )
                .strip()
                .lower()[:1]
            )
            if answer == "q":
                break
            if answer not in ("s", "d"):
                continue
            decision = "same" if answer == "s" else "different"
        _decide(path, pair["left_key"], pair["right_key"], decision, note)
        written[decision] += 1
    total = written["same"] + written["different"]
    console.print(
        f"{total} decision(s) written to {path} ({written['same']} same, "
        f"{written['different']} different). Run `revtruth build` to apply them."
    )


@identity_app.command("decide")
def identity_decide(
    record_a: Annotated[str, typer.Argument(help="A record as <source>:<id>.")],
    record_b: Annotated[str, typer.Argument(help="Another record as <source>:<id>.")],
    decision: Annotated[str, typer.Argument(help="same or different.")],
    note: Annotated[str, typer.Option(help="Why (kept in the overrides file).")] = "",
    config: ConfigOption = None,
) -> None:
    """Record that two records are, or are not, one company (the overrides file).

    The decision beats every other tier from the next `revtruth build` on.
    """
    from revtruth.identity.overrides import overrides_path

    settings = load_cli_settings(config)
    path = overrides_path(settings)
    _decide(path, record_a, record_b, decision.strip().lower(), note)
    console.print(f"Written to {path}. Run `revtruth build` to apply it.")


def _decide(path: Path, record_a: str, record_b: str, decision: str, note: str) -> None:
    from revtruth.identity.overrides import Override, OverridesError, append_overrides

    try:
        append_overrides(path, [Override(record_a, record_b, decision, note=note)])
    except OverridesError as exc:
        raise fail(str(exc), "fix the records or the decision") from None


def _show_pair(pair: dict[str, Any]) -> None:
    console.rule(f"#{pair['review_rank']}  probability {_probability(pair['match_probability'])}")
    console.print(f"  {pair['left_key']}  [bold]{pair['left_name']}[/]")
    console.print(f"  {pair['right_key']}  [bold]{pair['right_name']}[/]")
    console.print(f"  evidence: {pair['evidence']}")
