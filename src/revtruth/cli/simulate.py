"""`revtruth simulate …`: the simulated company, served or written to disk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from revtruth.cli.app import (
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
    console,
    fail,
    parse_date,
    simulate_app,
)

# ----------------------------------------------------------------------------- simulate

SimDirOption = Annotated[Path, typer.Option("--dir", help="Where to write ground_truth.json.")]


def _generate_with_truth(
    size: str, seed: int, directory: Path, today: str | None, noise: str, scenario: Path | None
):
    """Generate the simulated company (or load a scenario) and write its ground truth."""
    from revtruth.simulate import generate, load_scenario, write_ground_truth

    try:
        if scenario is not None:
            plan = load_scenario(scenario, today=parse_date(today))
        else:
            plan = generate(seed=seed, size=size, today=parse_date(today), identity_noise=noise)
    except (ValueError, FileNotFoundError) as exc:
        raise fail(str(exc), "see `revtruth simulate --help`") from None
    directory.mkdir(parents=True, exist_ok=True)
    return plan, write_ground_truth(plan, directory)


@simulate_app.command("serve")
def simulate_serve(
    size: SizeOption = "small",
    seed: SeedOption = 42,
    directory: SimDirOption = Path("revtruth-sim"),
    today: TodayOption = None,
    identity_noise: NoiseOption = IdentityNoise.low,
    legacy_shapes: LegacyOption = False,
    product_db_url: ProductDbOption = None,
    product_db_engine: ProductDbEngineOption = ProductDbEngine.postgres,
    scenario: ScenarioOption = None,
    stripe_port: Annotated[
        int, typer.Option(help="Port for the Stripe simulator (0: any free).")
    ] = 0,
    salesforce_port: Annotated[
        int, typer.Option(help="Port for the Salesforce simulator (0: any free).")
    ] = 0,
    faults: Annotated[
        str,
        typer.Option(
            help="Faults the Stripe and Salesforce simulators inject, each a share of "
            "requests: 429 (rate limited; Salesforce's 503), 500, reset (connection closed "
            "unanswered), truncate (body cut short), slow (answered a second late), e.g. "
            "'429=0.05,500=0.02,reset=0.01,truncate=0.01,slow=0.02'.",
        ),
    ] = "",
    salesforce_api_limit: Annotated[
        int,
        typer.Option(
            help="The simulated org's daily API request limit; past it every call gets "
            "Salesforce's REQUEST_LIMIT_EXCEEDED (a sync stops at its budget before).",
            min=1,
        ),
    ] = 15_000,
) -> None:
    """Start the simulated Stripe, Salesforce and PostgreSQL and print how to reach them."""
    import time

    from revtruth.simulate import running_company
    from revtruth.simulate.http_server import Faults
    from revtruth.simulate.product_db.mysql import MariaDbUnavailable

    try:
        injected = Faults.parse(faults)
    except ValueError as exc:
        raise fail(f"--faults: {exc}", "give kind=share pairs, shares from 0 to 1") from None
    plan, truth = _generate_with_truth(size, seed, directory, today, identity_noise, scenario)
    try:
        with running_company(
            plan,
            product_db_url=product_db_url,
            product_db_engine=product_db_engine.value,
            legacy_shapes=legacy_shapes,
            stripe_port=stripe_port,
            salesforce_port=salesforce_port,
            faults=injected,
            salesforce_api_limit=salesforce_api_limit,
        ) as company:
            console.print(
                f"Simulated company (seed {seed}, {size}) is up; ground truth in {truth}."
            )
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
    except MariaDbUnavailable as exc:
        raise fail(str(exc), "or serve with --product-db postgres") from None


@simulate_app.command("generate")
def simulate_generate(
    size: SizeOption = "small",
    seed: SeedOption = 42,
    directory: SimDirOption = Path("revtruth-sim"),
    today: TodayOption = None,
    identity_noise: NoiseOption = IdentityNoise.low,
    scenario: ScenarioOption = None,
) -> None:
    """Generate a simulated company and write its ground_truth.json (no servers)."""
    plan, path = _generate_with_truth(size, seed, directory, today, identity_noise, scenario)
    console.print(
        f"{len(plan.companies)} companies, {len(plan.billing.customers)} Stripe customers, "
        f"{len(plan.crm.accounts)} Salesforce accounts, {len(plan.product_db.tenants)} tenants, "
        f"{len(plan.product_db.activity):,} activity rows; ground truth in {path}"
    )
