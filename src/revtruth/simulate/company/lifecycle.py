"""What happens to a subscription after it starts: upgrades, downgrades, seat changes, an
interval switch, a pause, a past_due episode that recovers — as dated phases.

Changes fall inside billing periods (so they are prorated) except the ones Stripe handles at
a boundary: a pause starts at a renewal and the cycle restarts on resume; an interval switch
restarts the cycle at once. Every episode is over before the subscription ends or "now", so
the live state is the last phase.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from revtruth.simulate.company.ids import stripe_id
from revtruth.simulate.company.plan import Price, Subscription, SubscriptionItem, SubscriptionPhase
from revtruth.simulate.company.timeline import segments

TIERS = ("starter", "growth", "scale")
MARGIN = timedelta(days=10)


def _price_key(price: Price) -> tuple[str, str, str]:
    tier, period, currency = price.lookup_key.split("_")
    return tier, period, currency


class Lifecycle:
    def __init__(self, rng: random.Random, prices_by_key: dict[str, Price], now: datetime):
        self.rng, self.now = rng, now
        self.by_key = prices_by_key
        self.by_id = {p.price_id: p for p in prices_by_key.values()}

    def add_changes(self, subscription: Subscription) -> None:
        """Give the subscription 0, 1 or 2 dated changes (in that proportion 45/40/15)."""
        main = self.by_id[subscription.items[0].price_id]
        if subscription.status == "trialing" or main.interval == "week" or not main.lookup_key:
            return
        roll = self.rng.random()
        count = 0 if roll < 0.45 else 1 if roll < 0.85 else 2
        for _ in range(count):
            if not self._one_change(subscription):
                break

    def _window(self, subscription: Subscription) -> tuple[datetime, datetime] | None:
        start = (
            subscription.phases[-1].start
            if subscription.phases
            else (subscription.trial_end or subscription.start_date)
        )
        earliest = start + timedelta(days=35)
        latest = (subscription.ended_at or self.now) - MARGIN
        return (earliest, latest) if latest > earliest + timedelta(days=2) else None

    def _instant(self, window: tuple[datetime, datetime]) -> datetime:
        earliest, latest = window
        seconds = int((latest - earliest).total_seconds())
        return earliest + timedelta(seconds=self.rng.randint(0, seconds))

    def _current_items(self, subscription: Subscription) -> list[SubscriptionItem]:
        return list(subscription.phases[-1].items if subscription.phases else subscription.items)

    def _one_change(self, subscription: Subscription) -> bool:
        window = self._window(subscription)
        if window is None:
            return False
        items = self._current_items(subscription)
        main = self.by_id[items[0].price_id]
        tier, period, currency = _price_key(main)
        seats = self._seats(items)
        options = ["past_due_episode", "pause"]
        if self._neighbour(tier, period, currency, +1):
            options.append("upgrade")
        if self._neighbour(tier, period, currency, -1):
            options.append("downgrade")
        if seats:
            options += ["seats_quantity", "remove_seats"]
        elif period == "month" and f"seats_month_{currency}" in self.by_key:
            options.append("add_seats")
        if period == "month" and f"{tier}_year_{currency}" in self.by_key and not seats:
            options.append("interval_switch")
        if period == "year" and f"{tier}_month_{currency}" in self.by_key:
            options.append("interval_switch")
        kind = self.rng.choice(options)
        return getattr(self, f"_{kind}")(subscription, window, items)

    def _seats(self, items: list[SubscriptionItem]) -> SubscriptionItem | None:
        return next(
            (i for i in items if self.by_id[i.price_id].lookup_key.startswith("seats")), None
        )

    def _neighbour(self, tier: str, period: str, currency: str, step: int) -> Price | None:
        index = TIERS.index(tier) + step if tier in TIERS else -1
        if not 0 <= index < len(TIERS):
            return None
        return self.by_key.get(f"{TIERS[index]}_{period}_{currency}")

    def _phase(self, subscription, at, items, reason, status="active", anchor=None) -> bool:
        if subscription.initial_items is None:
            subscription.initial_items = list(subscription.items)
        subscription.phases.append(SubscriptionPhase(at, items, status, anchor, reason))
        subscription.items = items
        return True

    def _change_main(self, subscription, window, items, step, reason) -> bool:
        tier, period, currency = _price_key(self.by_id[items[0].price_id])
        price = self._neighbour(tier, period, currency, step)
        # the same subscription item takes the new price, as Stripe keeps the item id
        changed = [
            SubscriptionItem(
                items[0].item_id, price.price_id, items[0].quantity, items[0].created_at
            ),
            *items[1:],
        ]
        return self._phase(subscription, self._instant(window), changed, reason)

    def _upgrade(self, subscription, window, items) -> bool:
        return self._change_main(subscription, window, items, +1, "upgrade")

    def _downgrade(self, subscription, window, items) -> bool:
        return self._change_main(subscription, window, items, -1, "downgrade")

    def _seats_quantity(self, subscription, window, items) -> bool:
        seats = self._seats(items)
        quantity = max(1, seats.quantity + self.rng.choice((-3, -2, -1, 1, 2, 4, 6)))
        if quantity == seats.quantity:
            quantity += 1
        changed = [
            SubscriptionItem(i.item_id, i.price_id, quantity, i.created_at) if i is seats else i
            for i in items
        ]
        return self._phase(subscription, self._instant(window), changed, "quantity")

    def _remove_seats(self, subscription, window, items) -> bool:
        seats = self._seats(items)
        return self._phase(
            subscription, self._instant(window), [i for i in items if i is not seats], "remove_item"
        )

    def _add_seats(self, subscription, window, items) -> bool:
        currency = _price_key(self.by_id[items[0].price_id])[2]
        at = self._instant(window)
        seats = SubscriptionItem(
            stripe_id(self.rng, "si"),
            self.by_key[f"seats_month_{currency}"].price_id,
            self.rng.randint(1, 10),
            at,
        )
        return self._phase(subscription, at, [items[0], seats, *items[1:]], "add_item")

    def _interval_switch(self, subscription, window, items) -> bool:
        """Monthly ↔ annual on the same plan: Stripe credits the rest of the old period and
        starts the new cycle at once."""
        tier, period, currency = _price_key(self.by_id[items[0].price_id])
        other = "month" if period == "year" else "year"
        at = self._instant(window)
        switched = SubscriptionItem(
            stripe_id(self.rng, "si"),
            self.by_key[f"{tier}_{other}_{currency}"].price_id,
            items[0].quantity,
            at,
        )
        return self._phase(subscription, at, [switched], "interval_switch", anchor=at)

    def _renewal_in(self, subscription, window) -> datetime | None:
        horizon = subscription.ended_at or self.now
        last = segments(subscription, self.by_id, horizon)[-1]
        found = [b for b in last.boundaries() if window[0] <= b <= window[1] - timedelta(days=30)]
        return self.rng.choice(found) if found else None

    def _pause(self, subscription, window, items) -> bool:
        paused_at = self._renewal_in(subscription, window)
        if paused_at is None:
            return False
        resumed_at = paused_at + timedelta(
            days=self.rng.randint(20, 60), hours=self.rng.randint(0, 23)
        )
        if resumed_at > window[1]:
            return False
        self._phase(subscription, paused_at, items, "pause", status="paused")
        return self._phase(subscription, resumed_at, items, "resume", anchor=resumed_at)

    def _past_due_episode(self, subscription, window, items) -> bool:
        failed_at = self._renewal_in(subscription, window)
        if failed_at is None:
            return False
        recovered_at = failed_at + timedelta(
            days=self.rng.randint(3, 20), hours=self.rng.randint(0, 23)
        )
        self._phase(subscription, failed_at, items, "payment_failed", status="past_due")
        return self._phase(subscription, recovered_at, items, "payment_recovered")
