"""MRR history of the simulated plan, month by month, and its movements: ground truth.

Follows docs/metrics.md#mrr-history from the generator's own subscriptions (never from the
servers): the MRR of month m is the MRR at the last instant of m (for the current month:
now). A finite discount lowers MRR while the invoice covering that instant was discounted
(`while_active`): it applies when it had started by the start of the covering billing period
and had not yet ended then.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

from revtruth.simulate.company.plan import CompanyPlan, Discount, Subscription
from revtruth.simulate.company.timeline import segments
from revtruth.simulate.truth.mrr import COUNTING_STATUSES, discounted_mrr, to_reporting_minor

MOVEMENT_TYPES = ("new", "expansion", "contraction", "churn", "reactivation")
_INSTANT = timedelta(microseconds=1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class _History:
    def __init__(self, plan: CompanyPlan):
        self.plan = plan
        self.prices = {p.price_id: p for p in plan.billing.prices}
        self.coupons = {c.coupon_id: c for c in plan.billing.coupons}
        self.customers = {c.customer_id: c for c in plan.billing.customers}
        self.discounts_of: dict[str, list[Discount]] = {}
        for discount in plan.billing.discounts:
            if discount.subscription_id:
                self.discounts_of.setdefault(discount.subscription_id, []).append(discount)

    def subscription_mrr(self, subscription: Subscription, at: datetime) -> Fraction:
        """Native minor units at instant `at`."""
        if at < subscription.start_date or (subscription.ended_at and at >= subscription.ended_at):
            return Fraction(0)
        if subscription.trial_end and at < subscription.trial_end:
            return Fraction(0)
        # The segment in force at `at`; the horizon only bounds the search.
        horizon = subscription.ended_at or max(self.plan.now, at) + timedelta(days=1)
        segment = [s for s in segments(subscription, self.prices, horizon) if s.start <= at][-1]
        if subscription.phases:
            status = segment.status
        else:
            # without dated changes a subscription was active until its current status
            # (trialing and canceled describe its end, not its past)
            status = (
                "active" if subscription.status in ("canceled", "trialing") else subscription.status
            )
        if status not in COUNTING_STATUSES:
            return Fraction(0)
        items = [(self.prices[i.price_id], i.quantity) for i in segment.items]
        covering, _ = segment.covering_period(at)
        applied = [
            d
            for d in self.discounts_of.get(subscription.subscription_id, [])
            if d.start <= covering and (d.end is None or covering < d.end)
        ]
        customer_discount = self.customers[subscription.customer_id].discount
        if not applied and customer_discount and customer_discount.start <= covering:
            applied = [customer_discount]
        return discounted_mrr(items, applied, self.coupons)

    def customer_mrr(self, at: datetime) -> dict[str, Fraction]:
        totals = {c: Fraction(0) for c in self.customers}
        for subscription in self.plan.billing.subscriptions:
            native = self.subscription_mrr(subscription, at)
            totals[subscription.customer_id] += to_reporting_minor(
                native, subscription.currency, self.plan
            )
        return totals


def mrr_by_customer_month(plan: CompanyPlan) -> dict[str, dict[str, Fraction]]:
    """{customer: {"YYYY-MM": reporting minor units}} from each customer's first month with MRR
    through the current month, zeros included (so churn shows)."""
    history = _History(plan)
    first = min((s.start_date.date() for s in plan.billing.subscriptions), default=plan.today)
    series: dict[str, dict[str, Fraction]] = {c: {} for c in history.customers}
    month = month_start(first)
    current = month_start(plan.today)
    while month <= current:
        end = (
            plan.now
            if month == current
            else (
                datetime.combine(next_month(month), datetime.min.time(), tzinfo=plan.now.tzinfo)
                - _INSTANT
            )
        )
        for customer_id, minor in history.customer_mrr(end).items():
            if minor > 0 or series[customer_id]:
                series[customer_id][month_key(month)] = minor
        month = next_month(month)
    return {c: months for c, months in series.items() if months}


def movements(series: dict[str, dict[str, Fraction]]) -> dict[str, dict[str, dict[str, Fraction]]]:
    """{customer: {"YYYY-MM": {movement type: signed minor units}}}, as docs/metrics.md#movements
    classifies them."""
    result: dict[str, dict[str, dict[str, Fraction]]] = {}
    for customer_id, months in series.items():
        previous, had_mrr = Fraction(0), False
        for key in sorted(months):
            current = months[key]
            kind = None
            if previous == 0 and current > 0:
                kind = "reactivation" if had_mrr else "new"
            elif previous > 0 and current == 0:
                kind = "churn"
            elif current > previous > 0:
                kind = "expansion"
            elif 0 < current < previous:
                kind = "contraction"
            if kind:
                result.setdefault(customer_id, {})[key] = {kind: current - previous}
            had_mrr = had_mrr or current > 0
            previous = current
    return result
