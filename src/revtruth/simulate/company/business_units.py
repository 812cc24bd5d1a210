"""One company, two billing customers: a second currency or a second business unit.

At `high` and `no_keys`, a share of paying companies (`second_customer_share`, at least
two; healthy, low adoption, zombie or unprovisioned, so the company's story does not change)
signs up a second time, weeks to months after the first:

- 60% (and always the first) in another currency ("Acme Health Europe" paying in euros
  beside the US dollars of the first customer), 40% in the same currency for another
  business unit ("Acme Health Marketing");
- the new customer has its own subscriptions, invoices and events, billed like any other,
  and a billing email on the company's country or secondary domain (or its main one);
- half of the healthy and zombie ones (and always the first) also get their own tenant
  with users, whose activity follows the company's scenario (a zombie company's second
  workspace is idle too).

Both customers (and both tenants) are the same company in the ground truth.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta

from revtruth.simulate.company import names, tenants
from revtruth.simulate.company.activity import ActivityBuilder
from revtruth.simulate.company.billing import BillingBuilder
from revtruth.simulate.company.domains import slug_of
from revtruth.simulate.company.ids import uuid4
from revtruth.simulate.company.levels import IdentityProfile
from revtruth.simulate.company.plan import Company, CompanyPlan, Customer, Tenant
from revtruth.simulate.company.spelling import split_legal

ELIGIBLE = ("healthy", "low_adoption", "zombie", "unprovisioned")
WITH_TENANT = ("healthy", "zombie")
OTHER_CURRENCY_SHARE = 0.6
OTHER_CURRENCY = {"usd": "eur", "eur": "usd", "jpy": "usd"}
REGION_OF_CURRENCY = {"eur": ("Europe", "EMEA", "EU"), "usd": ("US", "Americas"), "jpy": ("Japan",)}
UNITS = ("Marketing", "Research", "Operations", "Data Team", "Platform")
MAILBOXES = ("billing", "ap", "finance", "accounts-payable", "invoices")


def add_second_customers(
    rng: random.Random,
    choices: random.Random,
    plan: CompanyPlan,
    billing_builder: BillingBuilder,
    activity_builder: ActivityBuilder,
    profile: IdentityProfile,
) -> set[str]:
    """Add the second customers (and tenants); returns their ids, already named.

    `choices` decides who and what (the identity stream); `rng` is the stream the builders
    bill and log with."""
    first_customer = {c.company_key: c for c in plan.billing.customers}
    accounts_of: dict[str, list[str]] = {}
    for account in plan.crm.accounts:
        accounts_of.setdefault(account.company_key, []).append(account.account_id)
    named: set[str] = set()
    latest = plan.now - timedelta(days=35)  # old enough to have been invoiced
    eligible = [
        c for c in plan.companies if c.company_key in first_customer and c.scenario in ELIGIBLE
    ]
    count = min(len(eligible), max(2, round(profile.second_customer_share * len(eligible))))
    chosen = {c.company_key for c in choices.sample(eligible, count)}
    with_tenant = 0
    for company in (c for c in eligible if c.company_key in chosen):  # in plan order
        first = first_customer[company.company_key]
        start = min(first.created_at + timedelta(days=choices.randint(20, 300)), latest)
        if start < first.created_at + timedelta(days=7):
            continue
        other_currency = not named or choices.random() < OTHER_CURRENCY_SHARE
        customer, unit = _second_customer(
            choices, company, first, start, billing_builder, other_currency
        )
        if accounts_of.get(company.company_key) and (
            choices.random() < profile.stripe_metadata_share
        ):
            account_id = choices.choice(accounts_of[company.company_key])
            customer.metadata["salesforce_account_id"] = account_id
        named.add(customer.customer_id)
        if company.scenario in WITH_TENANT and (not with_tenant or choices.random() < 0.5):
            tenant = _second_tenant(rng, choices, plan, company, customer, unit, profile)
            users = tenants.add_users(rng, plan.product_db, tenant, company)
            activity_builder.add_tenant(company, tenant, users, None)
            named.add(tenant.tenant_id)
            with_tenant += 1
    return named


def _second_customer(
    choices: random.Random,
    company: Company,
    first: Customer,
    start: datetime,
    billing_builder: BillingBuilder,
    other_currency: bool,
) -> tuple[Customer, str]:
    if other_currency:
        currency = OTHER_CURRENCY[first.currency or "usd"]
        unit = choices.choice(REGION_OF_CURRENCY[currency])
    else:
        currency, unit = first.currency or "usd", choices.choice(UNITS)
    # The builder bills from the company's creation instant: hand it the later start.
    customer = billing_builder.add_customer(
        dataclasses.replace(company, created_at=start), currency
    )
    stem = split_legal(company.name)[0]
    customer.name = f"{stem} {unit}"
    domain = choices.choice([company.domain, *company.other_domains])
    customer.email = f"{choices.choice(MAILBOXES)}@{domain}"
    return customer, unit


def _second_tenant(rng, choices, plan, company, customer, unit, profile) -> Tenant:
    keeps_billing_id = choices.random() < profile.tenant_billing_id_share
    tenant = Tenant(
        tenant_id=uuid4(rng),
        company_key=company.company_key,
        name=f"{split_legal(company.name)[0]} {unit}",
        slug=f"{names.slugify(company.name)}-{slug_of(unit)}-{rng.randint(100, 999)}",
        plan_tier="paid",
        created_at=customer.created_at + timedelta(minutes=rng.randint(3, 90)),
        billing_customer_id=customer.customer_id if keeps_billing_id else None,
    )
    plan.product_db.tenants.append(tenant)
    return tenant
