"""Product activity: who used the product when, shaped by each company's scenario.

The health windows (30 and 90 days) are where reports go wrong, so some tenants get events
placed exactly on their edges: the first second of day today−30, the last second before it,
and the last second of day today−91, just outside the zombie window.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from revtruth.simulate.company.plan import ActivityLog, Company, ProductUser, Tenant

EVENT_TYPES = (
    "login",
    "login",
    "login",
    "page_view",
    "page_view",
    "report_run",
    "export",
    "api_call",
    "invite_sent",
    "settings_changed",
)
DAY = timedelta(days=1)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means, a rounded normal for large ones (both deterministic)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class ActivityBuilder:
    def __init__(self, rng: random.Random, log: ActivityLog, now: datetime, daily_mean: float):
        self.rng, self.log, self.now, self.daily_mean = rng, log, now, daily_mean
        self.today_start = now  # `now` is midnight UTC of the simulated today

    def _emit(self, tenant: Tenant, users: list[ProductUser], at: datetime) -> None:
        log = self.log
        log.event_id.append(len(log.event_id) + 1)
        log.tenant_id.append(tenant.tenant_id)
        log.user_id.append(self.rng.choice(users).user_id)
        log.event_type.append(self.rng.choice(EVENT_TYPES))
        log.occurred_at.append(at)

    def _days(self, tenant, users, first: datetime, last: datetime, rate: float) -> None:
        """Poisson(rate) events on each day in [first, last), at random seconds of the day."""
        day = first.replace(hour=0, minute=0, second=0, microsecond=0)
        while day < last:
            for _ in range(_poisson(self.rng, rate)):
                at = day + timedelta(seconds=self.rng.randint(0, 86_399))
                if first <= at < last:
                    self._emit(tenant, users, at)
            day += DAY

    def add_tenant(
        self, company: Company, tenant: Tenant, users: list[ProductUser], ended_at: datetime | None
    ) -> None:
        rng, now = self.rng, self.now
        rate = self.daily_mean * rng.uniform(0.4, 1.6)
        start = tenant.created_at
        recent = now - 30 * DAY  # first instant of day today−30
        scenario = company.scenario
        first_event = len(self.log)
        if scenario in ("healthy", "past_due"):
            self._days(tenant, users, start, now, rate)
            self._top_up(tenant, users, first_event, recent, minimum=12)
        elif scenario == "low_adoption":
            self._days(tenant, users, start, now - 90 * DAY, rate)
            self._days(tenant, users, now - 90 * DAY, recent, rate / 8)
            for _ in range(rng.randint(1, 9)):
                self._emit(
                    tenant, users, recent + timedelta(seconds=rng.randint(0, 30 * 86_400 - 1))
                )
            if rng.random() < 0.3:  # edge: the very first second inside the 30-day window
                self._emit(tenant, users, recent)
        elif scenario == "zombie":
            last_use = now - timedelta(days=rng.randint(91, 400))
            if last_use > start:
                self._days(tenant, users, start, last_use, rate)
            if rng.random() < 0.3:  # edge: the last second of day today−91, just outside
                self._emit(tenant, users, now - 90 * DAY - timedelta(seconds=1))
        elif scenario == "churned":
            self._days(tenant, users, start, (ended_at or now) - 5 * DAY, rate)
        elif scenario == "trial":  # a lapsed trial's users drift away a few days after it ends
            self._days(tenant, users, start, min(now, (ended_at or now) + 4 * DAY), rate * 2)
        elif scenario == "hallucinated":
            self._days(tenant, users, max(start, now - 60 * DAY), now, rate / 4)
        if scenario in ("healthy", "past_due") and rng.random() < 0.2:
            # edge: one second before the 30-day window opens (counts for 90 days, not 30)
            self._emit(tenant, users, recent - timedelta(seconds=1))

    def _top_up(self, tenant, users, first_event: int, since: datetime, minimum: int) -> None:
        """Healthy tenants use the product: make sure the recent window shows it."""
        recent = sum(1 for at in self.log.occurred_at[first_event:] if at >= since)
        for _ in range(max(0, minimum - recent)):
            self._emit(
                tenant, users, since + timedelta(seconds=self.rng.randint(0, 30 * 86_400 - 1))
            )
