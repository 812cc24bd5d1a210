"""A subscription's life as segments: stretches with one item set, status and billing anchor.

Invoicing and ground truth both read a subscription through these segments, so a change
(upgrade, quantity, interval switch, pause, resume, past_due) means the same thing to both.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from revtruth.simulate.company.plan import Price, Subscription, SubscriptionItem


def add_months(moment: datetime, months: int) -> datetime:
    """Stripe's anchor arithmetic: the same day n months on, clamped to the month's end."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_boundary(anchor: datetime, price: Price, periods: int) -> datetime:
    """The start of period number `periods` counted from the anchor (never drifting)."""
    if price.interval == "month":
        return add_months(anchor, price.interval_count * periods)
    if price.interval == "year":
        return add_months(anchor, 12 * price.interval_count * periods)
    days = {"week": 7, "day": 1}[price.interval] * price.interval_count * periods
    return anchor + timedelta(days=days)


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime  # the next segment's start, or the subscription's end (or now)
    items: tuple[SubscriptionItem, ...]
    status: str
    anchor: datetime
    main: Price  # the first item's price: its interval is every item's interval

    def covering_period(self, at: datetime) -> tuple[datetime, datetime]:
        """The billing period [start, end) that contains `at` under this segment's anchor."""
        periods = 0
        if at >= self.anchor:
            while period_boundary(self.anchor, self.main, periods + 1) <= at:
                periods += 1
        else:  # before the anchor (inside a trial): count back
            while period_boundary(self.anchor, self.main, periods) > at:
                periods -= 1
        return (
            period_boundary(self.anchor, self.main, periods),
            period_boundary(self.anchor, self.main, periods + 1),
        )

    def boundaries(self, include_end: bool = False) -> list[datetime]:
        """Renewal instants in [start, end) — or [start, end] for the live segment, whose end
        is now: a renewal falling exactly now has been invoiced."""
        found, periods = [], 0
        while True:
            boundary = period_boundary(self.anchor, self.main, periods)
            if boundary > self.end or (boundary == self.end and not include_end):
                return found
            if boundary >= self.start:
                found.append(boundary)
            periods += 1


def segments(
    subscription: Subscription, prices: dict[str, Price], limit: datetime
) -> list[Segment]:
    """Segments from the start (or trial end) to `limit` (the end of the subscription or now)."""
    initial_items = subscription.initial_items or subscription.items
    anchor = subscription.trial_end or subscription.start_date
    changes = [(p.start, tuple(p.items), p.status, p.anchor) for p in subscription.phases]
    stretches = [(subscription.start_date, tuple(initial_items), "active", anchor), *changes]
    result = []
    for index, (start, items, status, new_anchor) in enumerate(stretches):
        if start >= limit:
            break
        end = stretches[index + 1][0] if index + 1 < len(stretches) else limit
        anchor = new_anchor or anchor
        result.append(
            Segment(start, min(end, limit), items, status, anchor, prices[items[0].price_id])
        )
    return result
