"""Deterministic generator of one B2B SaaS company's history: `generate(seed, size, today)`.

Each simulated customer company gets a scenario (healthy, zombie, churned, …) and is then
written into the three systems the way they would really record it: a CRM account and
deals, a Stripe customer with subscriptions, invoices and events, and a product tenant with
users and activity. The same seed (and identity level) always gives the same company, byte
for byte.

`identity_noise` names how hard it is to tell who is who (levels.py). The base generator
draws the same random numbers at every level, so the companies, their scenarios and the
stored-id decisions line up across levels; the level's other mess (identity.py,
business_units.py) comes from a second random stream. At `low`, the default, nothing but
the base generator runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from revtruth.simulate.company import (
    activity,
    billing,
    business_units,
    crm,
    identity,
    levels,
    names,
    tenants,
)
from revtruth.simulate.company.catalogue import FX_UNITS_PER_USD
from revtruth.simulate.company.plan import (
    BillingPlan,
    Company,
    CompanyPlan,
    CrmPlan,
    ProductDbPlan,
)


@dataclass(frozen=True)
class SizeSpec:
    companies: int
    daily_events_per_tenant: float  # mean; each tenant draws its own around it


SIZES = {
    "small": SizeSpec(companies=200, daily_events_per_tenant=1.6),
    "medium": SizeSpec(companies=5_000, daily_events_per_tenant=5.5),
    "large": SizeSpec(companies=50_000, daily_events_per_tenant=5.5),
}

# Share of companies per scenario. Every scenario appears at least once at every size.
SCENARIO_MIX = (
    ("healthy", 0.34),
    ("low_adoption", 0.12),
    ("zombie", 0.10),
    ("churned", 0.12),
    ("trial", 0.06),
    ("past_due", 0.04),
    ("hallucinated", 0.05),
    ("unprovisioned", 0.05),
    ("prospect", 0.12),
)
PAYING_SCENARIOS = frozenset({"healthy", "low_adoption", "zombie", "past_due", "unprovisioned"})
HISTORY_DAYS = 730


def utc_today() -> date:
    return datetime.now(UTC).date()


def _scenarios(rng: random.Random, count: int) -> list[str]:
    """Exactly `count` labels in the mix's proportions (largest remainder), shuffled."""
    exact = [(name, share * count) for name, share in SCENARIO_MIX]
    chosen = {name: max(1, int(value)) for name, value in exact}
    by_remainder = sorted(exact, key=lambda item: item[1] - int(item[1]), reverse=True)
    index = 0
    while sum(chosen.values()) < count:
        chosen[by_remainder[index % len(by_remainder)][0]] += 1
        index += 1
    while sum(chosen.values()) > count:
        largest = max(chosen, key=chosen.get)
        chosen[largest] -= 1
    labels = [name for name, n in chosen.items() for _ in range(n)]
    rng.shuffle(labels)
    return labels


def generate(
    seed: int = 42,
    size: str = "small",
    today: date | None = None,
    identity_noise: str = levels.DEFAULT_LEVEL,
    reporting_currency: str = "usd",
) -> CompanyPlan:
    """Build the whole simulated company. `identity_noise` is one of none, low (default),
    medium, high and no_keys: how many ids the systems store of each other and how messy
    names, emails and records are (levels.py)."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}: choose one of {', '.join(SIZES)}")
    profile = levels.profile(identity_noise)
    spec = SIZES[size]
    today = today or utc_today()
    now = datetime.combine(today, time(0, 0), tzinfo=UTC)
    rng = random.Random(f"revtruth:{seed}:{size}")
    history_start = now - timedelta(days=HISTORY_DAYS)

    taken: set[str] = set()
    companies = []
    for index, scenario in enumerate(_scenarios(rng, spec.companies), start=1):
        name, domain = names.company_name(rng, taken)
        # Paying scenarios need time to have become what they are (zombies: 90+ idle days).
        min_age = {"zombie": 200, "churned": 120, "trial": 1, "low_adoption": 100}.get(scenario, 45)
        if scenario == "trial":  # most trials are running; some lapsed long ago
            age_days = rng.randint(1, 13) if rng.random() < 0.6 else rng.randint(20, 400)
        else:
            age_days = rng.randint(min_age, HISTORY_DAYS - 5)
        companies.append(
            Company(
                company_key=f"co_{index:05d}",
                name=name,
                domain=domain,
                scenario=scenario,
                created_at=now - timedelta(days=age_days, seconds=rng.randint(0, 86_399)),
                country=rng.choice(("US", "US", "US", "GB", "DE", "FR", "JP", "CA")),
                industry=rng.choice(("Software", "Retail", "Healthcare", "Finance", "Media")),
                employees=rng.choice((8, 15, 40, 120, 350, 900)),
            )
        )

    # The identity stream: never the base generator's, so `low` stays what it always was.
    choices = random.Random(f"revtruth:{seed}:{size}:identity:{profile.level}")
    look_alikes = identity.prepare(choices, companies, profile)

    billing_plan = BillingPlan()
    crm_plan = CrmPlan()
    product_db_plan = ProductDbPlan()
    billing_builder = billing.BillingBuilder(rng, billing_plan, now, history_start)
    crm_builder = crm.CrmBuilder(
        rng,
        crm_plan,
        now,
        history_start,
        profile.stripe_metadata_share,
        profile.crm_stripe_field_share,
    )
    activity_builder = activity.ActivityBuilder(
        rng, product_db_plan.activity, now, spec.daily_events_per_tenant
    )

    for company in companies:
        customer = None
        if company.scenario in PAYING_SCENARIOS or company.scenario in ("churned", "trial"):
            customer = billing_builder.add_customer(company)
        crm_builder.add_company(company, customer, billing_builder.annual_value_of(customer))
        if company.scenario in ("unprovisioned", "prospect"):
            continue
        if company.scenario == "hallucinated" and rng.random() < 0.5:
            continue  # a deal marked won in the CRM that nobody ever set up
        tenant = tenants.add_tenant(
            rng, product_db_plan, company, customer, profile.tenant_billing_id_share
        )
        users = tenants.add_users(rng, product_db_plan, tenant, company)
        ended_at = billing_builder.ended_at_of(customer)
        activity_builder.add_tenant(company, tenant, users, ended_at)

    plan = CompanyPlan(
        seed=seed,
        size=size,
        today=today,
        now=now,
        reporting_currency=reporting_currency,
        companies=companies,
        billing=billing_plan,
        crm=crm_plan,
        product_db=product_db_plan,
        fx_to_reporting=dict(FX_UNITS_PER_USD),
        identity_level=profile.level,
        look_alikes=look_alikes,
    )
    named: set[str] = set()
    if profile.second_customer_share:
        named = business_units.add_second_customers(
            rng, choices, plan, billing_builder, activity_builder, profile
        )
    billing_builder.finish()
    if profile.rewrites:
        identity.apply(choices, plan, profile, named)
    return plan
