"""The identity pass: what each level (levels.py) changes in the plan the base generator wrote.

`prepare` runs on the companies before any system records them: it reshapes canonical names
and makes look-alike companies (`lookalikes`), and gives companies their secondary and
country domains (`domains`). `apply` runs on the finished plan:

- `none`: names as the company writes them in every system, billing emails and product users
  on the company's domain, the CRM website its domain (the stored ids were all written by
  the base generator);
- otherwise, on top of what `low` wrote: duplicate CRM accounts (`duplicates`), billing
  emails at agencies, messier names, emails on free mail, personal or other company
  domains, messier websites, and lifecycles whose steps are weeks apart.

**Agencies** (`agency_client_share` of billed customers, at least two agencies with at least
two clients each): an accountant, reseller or procurement service whose domain is on the
billing email of customers of different companies, as one shared mailbox
(`ap@brightbooks.io`), one per client (`acme@…`) or plus-addressed (`billing+acme@…`).

**Lifecycle timing**: the base generator closes the deal 0–3 days before billing starts
and provisions the tenant three minutes after. For `weeks_apart_share` of billed companies
the steps are weeks apart: the won deal closed 2–8 weeks before billing (contract first,
billing set up later), the tenant provisioned 2–6 weeks before billing (a pilot), or both.

Everything here draws from its own random stream, never the base generator's.
"""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import combinations

from revtruth.simulate.company import duplicates, names
from revtruth.simulate.company.domains import AGENCIES, DomainRegistry, slug_of, website
from revtruth.simulate.company.levels import IdentityProfile
from revtruth.simulate.company.lookalikes import reshape
from revtruth.simulate.company.plan import Company, CompanyPlan, LookAlike
from revtruth.simulate.company.spelling import messy_name, split_legal

MAILBOXES = ("billing", "finance", "ap", "accounts", "invoices")


def prepare(
    rng: random.Random, companies: list[Company], profile: IdentityProfile
) -> list[LookAlike]:
    """Canonical names, look-alike pairs and other domains, before any record is written."""
    registry = DomainRegistry(c.domain for c in companies)
    look_alikes = []
    if profile.reshape_names:
        look_alikes = reshape(
            rng, companies, registry, profile.subsidiary_share, profile.similar_name_share
        )
    if profile.other_domain_share or profile.website_other_domain_share:
        for company in companies:
            company.other_domains = registry.alternates(rng, company.domain, company.country)
    return look_alikes


def apply(rng: random.Random, plan: CompanyPlan, profile: IdentityProfile, named: set[str]):
    """Change the finished plan as the level says; `named` are ids whose names and emails
    were already chosen on purpose (second billing customers and their tenants)."""
    pass_ = _Pass(rng, plan, profile)
    if profile.clean:
        pass_.clean()
        return
    named = set(named) | duplicates.add(rng, plan, profile)
    at_agencies = pass_.agencies() if profile.agency_client_share else set()
    pass_.names(named)
    pass_.emails(named | at_agencies)
    if profile.website_missing_share or profile.website_other_domain_share:
        pass_.websites(named)
    if profile.weeks_apart_share:
        pass_.weeks_apart()


class _Pass:
    def __init__(self, rng: random.Random, plan: CompanyPlan, profile: IdentityProfile):
        self.rng, self.plan, self.profile = rng, plan, profile
        self.companies = {c.company_key: c for c in plan.companies}
        self.registry = DomainRegistry(
            [c.domain for c in plan.companies]
            + [d for c in plan.companies for d in c.other_domains]
        )
        # Leads carry no account; the base generator made each from an account's contact.
        company_of_account = {a.account_id: a.company_key for a in plan.crm.accounts}
        self.company_of_email = {
            c.email: company_of_account[c.account_id] for c in plan.crm.contacts
        }

    def _messy(self, company: Company) -> str:
        p = self.profile
        return messy_name(self.rng, company.name, company.country, p.name_edits, p.typo_share)

    # ------------------------------------------------------------------ none

    def clean(self) -> None:
        plan, companies = self.plan, self.companies
        for customer in plan.billing.customers:
            company = companies[customer.company_key]
            customer.name = company.name
            if not customer.email.endswith("@" + company.domain):
                customer.email = f"billing@{company.domain}"
        for account in plan.crm.accounts:
            account.name = companies[account.company_key].name
            account.website = companies[account.company_key].domain
        for lead in plan.crm.leads:
            if lead.email in self.company_of_email:
                lead.company = companies[self.company_of_email[lead.email]].name
        tenant_company = {}
        for tenant in plan.product_db.tenants:
            tenant.name = companies[tenant.company_key].name
            tenant_company[tenant.tenant_id] = companies[tenant.company_key]
        for user in plan.product_db.users:
            domain = tenant_company[user.tenant_id].domain
            if not user.email.endswith("@" + domain):
                first, last = user.full_name.split(" ", 1)
                user.email = names.work_email(first, last, domain)

    # ------------------------------------------------------------------ agencies

    def agencies(self) -> set[str]:
        """Put some customers' billing emails at agencies; returns those customer ids."""
        rng, plan = self.rng, self.plan
        customers = list(plan.billing.customers)
        rng.shuffle(customers)
        clients, seen = [], set()
        wanted = max(4, round(self.profile.agency_client_share * len(customers)))
        for customer in customers:
            if customer.company_key not in seen and len(clients) < wanted:
                clients.append(customer)
                seen.add(customer.company_key)
        count = min(len(AGENCIES), max(2, len(clients) // 3))
        domains = [d for d in (self.registry.claim([a]) for a in AGENCIES[:count]) if d]
        styles = {d: rng.choice(("shared", "per_client", "plus")) for d in domains}
        groups: dict[str, list[str]] = {d: [] for d in domains}
        for index, customer in enumerate(clients):
            domain = domains[index % len(domains)]
            slug = slug_of(split_legal(self.companies[customer.company_key].name)[0])[:20]
            customer.email = {
                "shared": f"ap@{domain}",
                "per_client": f"{slug}@{domain}",
                "plus": f"billing+{slug}@{domain}",
            }[styles[domain]]
            groups[domain].append(customer.company_key)
        for keys in groups.values():
            for a, b in combinations(sorted(keys), 2):
                plan.look_alikes.append(LookAlike(a, b, "shared_agency_domain"))
        return {c.customer_id for c in clients}

    # ------------------------------------------------------------------ names

    def names(self, named: set[str]) -> None:
        rng, share, companies = self.rng, self.profile.name_share, self.companies
        records = [
            *((c.customer_id, c) for c in self.plan.billing.customers),
            *((a.account_id, a) for a in self.plan.crm.accounts),
            *((t.tenant_id, t) for t in self.plan.product_db.tenants),
        ]
        for record_id, record in records:
            if record_id not in named and rng.random() < share:
                record.name = self._messy(companies[record.company_key])
        for lead in self.plan.crm.leads:
            key = self.company_of_email.get(lead.email)
            if key and rng.random() < share:
                lead.company = self._messy(companies[key])

    # ------------------------------------------------------------------ emails

    def _other_domain(self, email: str, company: Company) -> str:
        """`email` moved to another of the company's domains, if it is on its main one."""
        local, _, domain = email.partition("@")
        if domain != company.domain or not company.other_domains:
            return email
        return f"{local}@{self.rng.choice(company.other_domains)}"

    def emails(self, named: set[str]) -> None:
        rng, p, companies = self.rng, self.profile, self.companies
        for customer in self.plan.billing.customers:
            if customer.customer_id in named:
                continue
            company = companies[customer.company_key]
            roll = rng.random()
            first, last = names.person(rng)
            if roll < p.billing_free_mail_share:
                customer.email = names.free_mail(rng, first, last)
            elif roll < p.billing_free_mail_share + p.billing_personal_share:
                domain = self.registry.personal(rng, first, last)
                customer.email = f"{first.lower()}@{domain}"
            elif roll < p.billing_free_mail_share + p.billing_personal_share + p.other_domain_share:
                if not customer.email.endswith("@" + company.domain):
                    customer.email = f"{rng.choice(MAILBOXES)}@{company.domain}"
                customer.email = self._other_domain(customer.email, company)
        moved = {}
        for contact in self.plan.crm.contacts:
            key = self.company_of_email.get(contact.email)
            if key is not None and rng.random() < p.other_domain_share:
                new = self._other_domain(contact.email, companies[key])
                moved[contact.email] = contact.email = new
        for lead in self.plan.crm.leads:
            lead.email = moved.get(lead.email, lead.email)
        tenant_company = {
            t.tenant_id: companies[t.company_key] for t in self.plan.product_db.tenants
        }
        for user in self.plan.product_db.users:
            company = tenant_company[user.tenant_id]
            roll = rng.random()
            first, last = user.full_name.split(" ", 1)
            if roll < p.user_free_mail_share:
                user.email = names.free_mail(rng, first, last)
            elif roll < p.user_free_mail_share + p.other_domain_share:
                user.email = self._other_domain(user.email, company)

    # ------------------------------------------------------------------ websites

    def websites(self, named: set[str]) -> None:
        rng, p = self.rng, self.profile
        for account in self.plan.crm.accounts:
            if account.account_id in named:
                continue
            company = self.companies[account.company_key]
            roll = rng.random()
            with_path = rng.random() < p.website_path_share
            if roll < p.website_missing_share:
                account.website = None
            elif roll < p.website_missing_share + p.website_other_domain_share:
                domain = rng.choice(company.other_domains or [company.domain])
                account.website = website(rng, domain, with_path)
            elif account.website and with_path:
                account.website = account.website.rstrip("/") + "/about-us"

    # ------------------------------------------------------------------ lifecycle timing

    def weeks_apart(self) -> None:
        rng, plan = self.rng, self.plan
        first_customer = {}
        for customer in plan.billing.customers:
            first_customer.setdefault(customer.company_key, customer)
        company_of_account = {a.account_id: a.company_key for a in plan.crm.accounts}
        won_deal = {}
        for deal in plan.crm.opportunities:
            if deal.is_won and deal.type == "New Business":
                won_deal.setdefault(company_of_account[deal.account_id], deal)
        first_tenant = {}
        for tenant in plan.product_db.tenants:
            first_tenant.setdefault(tenant.company_key, tenant)
        for key, customer in first_customer.items():
            if rng.random() >= self.profile.weeks_apart_share:
                continue
            kind = rng.choice(("deal", "tenant", "both"))
            deal, tenant = won_deal.get(key), first_tenant.get(key)
            if deal is not None and kind in ("deal", "both"):
                closed = customer.created_at - timedelta(days=rng.randint(14, 56))
                deal.close_date = max(closed, deal.created_at).date()
            if tenant is not None and kind in ("tenant", "both"):
                tenant.created_at = customer.created_at - timedelta(
                    days=rng.randint(14, 42), minutes=rng.randint(0, 600)
                )
