"""Digests of a generated plan, to prove a level generates what the generator always did.

Only plan attributes that existed before the identity levels are read, so the same function
gives the digests of the old generator (`identity_noise=0.0` and `1.0` at commit acba8c9)
that `test_identity_levels` holds `low` and `medium` against.
"""

from __future__ import annotations

import hashlib
import json


def _ids_and_money(plan) -> dict:
    log = plan.product_db.activity
    activity = hashlib.sha256()
    for row in zip(
        log.event_id, log.tenant_id, log.user_id, log.event_type, log.occurred_at, strict=True
    ):
        activity.update(repr(row).encode())
    return {
        "companies": [(c.company_key, c.scenario, c.created_at, c.country) for c in plan.companies],
        "customers": [
            (c.customer_id, c.company_key, c.created_at, c.currency, sorted(c.metadata.items()))
            for c in plan.billing.customers
        ],
        "subscriptions": [
            (
                s.subscription_id,
                s.customer_id,
                s.status,
                [(i.price_id, i.quantity) for i in s.items],
            )
            for s in plan.billing.subscriptions
        ],
        "invoices": [(i.invoice_id, i.status, i.total) for i in plan.billing.invoices],
        "events": [(e.event_id, e.type, e.object_id) for e in plan.billing.events],
        "accounts": [
            (a.account_id, a.company_key, a.type, a.stripe_customer_id, a.created_at)
            for a in plan.crm.accounts
        ],
        "contacts": [(c.contact_id, c.account_id) for c in plan.crm.contacts],
        "opportunities": [
            (o.opportunity_id, o.account_id, o.stage_name, str(o.amount), o.close_date)
            for o in plan.crm.opportunities
        ],
        "tenants": [
            (t.tenant_id, t.company_key, t.slug, t.created_at, t.billing_customer_id)
            for t in plan.product_db.tenants
        ],
        "users": [(u.user_id, u.tenant_id, u.role) for u in plan.product_db.users],
        "activity": activity.hexdigest(),
    }


def _names_and_emails(plan) -> dict:
    return {
        "company_names": [(c.name, c.domain) for c in plan.companies],
        "customers": [(c.name, c.email) for c in plan.billing.customers],
        "accounts": [(a.name, a.website) for a in plan.crm.accounts],
        "contacts": [c.email for c in plan.crm.contacts],
        "leads": [(ld.company, ld.email) for ld in plan.crm.leads],
        "tenants": [t.name for t in plan.product_db.tenants],
        "users": [u.email for u in plan.product_db.users],
    }


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, default=str).encode()).hexdigest()[:16]


def structure_digest(plan) -> str:
    """Ids, links, stored keys, money and activity: everything but names and emails."""
    return _digest(_ids_and_money(plan))


def full_digest(plan) -> str:
    """Everything `structure_digest` reads, and every name, email and website too."""
    return _digest([_ids_and_money(plan), _names_and_emails(plan)])
