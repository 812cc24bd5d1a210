"""Duplicate CRM accounts: the same company entered two or three times, as in most
Salesforce orgs.

At `high` and `no_keys`, a share of the companies with a CRM account
(`duplicate_account_share`) gets one more account (70%) or two (30%):

- a slightly different name (the level's name noise, at least two edits) and a website
  that is missing (35%) or on any of the company's domains, maybe with a path;
- usually created later (a rep who did not search first, an import); 30% of the
  duplicates instead predate the original and hold its New Business deal, which was logged
  on the older record: the deals are spread over the accounts;
- 30% of duplicates of customer accounts are typed Prospect (an SDR prospecting a
  customer); the rest keep the original's type;
- one or two contacts of their own, and one more deal: for billed companies an Expansion
  or Renewal (won 50%, open 30%, lost 20%), for others an open or lost one, so no deal is
  won that billing never saw unless the company's scenario says so;
- the Stripe customer's stored account id, where there is one, points at the duplicate in
  30% of cases (the integration linked whichever record it found).

Every duplicate belongs to the same company in the ground truth.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from revtruth.simulate.company import names
from revtruth.simulate.company.crm import OPEN_STAGES
from revtruth.simulate.company.domains import website
from revtruth.simulate.company.ids import salesforce_id
from revtruth.simulate.company.levels import IdentityProfile
from revtruth.simulate.company.plan import Account, Company, CompanyPlan, Contact, Opportunity
from revtruth.simulate.company.spelling import messy_name

MOVE_DEAL_SHARE = 0.30
PROSPECT_TYPE_SHARE = 0.30
REPOINT_METADATA_SHARE = 0.30


class _Duplicator:
    def __init__(self, rng: random.Random, plan: CompanyPlan, profile: IdentityProfile):
        self.rng, self.plan, self.profile = rng, plan, profile
        self.customers_of: dict[str, list] = {}
        for customer in plan.billing.customers:
            self.customers_of.setdefault(customer.company_key, []).append(customer)
        self.deals_of: dict[str, list[Opportunity]] = {}
        for opportunity in plan.crm.opportunities:
            self.deals_of.setdefault(opportunity.account_id, []).append(opportunity)

    def duplicate(self, original: Account, company: Company, taken_names: set[str]) -> Account:
        rng, now = self.rng, self.plan.now
        reference = (self.deals_of.get(original.account_id) or [None])[0]
        moves_deal = reference is not None and rng.random() < MOVE_DEAL_SHARE
        if moves_deal:  # the older record, where the first deal was logged
            created = original.created_at - timedelta(days=rng.randint(5, 200))
        else:
            created = min(
                original.created_at + timedelta(days=rng.randint(20, 500)),
                now - timedelta(days=1, seconds=rng.randint(0, 86_399)),
            )
            created = max(created, original.created_at + timedelta(hours=1))
        name = original.name
        for _ in range(5):
            name = messy_name(
                rng, company.name, company.country, max(2, self.profile.name_edits), 0.1
            )
            if name not in taken_names:
                break
        taken_names.add(name)
        customers = self.customers_of.get(company.company_key, [])
        account_type = original.type
        if account_type == "Customer" and rng.random() < PROSPECT_TYPE_SHARE:
            account_type = "Prospect"
        domain = rng.choice([company.domain, *company.other_domains])
        account = Account(
            account_id=salesforce_id(rng, "001"),
            company_key=company.company_key,
            name=name,
            website=None if rng.random() < 0.35 else website(rng, domain, rng.random() < 0.2),
            type=account_type,
            industry=company.industry if rng.random() < 0.8 else rng.choice(("Other", "Media")),
            owner_id=rng.choice(self.plan.crm.users).user_id,
            created_at=created,
            billing_country=company.country,
            number_of_employees=company.employees if rng.random() < 0.5 else None,
        )
        if customers and rng.random() < self.profile.crm_stripe_field_share:
            account.stripe_customer_id = rng.choice(customers).customer_id
        self.plan.crm.accounts.append(account)
        self._contacts(account, company)
        if moves_deal:
            reference.account_id = account.account_id
        self._deal(account, company, bool(customers), reference)
        for customer in customers:
            stored = customer.metadata.get("salesforce_account_id")
            if stored == original.account_id and rng.random() < REPOINT_METADATA_SHARE:
                customer.metadata["salesforce_account_id"] = account.account_id
        return account

    def _contacts(self, account: Account, company: Company) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 2)):
            first, last = names.person(rng)
            domain = rng.choice([company.domain, *company.other_domains])
            self.plan.crm.contacts.append(
                Contact(
                    salesforce_id(rng, "003"),
                    account.account_id,
                    first,
                    last,
                    names.work_email(first, last, domain),
                    rng.choice(names.TITLES),
                    min(
                        account.created_at + timedelta(hours=rng.randint(1, 200)),
                        self.plan.now - timedelta(hours=1),
                    ),
                )
            )

    def _deal(self, account: Account, company: Company, billed: bool, reference) -> None:
        rng, now = self.rng, self.plan.now
        latest = now - timedelta(hours=1)
        created = min(account.created_at + timedelta(hours=rng.randint(2, 200)), latest)
        roll = rng.random()
        if billed and roll < 0.5:
            stage, probability = "Closed Won", 100
        elif roll < 0.8:
            stage, probability = rng.choice(OPEN_STAGES)
        else:
            stage, probability = "Closed Lost", 0
        if stage.startswith("Closed"):
            close = max(created, min(created + timedelta(days=rng.randint(5, 60)), latest))
        else:
            close = now + timedelta(days=rng.randint(-30, 90))
        kind = rng.choice(("Expansion", "Renewal")) if billed else "New Business"
        base, currency = (reference.amount, reference.currency) if reference else (2388, "USD")
        amount = (Decimal(base) * Decimal(rng.choice((25, 40, 50, 100))) / 100).quantize(
            Decimal("0.01")
        )
        self.plan.crm.opportunities.append(
            Opportunity(
                opportunity_id=salesforce_id(rng, "006"),
                account_id=account.account_id,
                name=f"{names.stem_of(company.name)} - {kind}",
                stage_name=stage,
                amount=amount,
                currency=currency,
                close_date=close.date(),
                is_closed=stage.startswith("Closed"),
                is_won=stage == "Closed Won",
                owner_id=account.owner_id,
                type=kind,
                created_at=created,
                probability=probability,
            )
        )


def add(rng: random.Random, plan: CompanyPlan, profile: IdentityProfile) -> set[str]:
    """Add the duplicate accounts; returns their ids (already named)."""
    companies = {c.company_key: c for c in plan.companies}
    duplicator = _Duplicator(rng, plan, profile)
    added: set[str] = set()
    for original in list(plan.crm.accounts):
        if rng.random() >= profile.duplicate_account_share:
            continue
        company = companies[original.company_key]
        taken_names = {original.name}
        for _ in range(1 if rng.random() < 0.7 else 2):
            added.add(duplicator.duplicate(original, company, taken_names).account_id)
    return added
