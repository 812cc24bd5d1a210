"""CRM side of the simulated company: Salesforce users, leads, accounts, contacts and deals.

Sales records what sales believes: a deal marked Closed Won is a customer to the CRM whether
or not billing ever charged it (hallucinated revenue), and self-serve customers who never
spoke to sales have no account at all.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from revtruth.simulate.company import names
from revtruth.simulate.company.ids import salesforce_id
from revtruth.simulate.company.plan import (
    Account,
    Company,
    Contact,
    CrmPlan,
    Customer,
    Lead,
    Opportunity,
    SalesforceUser,
)

SELF_SERVE_SHARE = 0.15  # paying customers that never met sales: no CRM account
# The `low` level's shares (the default); other levels pass their own (levels.py).
STRIPE_METADATA_SHARE = 0.45  # customers whose Stripe metadata carries the account id
ACCOUNT_STRIPE_FIELD_SHARE = 0.30  # accounts whose Stripe_Customer_Id__c is filled
OPEN_STAGES = (
    ("Prospecting", 10),
    ("Qualification", 20),
    ("Proposal/Price Quote", 60),
    ("Negotiation/Review", 80),
)


class CrmBuilder:
    def __init__(
        self,
        rng: random.Random,
        plan: CrmPlan,
        now: datetime,
        history_start: datetime,
        metadata_share: float = STRIPE_METADATA_SHARE,
        stripe_field_share: float = ACCOUNT_STRIPE_FIELD_SHARE,
    ):
        """The shares say how often the ids are stored (the identity level's; see levels.py)."""
        self.rng, self.plan, self.now = rng, plan, now
        self.metadata_share, self.stripe_field_share = metadata_share, stripe_field_share
        for _ in range(6):
            first, last = names.person(rng)
            plan.users.append(
                SalesforceUser(
                    salesforce_id(rng, "005"),
                    f"{first} {last}",
                    names.work_email(first, last, "revtruth-demo.com"),
                    True,
                    history_start - timedelta(days=rng.randint(30, 400)),
                )
            )
        plan.users[-1].is_active = False  # a rep who left: their accounts keep the owner id

    def add_company(
        self, company: Company, customer: Customer | None, annual_value: tuple[Decimal, str] | None
    ) -> Account | None:
        rng = self.rng
        if (
            customer is not None
            and company.scenario != "churned"
            and rng.random() < SELF_SERVE_SHARE
        ):
            return None
        owner = rng.choice(self.plan.users)
        sales_cycle = timedelta(days=rng.randint(10, 60))
        account_created = min(company.created_at - sales_cycle, self.now - timedelta(days=1))
        account_type = {"prospect": "Prospect", "churned": "Former Customer"}.get(
            company.scenario, "Customer"
        )
        account = Account(
            account_id=salesforce_id(rng, "001"),
            company_key=company.company_key,
            name=names.name_variant(rng, company.name),
            website=names.website_variant(rng, company.domain),
            type=account_type,
            industry=company.industry,
            owner_id=owner.user_id,
            created_at=account_created,
            billing_country=company.country,
            number_of_employees=company.employees,
        )
        if customer is not None:
            if rng.random() < self.metadata_share:
                customer.metadata["salesforce_account_id"] = account.account_id
            if rng.random() < self.stripe_field_share:
                account.stripe_customer_id = customer.customer_id
        self.plan.accounts.append(account)
        contacts = self._add_contacts(company, account)
        opportunity = self._add_opportunity(company, account, owner.user_id, annual_value)
        self._add_lead(company, account, contacts[0], opportunity)
        return account

    def _add_contacts(self, company: Company, account: Account) -> list[Contact]:
        contacts = []
        for _ in range(self.rng.randint(1, 3)):
            first, last = names.person(self.rng)
            contacts.append(
                Contact(
                    salesforce_id(self.rng, "003"),
                    account.account_id,
                    first,
                    last,
                    names.work_email(first, last, company.domain),
                    self.rng.choice(names.TITLES),
                    account.created_at + timedelta(hours=self.rng.randint(1, 200)),
                )
            )
        self.plan.contacts.extend(contacts)
        return contacts

    def _add_opportunity(self, company, account, owner_id, annual_value) -> Opportunity:
        rng = self.rng
        amount, currency = annual_value or (
            Decimal(rng.choice((2388, 9588, 28_656, 115_000))),
            "usd",
        )
        if company.scenario == "prospect":
            stage, probability = rng.choice((*OPEN_STAGES, ("Closed Lost", 0)))
            close_date = (self.now + timedelta(days=rng.randint(-60, 90))).date()
        else:
            stage, probability = "Closed Won", 100
            close_date = (company.created_at - timedelta(days=rng.randint(0, 3))).date()
        opportunity = Opportunity(
            opportunity_id=salesforce_id(rng, "006"),
            account_id=account.account_id,
            name=f"{names.stem_of(company.name)} - New Business",
            stage_name=stage,
            amount=amount,
            currency=currency.upper(),
            close_date=close_date,
            is_closed=stage.startswith("Closed"),
            is_won=stage == "Closed Won",
            owner_id=owner_id,
            type="New Business",
            created_at=account.created_at + timedelta(hours=2),
            probability=probability,
        )
        self.plan.opportunities.append(opportunity)
        return opportunity

    def _add_lead(self, company, account, contact, opportunity) -> None:
        converted = opportunity.stage_name != "Prospecting"
        self.plan.leads.append(
            Lead(
                lead_id=salesforce_id(self.rng, "00Q"),
                first_name=contact.first_name,
                last_name=contact.last_name,
                company=names.name_variant(self.rng, company.name),
                email=contact.email,
                status="Closed - Converted" if converted else "Working - Contacted",
                is_converted=converted,
                converted_account_id=account.account_id if converted else None,
                converted_opportunity_id=opportunity.opportunity_id if converted else None,
                lead_source=self.rng.choice(("Web", "Partner Referral", "Trade Show", "Outbound")),
                created_at=account.created_at - timedelta(days=1),
            )
        )
