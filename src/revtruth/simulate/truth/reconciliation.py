"""Where billing, CRM and product disagree about a company, and how fast it got value.

Ground truth for reconciliation, computed from the generator's plan alone (never from the
servers or the warehouse): every answer is keyed by the true company key, so the warehouse's
identity resolution, its counts and its deal checks can be held against it. Everything is
"as of" `plan.today`; dates are the UTC dates of the plan's datetimes and every window
includes both its ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from revtruth.simulate.company.plan import CompanyPlan, Invoice, Opportunity
from revtruth.simulate.truth.mrr import mrr_minor_by_customer

# A won deal gets this long, either side of its close date, to show up as a paid invoice; a
# deal closed more recently is not judged yet (billing may simply not have caught up).
GRACE_DAYS = 45
# A company has had value once this many distinct users of its tenants have used the product.
VALUE_ACTIVE_USERS = 3

# In the order a company's codes are listed (ground truth compares lists, so it is fixed).
COUNT_CODES = (
    "billing_not_crm",
    "crm_not_billing",
    "paying_never_provisioned",
    "paying_not_active",
    "active_not_paying",
    "counted_twice_by_billing",
    "counted_twice_by_crm",
    "counted_twice_by_product",
)


@dataclass
class ActivityDigest:
    """What reconciliation needs from the activity log, gathered in one pass over it.

    The log holds ~10^5 rows at small and ~10^7 at medium, so nothing may rescan it per
    company or per deal: every question below is answered from these few maps."""

    recent_tenants: set[str] = field(default_factory=set)
    first_at_by_company: dict[str, datetime] = field(default_factory=dict)
    last_at_by_company: dict[str, datetime] = field(default_factory=dict)
    # company -> user id -> the user's first activity row (all time, up to today)
    user_first_at_by_company: dict[str, dict[str, datetime]] = field(default_factory=dict)


@dataclass
class CompanyFacts:
    """Each company as the three systems see it, from which every reconciliation rule reads."""

    billing_count: int = 0  # its Stripe customers with live MRR above zero
    crm_count: int = 0  # its Salesforce accounts typed Customer
    product_count: int = 0  # its tenants with an activity row in the recent window
    customers: int = 0  # its Stripe customers, paying or not
    tenants: int = 0
    mrr: Fraction = Fraction(0)  # live MRR over all its customers, reporting minor units

    @property
    def paying(self) -> bool:
        return self.mrr > 0


def _start_of(day: date) -> datetime:
    """Midnight UTC starting `day`: rows compare against it without turning each of ~10^5
    datetimes into a date."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def utc_date(at: datetime) -> date:
    """The UTC date of an instant, whatever zone it was written in."""
    return at.astimezone(UTC).date()


def digest_activity(plan: CompanyPlan, recent_window_days: int) -> ActivityDigest:
    """One pass over the columnar log. A row is recent when its UTC date is on or after
    today − `recent_window_days`; rows dated after today are not history yet and are left out
    of the first-activity and first-user times (the generator writes none)."""
    log = plan.product_db.activity
    company_of = {t.tenant_id: t.company_key for t in plan.product_db.tenants}
    digest = ActivityDigest()
    recent_from = _start_of(plan.today - timedelta(days=recent_window_days))
    after_today = _start_of(plan.today + timedelta(days=1))
    first_at, last_at = digest.first_at_by_company, digest.last_at_by_company
    users = digest.user_first_at_by_company
    for tenant_id, user_id, at in zip(log.tenant_id, log.user_id, log.occurred_at, strict=True):
        if at >= after_today:
            continue
        company = company_of[tenant_id]
        if at >= recent_from:
            digest.recent_tenants.add(tenant_id)
        if company not in first_at or at < first_at[company]:
            first_at[company] = at
        if company not in last_at or at > last_at[company]:
            last_at[company] = at
        seen = users.setdefault(company, {})
        if user_id not in seen or at < seen[user_id]:
            seen[user_id] = at
    return digest


def company_facts(
    plan: CompanyPlan, mrr: dict[str, Fraction], digest: ActivityDigest
) -> dict[str, CompanyFacts]:
    """Every company any system knows (customers, accounts and tenants), with its counts."""
    facts: dict[str, CompanyFacts] = {}
    for customer in plan.billing.customers:
        fact = facts.setdefault(customer.company_key, CompanyFacts())
        fact.customers += 1
        fact.mrr += mrr[customer.customer_id]
        fact.billing_count += mrr[customer.customer_id] > 0
    for account in plan.crm.accounts:
        fact = facts.setdefault(account.company_key, CompanyFacts())
        fact.crm_count += account.type == "Customer"
    for tenant in plan.product_db.tenants:
        fact = facts.setdefault(tenant.company_key, CompanyFacts())
        fact.tenants += 1
        fact.product_count += tenant.tenant_id in digest.recent_tenants
    return dict(sorted(facts.items()))


def count_codes(fact: CompanyFacts) -> list[str]:
    """Why the three systems' customer counts disagree about one company: each code names
    one way a company is counted by one system and not another, or more than once by one."""
    billing, crm, product = fact.billing_count, fact.crm_count, fact.product_count
    holds = {
        "billing_not_crm": billing > 0 and crm == 0,
        "crm_not_billing": crm > 0 and billing == 0,
        "paying_never_provisioned": billing > 0 and fact.tenants == 0,
        "paying_not_active": billing > 0 and fact.tenants > 0 and product == 0,
        "active_not_paying": product > 0 and billing == 0,
        "counted_twice_by_billing": billing > 1,
        "counted_twice_by_crm": crm > 1,
        "counted_twice_by_product": product > 1,
    }
    return [code for code in COUNT_CODES if holds[code]]


def count_totals(facts: dict[str, CompanyFacts]) -> dict[str, int]:
    """The per-company counts summed: the same figures as the systems' own customer counts,
    so a reconciliation that explains every company explains the totals too."""
    return {
        "billing": sum(f.billing_count for f in facts.values()),
        "crm": sum(f.crm_count for f in facts.values()),
        "product": sum(f.product_count for f in facts.values()),
    }


def is_judged(opportunity: Opportunity, today: date) -> bool:
    """A won deal is judged once its grace period is over; before that a missing invoice may
    just be late, and calling it hallucinated would be a false alarm."""
    return opportunity.is_won and opportunity.close_date <= today - timedelta(days=GRACE_DAYS)


def hallucination_reason(
    opportunity: Opportunity, has_customer: bool, invoices: Iterable[Invoice]
) -> str | None:
    """Why a judged won deal is revenue only the CRM believes in, or None when billing was
    paid for it: a paid, non-zero invoice of the company created within GRACE_DAYS either
    side of the close date (self-serve companies often pay before sales closes the deal)."""
    if not has_customer:
        return "no_billing_customer"
    first = opportunity.close_date - timedelta(days=GRACE_DAYS)
    last = opportunity.close_date + timedelta(days=GRACE_DAYS)
    near = [i for i in invoices if first <= utc_date(i.created_at) <= last]
    if any(i.status == "paid" and i.total > 0 for i in near):
        return None
    if any(i.status in ("uncollectible", "open") for i in near):
        return "payment_failed"
    return "no_paid_invoice"


def unprovisioned_reason(
    opportunity: Opportunity, fact: CompanyFacts, last_at: datetime | None
) -> str | None:
    """Why a paying company's judged won deal never turned into product use: it has no
    workspace at all, or none of its workspaces was used on or after the close date."""
    if not fact.paying:
        return None
    if fact.tenants == 0:
        return "no_tenant"
    if last_at is None or utc_date(last_at) < opportunity.close_date:
        return "no_activity_since_close"
    return None


def unbilled_reason(fact: CompanyFacts) -> str | None:
    """Why a recently used tenant earns nothing: its company was never billed, or it is
    billed but pays nothing now (trial, churned, a zero-priced plan)."""
    if fact.paying:
        return None
    return "no_billing_customer" if fact.customers == 0 else "not_paying"


def nth_user_at(first_at_by_user: dict[str, datetime], n: int) -> datetime | None:
    """When the n-th distinct user first used the product (users in the order of their
    first row, ties by user id), or None if fewer than n ever did."""
    if len(first_at_by_user) < n:
        return None
    ordered = sorted((at, user_id) for user_id, at in first_at_by_user.items())
    return ordered[n - 1][0]


def days_after(start: date, at: datetime | None) -> int | None:
    """Whole days from `start` to `at`'s date, never negative: use before the deal or the
    first payment (a trial) means value came at once, not before it was bought."""
    if at is None:
        return None
    return max(0, (utc_date(at) - start).days)


def value_starts(plan: CompanyPlan) -> dict[str, date]:
    """When each company started paying for value: its first won deal's close date or its
    first paid, non-zero invoice, whichever came first. Companies with neither are absent."""
    starts: dict[str, date] = {}

    def offer(company: str, day: date) -> None:
        if company not in starts or day < starts[company]:
            starts[company] = day

    account_company = {a.account_id: a.company_key for a in plan.crm.accounts}
    for opportunity in plan.crm.opportunities:
        if opportunity.is_won:
            offer(account_company[opportunity.account_id], opportunity.close_date)
    customer_company = {c.customer_id: c.company_key for c in plan.billing.customers}
    for invoice in plan.billing.invoices:
        if invoice.status == "paid" and invoice.total > 0:
            offer(customer_company[invoice.customer_id], utc_date(invoice.created_at))
    return dict(sorted(starts.items()))


def time_to_value(plan: CompanyPlan, digest: ActivityDigest) -> dict[str, dict]:
    """Days from a company's value start to its first product use and to its
    VALUE_ACTIVE_USERS-th active user (null when that never happened)."""
    result = {}
    for company, start in value_starts(plan).items():
        users = digest.user_first_at_by_company.get(company, {})
        result[company] = {
            "value_started_on": start.isoformat(),
            "days_to_first_activity": days_after(start, digest.first_at_by_company.get(company)),
            "days_to_nth_active_user": days_after(start, nth_user_at(users, VALUE_ACTIVE_USERS)),
        }
    return result


def compute(plan: CompanyPlan, recent_window_days: int) -> dict:
    """The reconciliation keys of ground_truth.json, in the order they are written.

    `recent_window_days` is the health window of ground_truth.py, passed in rather than
    imported so that module can import this one."""
    mrr = mrr_minor_by_customer(plan)
    digest = digest_activity(plan, recent_window_days)
    facts = company_facts(plan, mrr, digest)
    account_company = {a.account_id: a.company_key for a in plan.crm.accounts}
    invoices_of: dict[str, list[Invoice]] = {}
    customer_company = {c.customer_id: c.company_key for c in plan.billing.customers}
    for invoice in plan.billing.invoices:
        invoices_of.setdefault(customer_company[invoice.customer_id], []).append(invoice)

    judged = sorted(
        (o for o in plan.crm.opportunities if is_judged(o, plan.today)),
        key=lambda o: o.opportunity_id,
    )
    hallucinated: dict[str, str] = {}
    amounts: dict[str, Decimal] = {}
    unprovisioned: dict[str, str] = {}
    for opportunity in judged:
        company = account_company[opportunity.account_id]
        fact = facts[company]
        reason = hallucination_reason(opportunity, fact.customers > 0, invoices_of.get(company, ()))
        if reason:
            hallucinated[opportunity.opportunity_id] = reason
            amounts[opportunity.currency] = (
                amounts.get(opportunity.currency, Decimal(0)) + opportunity.amount
            )
        reason = unprovisioned_reason(opportunity, fact, digest.last_at_by_company.get(company))
        if reason:
            unprovisioned[opportunity.opportunity_id] = reason

    unbilled = {}
    for tenant in sorted(plan.product_db.tenants, key=lambda t: t.tenant_id):
        if tenant.tenant_id in digest.recent_tenants:
            reason = unbilled_reason(facts[tenant.company_key])
            if reason:
                unbilled[tenant.tenant_id] = reason

    discrepancies = {key: count_codes(fact) for key, fact in facts.items()}
    return {
        "count_discrepancies_by_company_key": {k: v for k, v in discrepancies.items() if v},
        "count_totals": count_totals(facts),
        "hallucinated_deals": hallucinated,
        "hallucinated_amount_by_currency": {c: str(a) for c, a in sorted(amounts.items())},
        "unprovisioned_deals": unprovisioned,
        "unbilled_tenants": unbilled,
        "time_to_value_by_company_key": time_to_value(plan, digest),
    }
