"""What the simulated company really is, written next to the generated data.

Computed only from the generator's plan (never from the servers or the warehouse), so tests
can hold revtruth's answers against it.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

from revtruth.simulate.company.plan import CompanyPlan
from revtruth.simulate.truth.history import movements, mrr_by_customer_month
from revtruth.simulate.truth.mrr import minor_for_json, mrr_minor_by_customer

ZOMBIE_WINDOW_DAYS = 90
RECENT_WINDOW_DAYS = 30
LOW_ADOPTION_BELOW = 10


def health_label(recent_events: int, low_adoption_below: int = LOW_ADOPTION_BELOW) -> str:
    if recent_events == 0:
        return "High Churn Risk (Zombie)"
    if recent_events < low_adoption_below:
        return "Medium Risk (Low Adoption)"
    return "Healthy"


def events_since(plan: CompanyPlan, days: int) -> Counter[str]:
    """Activity rows per tenant whose UTC event date is on or after today − `days`."""
    first_day = plan.today - timedelta(days=days)
    return Counter(
        tenant_id
        for tenant_id, at in zip(
            plan.product_db.activity.tenant_id, plan.product_db.activity.occurred_at, strict=True
        )
        if at.date() >= first_day
    )


def compute(plan: CompanyPlan) -> dict:
    mrr = mrr_minor_by_customer(plan)
    tenant_of_company = {t.company_key: t.tenant_id for t in plan.product_db.tenants}
    tenant_of_customer = {
        c.customer_id: tenant_of_company.get(c.company_key) for c in plan.billing.customers
    }
    last_90, last_30 = (
        events_since(plan, ZOMBIE_WINDOW_DAYS),
        events_since(plan, RECENT_WINDOW_DAYS),
    )
    zombies = sorted(
        customer_id
        for customer_id, minor in mrr.items()
        if minor > 0 and last_90[tenant_of_customer[customer_id]] == 0
    )
    active_customers = sorted(
        {s.customer_id for s in plan.billing.subscriptions if s.status == "active"}
    )
    health = {
        customer_id: health_label(last_30[tenant_of_customer[customer_id]])
        for customer_id in active_customers
    }
    company_of = {c.customer_id: c.company_key for c in plan.billing.customers}
    company_of.update({a.account_id: a.company_key for a in plan.crm.accounts})
    company_of.update({t.tenant_id: t.company_key for t in plan.product_db.tenants})
    won_accounts = {o.account_id for o in plan.crm.opportunities if o.is_won}
    account_company = {a.account_id: a.company_key for a in plan.crm.accounts}
    billed_companies = {c.company_key for c in plan.billing.customers}
    monthly = mrr_by_customer_month(plan)
    return {
        "seed": plan.seed,
        "size": plan.size,
        "today": plan.today.isoformat(),
        "reporting_currency": plan.reporting_currency,
        "zombie_stripe_customer_ids": zombies,
        "seed_health_by_stripe_customer_id": health,
        "mrr_minor_by_stripe_customer_id": {k: minor_for_json(v) for k, v in sorted(mrr.items())},
        "mrr_minor_by_stripe_customer_month": {
            customer: {month: minor_for_json(v) for month, v in months.items()}
            for customer, months in sorted(monthly.items())
        },
        "movements": {
            customer: {
                month: {kind: minor_for_json(v) for kind, v in kinds.items()}
                for month, kinds in months.items()
            }
            for customer, months in sorted(movements(monthly).items())
        },
        "company_of": dict(sorted(company_of.items())),
        "scenario_by_company": {c.company_key: c.scenario for c in plan.companies},
        "active_customer_counts": {
            "billing": sum(1 for minor in mrr.values() if minor > 0),
            "crm": sum(1 for a in plan.crm.accounts if a.type == "Customer"),
            "product": sum(1 for t in plan.product_db.tenants if last_30[t.tenant_id] > 0),
        },
        "won_deals_never_billed": sorted(
            o.opportunity_id
            for o in plan.crm.opportunities
            if o.is_won and account_company[o.account_id] not in billed_companies
        ),
        "won_accounts": len(won_accounts),
        "fx_units_per_reporting_unit": {k: str(v) for k, v in plan.fx_to_reporting.items()},
    }


def write(plan: CompanyPlan, directory: Path) -> Path:
    path = Path(directory) / "ground_truth.json"
    path.write_text(json.dumps(compute(plan), indent=2) + "\n")
    return path
