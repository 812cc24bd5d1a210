"""Reconciliation and time-to-value ground truth: hand-built companies with the answers
written out, window edges included, and the simulator's own companies covering every code."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from revtruth.simulate.company.generator import generate
from revtruth.simulate.company.plan import (
    Account,
    BillingPlan,
    CompanyPlan,
    CrmPlan,
    Customer,
    Invoice,
    InvoiceLine,
    Opportunity,
    Price,
    ProductDbPlan,
    Subscription,
    SubscriptionItem,
    Tenant,
)
from revtruth.simulate.truth import ground_truth, reconciliation
from revtruth.simulate.truth.ground_truth import RECENT_WINDOW_DAYS
from revtruth.simulate.truth.reconciliation import COUNT_CODES, GRACE_DAYS

TODAY = date(2026, 3, 31)
NOW = datetime.combine(TODAY, time(0, 0), tzinfo=UTC)
T0 = datetime(2024, 1, 1, tzinfo=UTC)
JUDGED_CLOSE = TODAY - timedelta(days=GRACE_DAYS)  # 2026-02-14: the last judged close date
NEW_KEYS = [
    "count_discrepancies_by_company_key",
    "count_totals",
    "hallucinated_deals",
    "hallucinated_amount_by_currency",
    "unprovisioned_deals",
    "unbilled_tenants",
    "time_to_value_by_company_key",
]
REASONS = {
    "hallucinated_deals": {"no_billing_customer", "payment_failed", "no_paid_invoice"},
    "unprovisioned_deals": {"no_tenant", "no_activity_since_close"},
    "unbilled_tenants": {"no_billing_customer", "not_paying"},
}


def at(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=UTC)


def days(n: int) -> timedelta:
    return timedelta(days=n)


class Tiny:
    """A few companies built record by record: ids are the company key plus a suffix."""

    def __init__(self) -> None:
        self.plan = CompanyPlan(
            seed=0,
            size="small",
            today=TODAY,
            now=NOW,
            reporting_currency="usd",
            companies=[],
            billing=BillingPlan(prices=[Price("price_m", "prod_m", "usd", 5000, "month", 1, T0)]),
            crm=CrmPlan(),
            product_db=ProductDbPlan(),
            fx_to_reporting={"usd": Decimal(1)},
        )

    def customer(self, key: str, suffix: str = "", paying: bool = True) -> str:
        """A Stripe customer with one subscription: active (MRR 5000) or canceled (MRR 0)."""
        customer_id = f"cus_{key}{suffix}"
        self.plan.billing.customers.append(Customer(customer_id, key, key, "a@b.com", T0))
        self.plan.billing.subscriptions.append(
            Subscription(
                f"sub_{key}{suffix}",
                customer_id,
                "active" if paying else "canceled",
                "usd",
                [SubscriptionItem(f"si_{key}{suffix}", "price_m", 1, T0)],
                T0,
                T0,
                T0,
                NOW,
            )
        )
        return customer_id

    def invoice(self, customer_id: str, created: datetime, status: str, total: int) -> None:
        number = f"in_{len(self.plan.billing.invoices)}"
        line = InvoiceLine(f"il_{number}", total, "usd", "x", created, created, 1, None, None)
        self.plan.billing.invoices.append(
            Invoice(number, customer_id, None, number, status, "manual", "usd", created, created,
                    created, [line])
        )  # fmt: skip

    def account(self, key: str, suffix: str = "", type_: str = "Customer") -> str:
        account_id = f"001{key}{suffix}"
        self.plan.crm.accounts.append(Account(account_id, key, key, None, type_, "x", "005", T0))
        return account_id

    def deal(
        self,
        account_id: str,
        close: date,
        won: bool = True,
        amount: str = "1200",
        currency: str = "USD",
        name: str = "",
    ) -> str:
        opportunity_id = f"006{account_id[3:]}{name}"
        self.plan.crm.opportunities.append(
            Opportunity(
                opportunity_id, account_id, "deal", "Closed Won" if won else "Closed Lost",
                Decimal(amount), currency, close, True, won, "005", "New Business", T0,
            )
        )  # fmt: skip
        return opportunity_id

    def tenant(self, key: str, suffix: str = "") -> str:
        tenant_id = f"t_{key}{suffix}"
        self.plan.product_db.tenants.append(
            Tenant(tenant_id, key, key, tenant_id, "paid", T0, None)
        )
        return tenant_id

    def use(self, tenant_id: str, when: datetime, user: str = "u1") -> None:
        log = self.plan.product_db.activity
        log.event_id.append(len(log.event_id) + 1)
        log.tenant_id.append(tenant_id)
        log.user_id.append(user)
        log.event_type.append("login")
        log.occurred_at.append(when)

    def truth(self) -> dict:
        return reconciliation.compute(self.plan, RECENT_WINDOW_DAYS)


RECENT_EDGE = at(TODAY - days(RECENT_WINDOW_DAYS))  # first second of the recent window
JUST_BEFORE_RECENT = RECENT_EDGE - timedelta(seconds=1)


# ---------------------------------------------------------------- 1. count discrepancies


def test_count_codes_per_company_in_fixed_order_and_totals():
    tiny = Tiny()
    tiny.customer("co_a")  # paying, no CRM account, used tenant
    tiny.use(tiny.tenant("co_a"), RECENT_EDGE)
    tiny.account("co_b")  # CRM customer, never billed, used tenant
    tiny.use(tiny.tenant("co_b"), at(TODAY, 23, 59, 59))
    tiny.customer("co_c")  # paying, CRM customer, no tenant
    tiny.account("co_c")
    tiny.customer("co_d")  # paying, CRM customer, its tenant idle for 31 days
    tiny.account("co_d")
    tiny.use(tiny.tenant("co_d"), JUST_BEFORE_RECENT)
    tiny.customer("co_e")  # in agreement everywhere (activity on the window's first second)
    tiny.account("co_e")
    tiny.use(tiny.tenant("co_e"), RECENT_EDGE)
    for suffix in ("1", "2"):  # everything twice
        tiny.customer("co_f", suffix)
        tiny.account("co_f", suffix)
        tiny.use(tiny.tenant("co_f", suffix), at(TODAY - days(3)))
    tiny.customer("co_g", "1")  # one paying and one canceled customer, a Prospect account
    tiny.customer("co_g", "2", paying=False)
    tiny.account("co_g", type_="Prospect")
    tiny.tenant("co_g")  # never used
    tiny.customer("co_h", paying=False)  # nobody counts it: no codes
    tiny.account("co_h", type_="Former Customer")
    truth = tiny.truth()
    assert truth["count_discrepancies_by_company_key"] == {
        "co_a": ["billing_not_crm"],
        "co_b": ["crm_not_billing", "active_not_paying"],
        "co_c": ["paying_never_provisioned"],
        "co_d": ["paying_not_active"],
        "co_f": ["counted_twice_by_billing", "counted_twice_by_crm", "counted_twice_by_product"],
        "co_g": ["billing_not_crm", "paying_not_active"],
    }
    assert truth["count_totals"] == {"billing": 7, "crm": 6, "product": 5}


def test_a_company_with_no_tenant_is_never_provisioned_not_inactive():
    tiny = Tiny()
    tiny.customer("co_a", "1")
    tiny.customer("co_a", "2")
    assert tiny.truth()["count_discrepancies_by_company_key"] == {
        "co_a": ["billing_not_crm", "paying_never_provisioned", "counted_twice_by_billing"]
    }


# ---------------------------------------------------------------- 2. hallucinated deals


def test_hallucinated_deals_reasons_and_invoice_window_edges():
    close = JUDGED_CLOSE
    tiny = Tiny()
    no_customer = tiny.deal(tiny.account("co_a"), close, amount="1000.50")
    tiny.invoice(tiny.customer("co_b"), at(close + days(GRACE_DAYS), 23, 59, 59), "paid", 100)
    tiny.deal(tiny.account("co_b"), close)  # paid on the last day of the window: fine
    tiny.invoice(tiny.customer("co_c"), at(close + days(GRACE_DAYS + 1)), "paid", 100)
    tiny.invoice(tiny.customer("co_c"), at(close - days(GRACE_DAYS + 1), 23, 59), "paid", 100)
    paid_outside = tiny.deal(tiny.account("co_c"), close, amount="300", currency="EUR")
    customer_d = tiny.customer("co_d")
    tiny.invoice(customer_d, at(close - days(GRACE_DAYS)), "open", 100)
    tiny.invoice(customer_d, at(close - days(GRACE_DAYS + 1)), "paid", 100)
    open_in_window = tiny.deal(tiny.account("co_d"), close, amount="200")
    customer_e = tiny.customer("co_e")
    tiny.invoice(customer_e, at(close), "uncollectible", 100)
    tiny.invoice(customer_e, at(close), "paid", 0)
    uncollectible = tiny.deal(tiny.account("co_e"), close, amount="99.5")
    customer_f = tiny.customer("co_f", paying=False)
    tiny.invoice(customer_f, at(close), "paid", 0)  # a free trial's invoice
    tiny.invoice(customer_f, at(close), "void", 100)
    tiny.invoice(customer_f, at(close), "draft", 100)
    zero_paid = tiny.deal(tiny.account("co_f"), close, amount="1")
    tiny.deal(tiny.account("co_g"), close + days(1))  # no customer, but not judged yet
    tiny.deal(tiny.account("co_h"), close - days(400), won=False)  # lost: never judged
    account_i = tiny.account("co_i")  # its earlier deal is hallucinated, its later one is paid
    tiny.invoice(tiny.customer("co_i"), at(close - days(10)), "paid", 100)
    tiny.deal(account_i, close, name="b")
    early = tiny.deal(account_i, close - days(100), name="a")
    truth = tiny.truth()
    assert truth["hallucinated_deals"] == {
        early: "no_paid_invoice",
        no_customer: "no_billing_customer",
        paid_outside: "no_paid_invoice",
        open_in_window: "payment_failed",
        uncollectible: "payment_failed",
        zero_paid: "no_paid_invoice",
    }
    assert list(truth["hallucinated_deals"]) == sorted(truth["hallucinated_deals"])
    assert truth["hallucinated_amount_by_currency"] == {"EUR": "300", "USD": "2501.00"}


# ---------------------------------------------------------------- 3. unprovisioned deals


def test_unprovisioned_deals_of_paying_companies_only():
    close = JUDGED_CLOSE
    tiny = Tiny()
    tiny.customer("co_a")
    no_tenant = tiny.deal(tiny.account("co_a"), close)
    tiny.customer("co_b")
    idle_since = tiny.deal(tiny.account("co_b"), close)
    tiny.use(tiny.tenant("co_b", "1"), at(close - days(1), 23, 59, 59))
    tiny.tenant("co_b", "2")
    tiny.customer("co_c")  # used on the close date itself: provisioned
    tiny.deal(tiny.account("co_c"), close)
    tiny.use(tiny.tenant("co_c"), at(close))
    tiny.customer("co_d", paying=False)  # not paying now: not this rule's business
    tiny.deal(tiny.account("co_d"), close)
    tiny.customer("co_e")  # closed a day too recently to be judged
    tiny.deal(tiny.account("co_e"), close + days(1))
    tiny.customer("co_f")  # a lost deal is never judged
    tiny.deal(tiny.account("co_f"), close, won=False)
    assert tiny.truth()["unprovisioned_deals"] == {
        no_tenant: "no_tenant",
        idle_since: "no_activity_since_close",
    }


# ---------------------------------------------------------------- 4. unbilled tenants


def test_unbilled_tenants_are_recently_used_and_of_non_paying_companies():
    tiny = Tiny()
    never_billed = tiny.tenant("co_a")
    tiny.use(never_billed, RECENT_EDGE)
    tiny.customer("co_b", "1", paying=False)
    tiny.customer("co_b", "2", paying=False)
    lapsed = tiny.tenant("co_b")
    tiny.use(lapsed, at(TODAY - days(1)))
    tiny.customer("co_c")  # paying: billed
    tiny.use(tiny.tenant("co_c"), at(TODAY - days(1)))
    tiny.use(tiny.tenant("co_d"), JUST_BEFORE_RECENT)  # no customer, but not used recently
    tiny.tenant("co_e")  # never used
    assert tiny.truth()["unbilled_tenants"] == {
        never_billed: "no_billing_customer",
        lapsed: "not_paying",
    }


# ---------------------------------------------------------------- 5. time to value


def test_time_to_value_from_the_earliest_won_deal_or_paid_invoice():
    tiny = Tiny()
    # co_a: paid on 01-05 before its deal closed on 01-10; used before it paid; the third
    # distinct user (users ordered by first row; u3 and u4 tie, u3 first) came on 02-01.
    tiny.deal(tiny.account("co_a"), date(2026, 1, 10))
    tiny.invoice(tiny.customer("co_a"), at(date(2026, 1, 5), 12), "paid", 100)
    tiny.invoice("cus_co_a", at(date(2025, 12, 1)), "paid", 0)  # zero: not value
    tiny.invoice("cus_co_a", at(date(2025, 12, 2)), "open", 100)  # unpaid: not value
    first, second = tiny.tenant("co_a", "1"), tiny.tenant("co_a", "2")
    tiny.use(first, at(date(2026, 1, 25)), "u2")
    tiny.use(first, at(date(2026, 1, 3)), "u1")
    tiny.use(second, at(date(2026, 2, 1), 10), "u4")
    tiny.use(first, at(date(2026, 2, 1), 10), "u3")
    tiny.use(second, at(date(2026, 1, 20)), "u2")  # u2 in both tenants: one user
    tiny.use(first, at(date(2026, 1, 21)), "u1")
    tiny.use(first, at(TODAY + days(1)), "u9")  # after today: not history yet
    # co_b: a won deal only; two users ever: no third
    tiny.deal(tiny.account("co_b"), date(2025, 6, 1))
    tiny.deal(tiny.account("co_b", "dup"), date(2025, 3, 1), won=False)
    tiny.use(tiny.tenant("co_b"), at(date(2025, 6, 11), 23, 59), "v1")
    tiny.use("t_co_b", at(date(2025, 7, 1)), "v2")
    # co_c: a paid invoice only, no tenant
    tiny.invoice(tiny.customer("co_c"), at(date(2025, 9, 9)), "paid", 1)
    # co_d: neither a won deal nor a paid non-zero invoice: absent
    tiny.deal(tiny.account("co_d"), date(2025, 1, 1), won=False)
    tiny.invoice(tiny.customer("co_d"), at(date(2025, 1, 1)), "paid", 0)
    tiny.use(tiny.tenant("co_d"), at(date(2025, 1, 2)))
    assert tiny.truth()["time_to_value_by_company_key"] == {
        "co_a": {
            "value_started_on": "2026-01-05",
            "days_to_first_activity": 0,
            "days_to_nth_active_user": 27,
        },
        "co_b": {
            "value_started_on": "2025-06-01",
            "days_to_first_activity": 10,
            "days_to_nth_active_user": None,
        },
        "co_c": {
            "value_started_on": "2025-09-09",
            "days_to_first_activity": None,
            "days_to_nth_active_user": None,
        },
    }


def test_nth_user_breaks_ties_by_user_id():
    when = at(date(2026, 1, 1))
    firsts = {"b": when, "a": when, "c": when - days(1)}
    assert reconciliation.nth_user_at(firsts, 2) == when
    assert reconciliation.nth_user_at(firsts, 3) == when
    assert reconciliation.nth_user_at(firsts, 4) is None


def test_an_empty_plan_has_empty_answers():
    assert Tiny().truth() == {
        "count_discrepancies_by_company_key": {},
        "count_totals": {"billing": 0, "crm": 0, "product": 0},
        "hallucinated_deals": {},
        "hallucinated_amount_by_currency": {},
        "unprovisioned_deals": {},
        "unbilled_tenants": {},
        "time_to_value_by_company_key": {},
    }


# ---------------------------------------------------------------- the simulator's companies

PLANS = {
    "seed42_low": {"seed": 42, "size": "small"},
    "seed7_no_keys": {"seed": 7, "size": "small", "identity_noise": "no_keys"},
}


@pytest.fixture(scope="module")
def truths() -> dict[str, dict]:
    return {
        name: ground_truth.compute(generate(today=TODAY, **kwargs))
        for name, kwargs in PLANS.items()
    }


def test_the_new_keys_come_last_after_the_existing_ones(truths):
    for truth in truths.values():
        assert list(truth)[-len(NEW_KEYS) :] == NEW_KEYS
        assert list(truth)[-len(NEW_KEYS) - 1] == "hard_negative_pairs"


def test_count_totals_are_the_active_customer_counts(truths):
    for truth in truths.values():
        assert truth["count_totals"] == truth["active_customer_counts"]


def test_every_code_and_reason_occurs_in_the_simulator(truths):
    codes: Counter[str] = Counter()
    reasons = {key: Counter() for key in REASONS}
    for truth in truths.values():
        codes.update(c for cs in truth["count_discrepancies_by_company_key"].values() for c in cs)
        for key in REASONS:
            reasons[key].update(truth[key].values())
    assert set(codes) == set(COUNT_CODES)
    for key, expected in REASONS.items():
        assert set(reasons[key]) == expected, key


def test_simulated_answers_hang_together(truths):
    for truth in truths.values():
        paying = set(truth["paying_company_keys"])
        company_of = truth["company_of"]
        assert set(truth["won_deals_never_billed"]) >= {
            o for o, r in truth["hallucinated_deals"].items() if r == "no_billing_customer"
        }
        assert all(company_of[t] not in paying for t in truth["unbilled_tenants"])
        for entry in truth["time_to_value_by_company_key"].values():
            assert set(entry) == {
                "value_started_on",
                "days_to_first_activity",
                "days_to_nth_active_user",
            }
            first, nth = entry["days_to_first_activity"], entry["days_to_nth_active_user"]
            assert nth is None or (first is not None and 0 <= first <= nth)


def test_new_keys_are_json_and_deterministic(truths):
    for name, kwargs in PLANS.items():
        again = ground_truth.compute(generate(today=TODAY, **kwargs))
        new = {key: truths[name][key] for key in NEW_KEYS}
        assert json.loads(json.dumps(new)) == new
        assert json.dumps(new) == json.dumps({key: again[key] for key in NEW_KEYS})
