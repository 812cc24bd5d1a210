"""Invoices for a subscription's life, as Stripe would issue them.

A renewal invoice at every period boundary (one line per item, discounts that had started
by then and not yet ended), a $0 invoice when a trial starts, and at a change inside a period
a proration invoice: a credit line for each item that goes (the unused rest of the period, at
what was paid) and a charge line for each item that comes, both over [change, period end).
Proration lines carry the percent-off discounts of the period's renewal; an amount off is
taken once per period, on the renewal invoice. An interval switch restarts the billing cycle:
the old period's rest is credited and the new period invoiced in full at once.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from revtruth.simulate.company.ids import stripe_id
from revtruth.simulate.company.plan import (
    BillingPlan,
    Coupon,
    Customer,
    Discount,
    Invoice,
    InvoiceLine,
    Price,
    Subscription,
    SubscriptionItem,
)
from revtruth.simulate.company.timeline import Segment, segments

_INSTANT = timedelta(microseconds=1)


class Invoicer:
    def __init__(
        self,
        rng: random.Random,
        plan: BillingPlan,
        prices: dict[str, Price],
        coupons: dict[str, Coupon],
        now: datetime,
    ):
        self.rng, self.plan, self.prices, self.coupons, self.now = rng, plan, prices, coupons, now
        self._number = 0

    def discounts_at(
        self, granted: list[Discount], customer: Customer, period_start: datetime
    ) -> list[Discount]:
        """The discounts on the invoice of the period starting then, in the order
        docs/metrics.md#discounts applies them."""
        applied = [
            d
            for d in granted
            if d.start <= period_start and (d.end is None or period_start < d.end)
        ]
        if (
            not applied
            and customer.discount is not None
            and customer.discount.start <= period_start
        ):
            applied = [customer.discount]
        return applied

    def bill(self, subscription: Subscription, customer: Customer, granted: list[Discount]) -> None:
        limit = subscription.ended_at or self.now
        if subscription.trial_start is not None:
            self._invoice(
                subscription,
                customer,
                subscription.trial_start,
                subscription.trial_end,
                "subscription_create",
                subscription.initial_items or subscription.items,
                [],
                zero=True,
            )
        if subscription.status == "trialing":
            return
        live = subscription.ended_at is None
        previous: Segment | None = None
        for segment in segments(subscription, self.prices, limit):
            if (
                previous is not None
                and previous.status != "paused"
                and segment.items != previous.items
            ):
                self._prorate(subscription, customer, granted, previous, segment)
            if segment.status != "paused":
                is_last = segment.end == limit
                for boundary in segment.boundaries(include_end=live and is_last):
                    period_start_before, _ = segment.covering_period(boundary - _INSTANT)
                    _, period_end = segment.covering_period(boundary)
                    first = boundary == (subscription.trial_end or subscription.start_date)
                    reason = (
                        "subscription_create"
                        if first and subscription.trial_start is None
                        else "subscription_cycle"
                    )
                    discounts = self.discounts_at(granted, customer, boundary)
                    self._invoice(
                        subscription,
                        customer,
                        boundary,
                        period_end,
                        reason,
                        segment.items,
                        discounts,
                        usage_since=_usage_start(first, period_start_before, segment, boundary),
                    )
            previous = segment
        if subscription.status == "past_due" and self.plan.invoices:
            self.plan.invoices[-1].status = "open"

    def _prorate(self, subscription, customer, granted, old: Segment, new: Segment) -> None:
        period_start, period_end = old.covering_period(new.start)
        if period_start == new.start:
            return  # the change falls on a renewal: nothing to prorate
        fraction_num = (period_end - new.start).total_seconds()
        fraction_den = (period_end - period_start).total_seconds()
        same_cycle = new.anchor == old.anchor
        kept = {_key(i) for i in old.items} & {_key(i) for i in new.items} if same_cycle else set()
        licensed = {
            i.item_id
            for i in (*old.items, *new.items)
            if self.prices[i.price_id].usage_type != "metered"
        }  # usage is never prorated
        going = [i for i in old.items if _key(i) not in kept and i.item_id in licensed]
        # after an interval switch the new items are invoiced in full by the new cycle
        coming = (
            [i for i in new.items if _key(i) not in kept and i.item_id in licensed]
            if same_cycle
            else []
        )
        percent = [
            d
            for d in self.discounts_at(granted, customer, period_start)
            if self.coupons[d.coupon_id].percent_off is not None
        ]
        lines = [
            self._proration_line(
                subscription, item, -1, new.start, period_end, fraction_num, fraction_den, percent
            )
            for item in going
        ]
        lines += [
            self._proration_line(
                subscription, item, 1, new.start, period_end, fraction_num, fraction_den, percent
            )
            for item in coming
        ]
        if lines:
            self._record(
                subscription, customer, new.start, period_end, "subscription_update", lines, percent
            )

    def _proration_line(
        self,
        subscription,
        item: SubscriptionItem,
        sign: int,
        start,
        end,
        fraction_num: float,
        fraction_den: float,
        percent: list[Discount],
    ) -> InvoiceLine:
        price = self.prices[item.price_id]
        amount = sign * round(price.amount_for(item.quantity) * fraction_num / fraction_den)
        line = InvoiceLine(
            line_id=stripe_id(self.rng, "il"),
            amount=amount,
            currency=subscription.currency,
            description=("Unused time on" if sign < 0 else "Remaining time on")
            + f" {item.quantity} × {price.nickname}",
            period_start=start,
            period_end=end,
            quantity=item.quantity,
            price_id=price.price_id,
            subscription_item_id=item.item_id,
            proration=True,
        )
        remaining = amount
        for discount in percent:
            off = round(remaining * self.coupons[discount.coupon_id].percent_off / 100)
            line.discount_amounts.append((discount.discount_id, int(off)))
            remaining -= int(off)
        return line

    def _invoice(
        self,
        subscription,
        customer,
        start,
        end,
        reason,
        items,
        discounts,
        zero=False,
        usage_since: datetime | None = None,
    ) -> None:
        lines = []
        for item in items:
            price = self.prices[item.price_id]
            if price.usage_type == "metered":
                if usage_since is not None and not zero:  # usage is billed in arrears
                    usage = self.rng.randint(100, 20_000)
                    lines.append(
                        self._line(
                            subscription,
                            item,
                            price,
                            usage * price.unit_amount,
                            usage,
                            usage_since,
                            start,
                        )
                    )
                continue
            lines.append(
                self._line(
                    subscription,
                    item,
                    price,
                    0 if zero else price.amount_for(item.quantity),
                    item.quantity,
                    start,
                    end,
                )
            )
        if not zero:
            _allocate_discounts(lines, discounts, self.coupons)
        invoice = self._record(
            subscription, customer, start, end, reason, lines, [] if zero else discounts
        )
        if not zero:
            invoice.tax = subscription.tax_per_invoice

    def _line(self, subscription, item, price, amount, quantity, start, end) -> InvoiceLine:
        return InvoiceLine(
            line_id=stripe_id(self.rng, "il"),
            amount=amount,
            currency=subscription.currency,
            description=f"{quantity} × {price.nickname}",
            period_start=start,
            period_end=end,
            quantity=quantity,
            price_id=price.price_id,
            subscription_item_id=item.item_id,
        )

    def _record(self, subscription, customer, start, end, reason, lines, discounts) -> Invoice:
        self._number += 1
        invoice = Invoice(
            invoice_id=stripe_id(self.rng, "in"),
            customer_id=customer.customer_id,
            subscription_id=subscription.subscription_id,
            number=f"RT-{self._number:06d}",
            status="paid",
            billing_reason=reason,
            currency=subscription.currency,
            created_at=start,
            period_start=start,
            period_end=end,
            lines=lines,
            discount_ids=[d.discount_id for d in discounts],
        )
        self.plan.invoices.append(invoice)
        subscription.latest_invoice_id = invoice.invoice_id
        return invoice


def _key(item: SubscriptionItem) -> tuple[str, str, int]:
    """An item is unchanged when its id, price and quantity are."""
    return (item.item_id, item.price_id, item.quantity)


def _usage_start(first: bool, previous_start: datetime, segment: Segment, boundary: datetime):
    """Where the usage billed at `boundary` began: the previous period (within this segment);
    none on the first invoice or right after a restart of the cycle."""
    start = max(previous_start, segment.start)
    return None if first or start >= boundary else start


def _allocate_discounts(
    lines: list[InvoiceLine], discounts: list[Discount], coupons: dict[str, Coupon]
) -> None:
    """Each discount in order, on what is left of each line: a percent off takes its share of
    every line; an amount off is spread over the lines in proportion (remainder on the
    first), never more than the invoice."""
    remaining = [line.amount for line in lines]
    for discount in discounts:
        coupon = coupons[discount.coupon_id]
        if coupon.percent_off is not None:
            offs = [amount * int(coupon.percent_off) // 100 for amount in remaining]
        else:
            total = sum(remaining)
            budget = min(coupon.amount_off or 0, total)
            offs = [budget * amount // total if total else 0 for amount in remaining]
            if offs:
                offs[0] += budget - sum(offs)
        for index, off in enumerate(offs):
            if off:
                lines[index].discount_amounts.append((discount.discount_id, off))
                remaining[index] -= off
