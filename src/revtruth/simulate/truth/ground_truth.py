"""What the simulated company really is, written next to the generated data.

Computed only from the generator's plan (never from the servers or the warehouse), so tests
can hold revtruth's answers against it.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

from revtruth.simulate.company.plan import CompanyPlan
from revtruth.simulate.truth import reconciliation
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
    """Every answer revtruth is checked against, from the plan alone.

    Zombies and health labels belong to companies, whatever number of billing customers
    and tenants each has: a company is a zombie when it pays (MRR over all its customers
    above zero) and none of its tenants had activity in the last 90 days, and its health
    label counts the last 30 days' activity rows of all its tenants. The per-customer keys
    project the company's answer onto each of its customers; a customer's MRR stays its own
    (its part of the company's MRR)."""
    mrr = mrr_minor_by_customer(plan)
    customers_of: dict[str, list[str]] = {}
    for customer in plan.billing.customers:
        customers_of.setdefault(customer.company_key, []).append(customer.customer_id)
    tenants_of: dict[str, list[str]] = {}
    for tenant in plan.product_db.tenants:
        tenants_of.setdefault(tenant.company_key, []).append(tenant.tenant_id)
    last_90, last_30 = (
        events_since(plan, ZOMBIE_WINDOW_DAYS),
        events_since(plan, RECENT_WINDOW_DAYS),
    )
    company_mrr = {
        key: sum((mrr[c] for c in customer_ids), Fraction(0))
        for key, customer_ids in customers_of.items()
    }
    paying = sorted(key for key, minor in company_mrr.items() if minor > 0)
    zombie_companies = [
        key for key in paying if sum(last_90[t] for t in tenants_of.get(key, ())) == 0
    ]
    zombies = sorted(c for key in zombie_companies for c in customers_of[key])
    customer_company = {c.customer_id: c.company_key for c in plan.billing.customers}
    active_companies = sorted(
        {
            customer_company[s.customer_id]
            for s in plan.billing.subscriptions
            if s.status == "active"
        }
    )
    company_health = {
        key: health_label(sum(last_30[t] for t in tenants_of.get(key, ())))
        for key in active_companies
    }
    health = {
        customer_id: company_health[key]
        for key in active_companies
        for customer_id in customers_of[key]
    }
    health = dict(sorted(health.items()))
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
        # Added with the identity levels; every key above keeps its meaning.
        "identity_level": plan.identity_level,
        "zombie_company_keys": zombie_companies,
        "paying_company_keys": paying,
        "health_by_company_key": company_health,
        "mrr_minor_by_company_key": {
            key: minor_for_json(minor) for key, minor in sorted(company_mrr.items())
        },
        "hard_negative_pairs": hard_negative_pairs(plan),
        # Added with reconciliation and time to value (reconciliation.py); the keys above
        # keep their meaning.
        **reconciliation.compute(plan, RECENT_WINDOW_DAYS),
    }


def hard_negative_pairs(plan: CompanyPlan) -> list[dict]:
    """Pairs of different companies that look alike (parent and subsidiary, near-identical
    names, an agency's domain on both their billing emails), each once per kind."""
    pairs = {
        (min(x.first_key, x.second_key), max(x.first_key, x.second_key), x.kind)
        for x in plan.look_alikes
    }
    return [{"company_keys": [a, b], "kind": kind} for a, b, kind in sorted(pairs)]


def write(plan: CompanyPlan, directory: Path) -> Path:
    path = Path(directory) / "ground_truth.json"
    path.write_text(json.dumps(compute(plan), indent=2) + "\n")
    return path
