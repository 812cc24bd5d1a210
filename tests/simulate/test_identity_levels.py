"""Identity noise levels: `low` is the old default, the others store fewer (or all) ids and
make names, emails, websites and records as messy as real companies make them."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from difflib import SequenceMatcher

import pytest
from identity_fingerprint import full_digest, structure_digest

from revtruth.simulate.company import levels
from revtruth.simulate.company.domains import AGENCIES
from revtruth.simulate.company.generator import generate
from revtruth.simulate.company.names import FREE_MAIL_DOMAINS
from revtruth.simulate.company.spelling import split_legal
from revtruth.simulate.product_db import _rows_by_table
from revtruth.simulate.salesforce.wire import render_crm
from revtruth.simulate.stripe.render import render_billing
from revtruth.simulate.truth import ground_truth

TODAY = date(2026, 3, 31)
# Digests of the generator before the levels existed (commit acba8c9, seed 3, TODAY):
# identity_noise=0.0 (the old default) and identity_noise=1.0.
OLD_DEFAULT_FULL = "bd1dac90cef27335"
OLD_NOISE_1_STRUCTURE = "558cc9ca17e04340"


@pytest.fixture(scope="module")
def plans():
    return {level: generate(seed=3, today=TODAY, identity_noise=level) for level in levels.LEVELS}


@pytest.fixture(scope="module")
def truths(plans):
    return {level: ground_truth.compute(plan) for level, plan in plans.items()}


def _by_company(records):
    grouped = defaultdict(list)
    for record in records:
        grouped[record.company_key].append(record)
    return grouped


def _domain(email_or_site: str) -> str:
    text = email_or_site.split("@")[-1].lower().split("://")[-1]
    return text.removeprefix("www.").split("/")[0].split("?")[0]


# ----------------------------------------------------------------- low, medium: the old ones


def test_low_is_the_default_and_generates_exactly_the_old_default(plans):
    assert full_digest(plans["low"]) == OLD_DEFAULT_FULL
    assert full_digest(generate(seed=3, today=TODAY)) == OLD_DEFAULT_FULL
    assert not levels.profile("low").rewrites


def test_medium_is_the_old_full_tenant_noise_with_only_names_and_emails_changed(plans):
    medium, low = plans["medium"], plans["low"]
    assert structure_digest(medium) == OLD_NOISE_1_STRUCTURE
    assert all(t.billing_customer_id is None for t in medium.product_db.tenants)
    pairs = zip(medium.crm.accounts, low.crm.accounts, strict=True)
    renamed = sum(a.name != b.name for a, b in pairs)
    assert 0.15 * len(low.crm.accounts) < renamed < 0.5 * len(low.crm.accounts)
    pairs = zip(medium.billing.customers, low.billing.customers, strict=True)
    emails = sum(a.email != b.email for a, b in pairs)
    assert emails > 0


def test_unknown_level_and_old_float_shares_are_refused():
    for wrong in ("extreme", 0.5):
        with pytest.raises(ValueError, match="unknown identity noise level"):
            generate(seed=1, today=TODAY, identity_noise=wrong)


def test_ground_truth_names_the_level_and_lists_look_alikes_only_when_made(truths):
    for level, truth in truths.items():
        assert truth["identity_level"] == level
        assert bool(truth["hard_negative_pairs"]) == (level in ("high", "no_keys"))


def test_a_scenario_file_has_no_identity_level():
    from revtruth.simulate import fixtures, load_scenario

    plan = load_scenario(fixtures.scenario_path("metrics_examples"))
    truth = ground_truth.compute(plan)
    assert truth["identity_level"] is None and truth["hard_negative_pairs"] == []


def test_every_level_is_deterministic_on_the_wire():
    def wire(plan) -> str:
        billing = render_billing(plan.billing)
        return json.dumps(
            [
                {k: getattr(billing, k) for k in ("customers", "subscriptions", "invoices")},
                render_crm(plan.crm),
                [list(map(list, rows)) for _, rows in _rows_by_table(plan.product_db)],
                ground_truth.compute(plan),
            ],
            default=str,
            sort_keys=True,
        )

    for level in ("none", "high", "no_keys"):
        first = generate(seed=8, today=TODAY, identity_noise=level)
        second = generate(seed=8, today=TODAY, identity_noise=level)
        assert wire(first) == wire(second), level


def test_money_and_company_answers_are_the_same_at_every_level(truths):
    low = truths["low"]
    for level, truth in truths.items():
        for key in ("zombie_company_keys", "paying_company_keys", "health_by_company_key"):
            assert truth[key] == low[key], (level, key)
        assert truth["scenario_by_company"] == low["scenario_by_company"]
        for customer, minor in low["mrr_minor_by_stripe_customer_id"].items():
            assert truth["mrr_minor_by_stripe_customer_id"][customer] == minor, level


# ----------------------------------------------------------------- stored keys


def _stored_keys(plan) -> tuple[int, int, int]:
    return (
        sum(1 for c in plan.billing.customers if c.metadata.get("salesforce_account_id")),
        sum(1 for a in plan.crm.accounts if a.stripe_customer_id),
        sum(1 for t in plan.product_db.tenants if t.billing_customer_id),
    )


def test_no_keys_leaves_no_stored_key_anywhere_on_the_wire(plans):
    plan = plans["no_keys"]
    assert _stored_keys(plan) == (0, 0, 0)
    customers = render_billing(plan.billing).customers.values()
    assert all("salesforce_account_id" not in c["metadata"] for c in customers)
    assert all(a["Stripe_Customer_Id__c"] is None for a in render_crm(plan.crm)["Account"])
    tenants = dict(_rows_by_table(plan.product_db))["tenants"]
    assert all(row[4] is None for row in tenants)


def test_none_stores_every_id_and_writes_names_as_the_company_does(plans):
    plan = plans["none"]
    companies = {c.company_key: c for c in plan.companies}
    accounts = _by_company(plan.crm.accounts)
    customers = _by_company(plan.billing.customers)
    for customer in plan.billing.customers:
        company = companies[customer.company_key]
        assert customer.name == company.name
        assert customer.email.endswith("@" + company.domain)
        if accounts[customer.company_key]:
            stored = customer.metadata["salesforce_account_id"]
            assert stored in {a.account_id for a in accounts[customer.company_key]}
    for account in plan.crm.accounts:
        assert account.name == companies[account.company_key].name
        assert account.website == companies[account.company_key].domain
        if customers[account.company_key]:
            assert account.stripe_customer_id == customers[account.company_key][0].customer_id
    for tenant in plan.product_db.tenants:
        assert tenant.name == companies[tenant.company_key].name
        billed = customers[tenant.company_key]
        assert tenant.billing_customer_id == (billed[0].customer_id if billed else None)
    tenant_domain = {t.tenant_id: companies[t.company_key].domain for t in plan.product_db.tenants}
    assert all(u.email.endswith("@" + tenant_domain[u.tenant_id]) for u in plan.product_db.users)


def test_high_keeps_only_a_small_share_of_each_stored_key(plans):
    plan = plans["high"]
    totals = (len(plan.billing.customers), len(plan.crm.accounts), len(plan.product_db.tenants))
    for stored, total in zip(_stored_keys(plan), totals, strict=True):
        assert 0 < stored < 0.3 * total


# ----------------------------------------------------------------- records that are one company


@pytest.mark.parametrize("level", ["high", "no_keys"])
def test_company_of_holds_every_record_of_every_system(plans, truths, level):
    plan, truth = plans[level], truths[level]
    records = {c.customer_id: c.company_key for c in plan.billing.customers}
    records |= {a.account_id: a.company_key for a in plan.crm.accounts}
    records |= {t.tenant_id: t.company_key for t in plan.product_db.tenants}
    assert truth["company_of"] == records


def test_duplicate_crm_accounts_share_a_company_and_its_deals(plans):
    plan = plans["high"]
    accounts = _by_company(plan.crm.accounts)
    duplicated = {k: v for k, v in accounts.items() if len(v) > 1}
    assert len(duplicated) >= 5 and any(len(v) == 3 for v in duplicated.values())
    named_apart = sum(1 for v in duplicated.values() if len({a.name for a in v}) > 1)
    assert named_apart >= 0.8 * len(duplicated)
    company_of_account = {a.account_id: a.company_key for a in plan.crm.accounts}
    deal_accounts = defaultdict(set)
    for deal in plan.crm.opportunities:
        deal_accounts[company_of_account[deal.account_id]].add(deal.account_id)
    assert any(len(deal_accounts[k]) > 1 for k in duplicated)
    # a deal moved to an older duplicate: an account created before the original's
    assert any(v[1].created_at < v[0].created_at for v in duplicated.values())


def test_some_companies_pay_through_two_customers_in_two_currencies(plans, truths):
    plan, truth = plans["high"], truths["high"]
    customers = _by_company(plan.billing.customers)
    two = {k: v for k, v in customers.items() if len(v) == 2}
    assert two and any(v[0].currency != v[1].currency for v in two.values())
    subscribed = {s.customer_id for s in plan.billing.subscriptions}
    assert all(c.customer_id in subscribed for v in two.values() for c in v)
    tenants = _by_company(plan.product_db.tenants)
    assert any(len(tenants[k]) == 2 for k in two)
    mrr = truth["mrr_minor_by_stripe_customer_id"]
    for key, pair in two.items():
        total = sum(mrr[c.customer_id] for c in pair)
        assert truth["mrr_minor_by_company_key"][key] == pytest.approx(total)


def test_company_answers_are_projected_onto_all_its_customers_and_tenants(plans, truths):
    plan, truth = plans["no_keys"], truths["no_keys"]
    customers = _by_company(plan.billing.customers)
    zombies = set(truth["zombie_stripe_customer_ids"])
    for key in truth["zombie_company_keys"]:
        assert {c.customer_id for c in customers[key]} <= zombies
    health = truth["seed_health_by_stripe_customer_id"]
    for key, label in truth["health_by_company_key"].items():
        assert {health[c.customer_id] for c in customers[key]} == {label}
    recent = Counter(
        tenant
        for tenant, at in zip(
            plan.product_db.activity.tenant_id, plan.product_db.activity.occurred_at, strict=True
        )
        if at.date() >= TODAY - timedelta(days=30)
    )
    two_tenants = {k: v for k, v in _by_company(plan.product_db.tenants).items() if len(v) == 2}
    assert two_tenants
    for key, pair in two_tenants.items():
        if key in truth["health_by_company_key"]:
            events = sum(recent[t.tenant_id] for t in pair)
            assert truth["health_by_company_key"][key] == ground_truth.health_label(events)


# ----------------------------------------------------------------- hard negatives


def test_parents_subsidiaries_and_near_twins_stay_different_companies(plans, truths):
    plan, truth = plans["high"], truths["high"]
    companies = {c.company_key: c for c in plan.companies}
    kinds = Counter(pair["kind"] for pair in truth["hard_negative_pairs"])
    assert set(kinds) == {"parent_subsidiary", "similar_name", "shared_agency_domain"}
    for pair in truth["hard_negative_pairs"]:
        a, b = (companies[k] for k in pair["company_keys"])
        assert a.company_key != b.company_key and a.domain != b.domain
        stems = sorted((split_legal(a.name)[0], split_legal(b.name)[0]), key=len)
        if pair["kind"] == "parent_subsidiary":
            assert stems[1].startswith(stems[0] + " ")
            assert a.country != b.country
        elif pair["kind"] == "similar_name":
            assert stems[0] != stems[1]
            one_word_more = stems[1].startswith(stems[0] + " ")
            similar = SequenceMatcher(None, stems[0], stems[1]).ratio() > 0.85
            assert one_word_more or similar, stems


def test_agency_domains_are_on_billing_emails_of_several_companies(plans, truths):
    plan, truth = plans["high"], truths["high"]
    companies_at = defaultdict(set)
    for customer in plan.billing.customers:
        if _domain(customer.email) in AGENCIES:
            companies_at[_domain(customer.email)].add(customer.company_key)
    assert len(companies_at) >= 2 and all(len(v) >= 2 for v in companies_at.values())
    listed = {
        tuple(p["company_keys"])
        for p in truth["hard_negative_pairs"]
        if p["kind"] == "shared_agency_domain"
    }
    for keys in companies_at.values():
        ordered = sorted(keys)
        assert all((a, b) in listed for i, a in enumerate(ordered) for b in ordered[i + 1 :])


@pytest.mark.parametrize("level", levels.LEVELS)
def test_only_agencies_and_free_mail_put_one_domain_on_two_companies(plans, level):
    plan = plans[level]
    companies_of = defaultdict(set)
    account_company = {a.account_id: a.company_key for a in plan.crm.accounts}
    tenant_company = {t.tenant_id: t.company_key for t in plan.product_db.tenants}
    for customer in plan.billing.customers:
        companies_of[_domain(customer.email)].add(customer.company_key)
    for contact in plan.crm.contacts:
        companies_of[_domain(contact.email)].add(account_company[contact.account_id])
    for user in plan.product_db.users:
        companies_of[_domain(user.email)].add(tenant_company[user.tenant_id])
    for account in plan.crm.accounts:
        if account.website:
            companies_of[_domain(account.website)].add(account.company_key)
    shared = {d for d, keys in companies_of.items() if len(keys) > 1}
    assert shared <= set(FREE_MAIL_DOMAINS) | set(AGENCIES)


# ----------------------------------------------------------------- names, emails, websites


def test_names_differ_per_system_with_every_kind_of_edit_at_no_keys(plans):
    plan = plans["no_keys"]
    companies = {c.company_key: c for c in plan.companies}
    names = [
        (r.name, companies[r.company_key].name)
        for r in [*plan.billing.customers, *plan.crm.accounts, *plan.product_db.tenants]
    ]
    changed = [name for name, canonical in names if name != canonical]
    assert len(changed) > 0.6 * len(names)
    text = " | ".join(changed).lower()
    for signs in (
        ("the ",),  # a leading "The"
        ("tech ", "sys ", "solns", "laboratories", "med ", "healthcare", "intl", "grp"),
        ("(eu)", "(us)", " - uk", " - usa", "us hq", "emea", "apac", "deutschland"),
        ("gmbh", "s.a.", "sas", "k.k.", "limited", "incorporated", ", inc.", "plc"),
    ):
        assert any(sign in text for sign in signs), signs
    assert any(name.isupper() for name in changed) and any(name.islower() for name in changed)


def test_billing_emails_on_free_mail_personal_and_secondary_domains(plans):
    plan = plans["high"]
    companies = {c.company_key: c for c in plan.companies}
    kinds = Counter()
    for customer in plan.billing.customers:
        domain, company = _domain(customer.email), companies[customer.company_key]
        if domain in FREE_MAIL_DOMAINS:
            kinds["free"] += 1
        elif domain in company.other_domains:
            kinds["other"] += 1
        elif domain in AGENCIES:
            kinds["agency"] += 1
        elif domain != company.domain:
            kinds["personal"] += 1
    assert all(kinds[k] > 0 for k in ("free", "other", "agency", "personal")), kinds
    users_elsewhere = sum(
        1 for u in plan.product_db.users if _domain(u.email).endswith((".io", ".net", "hq.com"))
    )
    contacts_elsewhere = sum(
        1
        for c in plan.crm.contacts
        if any(_domain(c.email) in x.other_domains for x in plan.companies)
    )
    assert users_elsewhere > 0 and contacts_elsewhere > 0


def test_crm_websites_missing_with_paths_or_on_another_domain(plans):
    plan = plans["no_keys"]
    companies = {c.company_key: c for c in plan.companies}
    websites = [(a.website, companies[a.company_key]) for a in plan.crm.accounts]
    assert sum(1 for w, _ in websites if w is None) > 0.2 * len(websites)
    assert any(w and "/" in w.split("://")[-1].rstrip("/") for w, _ in websites)
    assert any(w and _domain(w) in c.other_domains for w, c in websites)


def test_lifecycle_steps_are_days_apart_mostly_and_weeks_apart_for_some(plans):
    plan = plans["high"]
    first_customer, first_tenant, won = {}, {}, {}
    for customer in plan.billing.customers:
        first_customer.setdefault(customer.company_key, customer)
    for tenant in plan.product_db.tenants:
        first_tenant.setdefault(tenant.company_key, tenant)
    account_company = {a.account_id: a.company_key for a in plan.crm.accounts}
    for deal in plan.crm.opportunities:
        if deal.is_won and deal.type == "New Business":
            won.setdefault(account_company[deal.account_id], deal)
    gaps = []
    for key, customer in first_customer.items():
        if key in won and key in first_tenant:
            deal_gap = (customer.created_at.date() - won[key].close_date).days
            tenant_gap = (customer.created_at - first_tenant[key].created_at).days
            gaps.append(max(abs(deal_gap), abs(tenant_gap)))
    assert sum(1 for g in gaps if g <= 3) > 0.7 * len(gaps)
    assert sum(1 for g in gaps if g >= 14) > 0


# ----------------------------------------------------------------- the command line


def test_cli_choices_are_the_simulator_levels_and_low_is_the_default(tmp_path):
    from typer.testing import CliRunner

    from revtruth.cli import app
    from revtruth.cli.app import IdentityNoise

    assert tuple(IdentityNoise) == levels.LEVELS
    runner = CliRunner()
    args = ["simulate", "generate", "--seed", "2", "--today", "2026-03-31", "--dir"]
    result = runner.invoke(app, [*args, str(tmp_path), "--identity-noise", "no_keys"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "ground_truth.json").read_text())["identity_level"] == "no_keys"
    assert runner.invoke(app, [*args, str(tmp_path), "--identity-noise", "0.5"]).exit_code != 0
