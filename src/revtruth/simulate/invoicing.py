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
from datetime import datetime

from revtruth.simulate.ids import stripe_id
from revtruth.simulate.plan import (
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
from revtruth.simulate.timeline import Segment, segments


class Invoicer:
    def __init__(self, rng: random.Random, plan: BillingPlan, prices: dict[str, Price],
                 coupons: dict[str, Coupon], now: datetime):
        self.rng, self.plan, self.prices, self.coupons, self.now = rng, plan, prices, coupons, now
        self._number = 0

    def discounts_at(self, granted: list[Discount], customer: Customer, period_start: datetime) -> list[Discount]:
        """The discounts on the invoice of the period starting then (METRICS.md order)."""
        applied = [d for d in granted if d.start <= period_start and (d.end is None or period_start < d.end)]
        if not applied and customer.discount is not None and customer.discount.start <= period_start:
            applied = [customer.discount]
        return applied

    def bill(self, subscription: Subscription, customer: Customer, granted: list[Discount]) -> None:
        limit = subscription.ended_at or self.now
        if subscription.trial_start is not None:
            self._invoice(subscription, customer, subscription.trial_start, subscription.trial_end,
                          "subscription_create", subscription.initial_items or subscription.items,
                          [], zero=True)
        if subscription.status == "trialing":
            return
        live = subscription.ended_at is None
        previous: Segment | None = None
        for segment in segments(subscription, self.prices, limit):
            if previous is not None and previous.status != "paused" and segment.items != previous.items:
                self._prorate(subscription, customer, granted, previous, segment)
            if segment.status != "paused":
                is_last = segment.end == limit
                for boundary in segment.boundaries(include_end=live and is_last):
                    _, period_end = segment.covering_period(boundary)
                    first = boundary == (subscription.trial_end or subscription.start_date)
                    reason = ("subscription_create" if first and subscription.trial_start is None
                              else "subscription_cycle")
                    discounts = self.discounts_at(granted, customer, boundary)
                    self._invoice(subscription, customer, boundary, period_end, reason,
                                  segment.items, discounts)
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
        going = [i for i in old.items if _key(i) not in kept]
        # after an interval switch the new items are invoiced in full by the new cycle
        coming = [i for i in new.items if _key(i) not in kept] if same_cycle else []
        percent = [d for d in self.discounts_at(granted, customer, period_start)
                   if self.coupons[d.coupon_id].percent_off is not None]
        lines = [self._proration_line(subscription, item, -1, new.start, period_end,
                                      fraction_num, fraction_den, percent) for item in going]
        lines += [self._proration_line(subscription, item, 1, new.start, period_end,
                                       fraction_num, fraction_den, percent) for item in coming]
        if lines:
            self._record(subscription, customer, new.start, period_end, "subscription_update",
                         lines, percent)

    def _proration_line(self, subscription, item: SubscriptionItem, sign: int, start, end,
                        fraction_num: float, fraction_den: float, percent: list[Discount]) -> InvoiceLine:
        price = self.prices[item.price_id]
        amount = sign * round(price.unit_amount * item.quantity * fraction_num / fraction_den)
        line = InvoiceLine(
            line_id=stripe_id(self.rng, "il"), amount=amount, currency=subscription.currency,
            description=("Unused time on" if sign < 0 else "Remaining time on")
            + f" {item.quantity} × {price.nickname}",
            period_start=start, period_end=end, quantity=item.quantity, price_id=price.price_id,
            subscription_item_id=item.item_id, proration=True,
        )
        remaining = amount
        for discount in percent:
            off = round(remaining * self.coupons[discount.coupon_id].percent_off / 100)
            line.discount_amounts.append((discount.discount_id, int(off)))
            remaining -= int(off)
        return line

    def _invoice(self, subscription, customer, start, end, reason, items, discounts, zero=False) -> None:
        lines = []
        for item in items:
            price = self.prices[item.price_id]
            lines.append(InvoiceLine(
                line_id=stripe_id(self.rng, "il"),
                amount=0 if zero else price.unit_amount * item.quantity,
                currency=subscription.currency,
                description=f"{item.quantity} × {price.nickname} (at {price.unit_amount})",
                period_start=start, period_end=end, quantity=item.quantity,
                price_id=price.price_id, subscription_item_id=item.item_id,
            ))
        if not zero:
            remaining = sum(line.amount for line in lines)
            for discount in discounts:
                coupon = self.coupons[discount.coupon_id]
                off = (remaining * int(coupon.percent_off) // 100) if coupon.percent_off is not None \
                    else min(coupon.amount_off or 0, remaining)
                lines[0].discount_amounts.append((discount.discount_id, off))
                remaining -= off
        self._record(subscription, customer, start, end, reason, lines, [] if zero else discounts)

    def _record(self, subscription, customer, start, end, reason, lines, discounts) -> None:
        self._number += 1
        invoice = Invoice(
            invoice_id=stripe_id(self.rng, "in"), customer_id=customer.customer_id,
            subscription_id=subscription.subscription_id,
            number=f"RT-{self._number:06d}", status="paid", billing_reason=reason,
            currency=subscription.currency, created_at=start, period_start=start, period_end=end,
            lines=lines, discount_ids=[d.discount_id for d in discounts],
        )
        self.plan.invoices.append(invoice)
        subscription.latest_invoice_id = invoice.invoice_id


def _key(item: SubscriptionItem) -> tuple[str, str, int]:
    """An item is unchanged when its id, price and quantity are."""
    return (item.item_id, item.price_id, item.quantity)
