"""Ground truth per company: zombies, health and MRR belong to the company, whatever number
of billing customers and tenants it has, and are projected onto each of its customers."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from revtruth.simulate.company.generator import generate
from revtruth.simulate.company.plan import LookAlike
from revtruth.simulate.truth import ground_truth

TODAY = date(2026, 3, 31)


@pytest.fixture(scope="module")
def plan():
    return generate(seed=6, today=TODAY)


@pytest.fixture(scope="module")
def truth(plan):
    return ground_truth.compute(plan)


def test_with_one_customer_per_company_the_company_keys_are_the_customer_keys(plan, truth):
    company_of = truth["company_of"]
    zombie_companies = {company_of[c] for c in truth["zombie_stripe_customer_ids"]}
    assert truth["zombie_company_keys"] == sorted(zombie_companies)
    mrr = truth["mrr_minor_by_stripe_customer_id"]
    paying = {company_of[c] for c, minor in mrr.items() if minor > 0}
    assert truth["paying_company_keys"] == sorted(paying)
    assert truth["health_by_company_key"] == {
        company_of[c]: label for c, label in truth["seed_health_by_stripe_customer_id"].items()
    }
    assert truth["mrr_minor_by_company_key"] == {
        company_of[c]: minor for c, minor in truth["mrr_minor_by_stripe_customer_id"].items()
    }


def _tenant_of(plan, company_key):
    return next(t for t in plan.product_db.tenants if t.company_key == company_key)


def test_a_zombie_company_is_no_zombie_when_any_of_its_tenants_is_used(plan, truth):
    """Give a zombie company a second tenant: a healthy company's workspace."""
    zombie = truth["zombie_company_keys"][0]
    healthy = next(k for k, v in truth["health_by_company_key"].items() if v == "Healthy")
    changed = copy.deepcopy(plan)
    _tenant_of(changed, healthy).company_key = zombie
    for customer in changed.billing.customers:
        if customer.company_key == healthy:
            customer.company_key = zombie  # its billing, too: one company, two customers
    after = ground_truth.compute(changed)
    assert zombie not in after["zombie_company_keys"]
    customers = [c.customer_id for c in changed.billing.customers if c.company_key == zombie]
    assert len(customers) == 2
    assert not set(customers) & set(after["zombie_stripe_customer_ids"])
    assert after["health_by_company_key"][zombie] == "Healthy"
    assert {after["seed_health_by_stripe_customer_id"][c] for c in customers} == {"Healthy"}
    mrr = after["mrr_minor_by_stripe_customer_id"]
    total = sum(mrr[c] for c in customers)
    assert after["mrr_minor_by_company_key"][zombie] == pytest.approx(total)


def test_a_paying_company_with_two_idle_tenants_is_one_zombie_with_both_customers(plan, truth):
    zombies = truth["zombie_company_keys"][:2]
    changed = copy.deepcopy(plan)
    for record in [*changed.billing.customers, *changed.product_db.tenants]:
        if record.company_key == zombies[1]:
            record.company_key = zombies[0]
    after = ground_truth.compute(changed)
    assert zombies[0] in after["zombie_company_keys"]
    assert zombies[1] not in after["zombie_company_keys"]
    both = [c.customer_id for c in changed.billing.customers if c.company_key == zombies[0]]
    assert len(both) == 2 and set(both) <= set(after["zombie_stripe_customer_ids"])


def test_hard_negative_pairs_list_each_look_alike_once_in_key_order(plan):
    changed = copy.deepcopy(plan)
    changed.look_alikes = [
        LookAlike("co_00009", "co_00002", "similar_name"),
        LookAlike("co_00002", "co_00009", "similar_name"),
        LookAlike("co_00003", "co_00004", "parent_subsidiary"),
    ]
    assert ground_truth.compute(changed)["hard_negative_pairs"] == [
        {"company_keys": ["co_00002", "co_00009"], "kind": "similar_name"},
        {"company_keys": ["co_00003", "co_00004"], "kind": "parent_subsidiary"},
    ]
