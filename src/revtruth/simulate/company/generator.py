"""Deterministic generator of one B2B SaaS company's history: `generate(seed, size, today)`.

Each simulated customer company gets a scenario (healthy, zombie, churned, …) and is then
written into the three systems the way they would really record it: a CRM account and
deals, a Stripe customer with subscriptions, invoices and events, and a product tenant with
users and activity. The same seed always gives the same company, byte for byte.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from revtruth.simulate.company import activity, billing, crm, names
from revtruth.simulate.company.catalogue import FX_UNITS_PER_USD
from revtruth.simulate.company.ids import uuid4
from revtruth.simulate.company.plan import (
    BillingPlan,
    Company,
    CompanyPlan,
    CrmPlan,
    ProductDbPlan,
    ProductUser,
    Tenant,
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
    identity_noise: float = 0.0,
    reporting_currency: str = "usd",
) -> CompanyPlan:
    """Build the whole simulated company. `identity_noise` is the share of tenants that lose
    their stored billing customer id (0 by default: self-serve products store it at signup)."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}: choose one of {', '.join(SIZES)}")
    if not 0.0 <= identity_noise <= 1.0:
        raise ValueError("identity_noise is a share between 0 and 1")
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

    billing_plan = BillingPlan()
    crm_plan = CrmPlan()
    product_db_plan = ProductDbPlan()
    billing_builder = billing.BillingBuilder(rng, billing_plan, now, history_start)
    crm_builder = crm.CrmBuilder(rng, crm_plan, now, history_start)
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
        tenant = _add_tenant(rng, product_db_plan, company, customer, identity_noise)
        users = _add_users(rng, product_db_plan, tenant, company)
        ended_at = billing_builder.ended_at_of(customer)
        activity_builder.add_tenant(company, tenant, users, ended_at)

    billing_builder.finish()
    return CompanyPlan(
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
    )


def _add_tenant(rng, product_db_plan, company, customer, identity_noise) -> Tenant:
    keeps_billing_id = customer is not None and rng.random() >= identity_noise
    workspace_name = names.name_variant(rng, company.name)
    tenant = Tenant(
        tenant_id=uuid4(rng),
        company_key=company.company_key,
        name=workspace_name,
        slug=f"{names.slugify(company.name)}-{rng.randint(100, 999)}",
        plan_tier="trial" if company.scenario in ("trial", "hallucinated") else "paid",
        created_at=(customer.created_at if customer else company.created_at) + timedelta(minutes=3),
        billing_customer_id=customer.customer_id if keeps_billing_id else None,
    )
    product_db_plan.tenants.append(tenant)
    return tenant


def _add_users(rng, product_db_plan, tenant, company) -> list[ProductUser]:
    users = []
    for position in range(rng.randint(1, 12)):
        first, last = names.person(rng)
        on_free_mail = position > 0 and rng.random() < 0.15
        users.append(
            ProductUser(
                user_id=uuid4(rng),
                tenant_id=tenant.tenant_id,
                email=names.free_mail(rng, first, last)
                if on_free_mail
                else names.work_email(first, last, company.domain),
                full_name=f"{first} {last}",
                role="owner"
                if position == 0
                else rng.choice(("admin", "member", "member", "viewer")),
                created_at=tenant.created_at + timedelta(days=position * rng.randint(0, 20)),
            )
        )
    product_db_plan.users.extend(users)
    return users
