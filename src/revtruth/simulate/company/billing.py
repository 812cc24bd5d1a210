"""Billing side of the simulated company: Stripe customers, subscriptions, invoices, events.

Subscriptions follow Stripe's own rules: every item of a subscription shares one interval,
periods roll from the billing anchor (the trial end when there was a trial), a finite
discount disappears from the subscription once it has expired, and events are kept for
30 days only.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from revtruth.simulate.company import names
from revtruth.simulate.company.catalogue import COUPON_SPECS, PRICE_SPECS, PRODUCTS, build_catalogue
from revtruth.simulate.company.ids import stripe_id
from revtruth.simulate.company.invoicing import Invoicer
from revtruth.simulate.company.lifecycle import Lifecycle
from revtruth.simulate.company.plan import (
    BillingPlan,
    Company,
    Coupon,
    Customer,
    Discount,
    Price,
    Product,
    StripeEvent,
    Subscription,
    SubscriptionItem,
    SubscriptionPhase,
)
from revtruth.simulate.company.timeline import add_months, segments

EVENT_RETENTION = timedelta(days=30)
TRIAL = timedelta(days=14)


class BillingBuilder:
    def __init__(
        self,
        rng: random.Random,
        plan: BillingPlan,
        now: datetime,
        history_start: datetime,
        catalogue: tuple[list[Product], dict[str, Price], dict[str, Coupon]] | None = None,
    ):
        """`catalogue` (products, prices and coupons by key) replaces the standard price list,
        as a scenario file does."""
        self.rng, self.plan, self.now = rng, plan, now
        catalogue_created = history_start - timedelta(days=30)
        products, self.prices, self.coupons = catalogue or build_catalogue(
            catalogue_created,
            [stripe_id(rng, "prod") for _ in PRODUCTS],
            [stripe_id(rng, "price") for _ in PRICE_SPECS],
            [spec.key for spec in COUPON_SPECS],  # coupon ids are chosen by people, as here
        )
        plan.products.extend(products)
        plan.prices.extend(self.prices.values())
        plan.coupons.extend(self.coupons.values())
        self._subscriptions_of: dict[str, list[Subscription]] = {}
        # Every discount ever granted, expired ones too: invoices need them, the API does not.
        self._granted_discounts: dict[str, list[Discount]] = {}
        self._uncollectible: dict[str, datetime] = {}  # subscription -> renewal never paid
        self.invoicer = Invoicer(rng, plan, self.prices_by_id, self.coupons, now)
        self.lifecycle = Lifecycle(rng, self.prices, now)

    # ------------------------------------------------------------------ customers

    def add_customer(self, company: Company, currency: str | None = None) -> Customer:
        rng = self.rng
        first, last = names.person(rng)
        email = (
            names.free_mail(rng, first, last)
            if rng.random() < 0.25
            else rng.choice(
                (
                    f"billing@{company.domain}",
                    f"finance@{company.domain}",
                    names.work_email(first, last, company.domain),
                )
            )
        )
        currency = currency or self._currency_for(company)
        customer = Customer(
            customer_id=stripe_id(rng, "cus"),
            company_key=company.company_key,
            name=names.name_variant(rng, company.name),
            email=email,
            created_at=company.created_at,
            currency=currency,
            country=company.country,
        )
        if rng.random() < 0.06 and company.scenario != "trial":
            customer.discount = Discount(
                stripe_id(rng, "di"), "partner20", customer.customer_id, company.created_at
            )
            self.plan.discounts.append(customer.discount)
        self.plan.customers.append(customer)
        subscription = self._add_subscription(company, customer)
        self.plan.subscriptions.append(subscription)
        self._subscriptions_of[customer.customer_id] = [subscription]
        self._add_invoices(subscription, customer)
        self._add_events(customer, subscription)
        if company.scenario == "churned" and rng.random() < 0.3:
            self._add_reactivation(customer, subscription)
        return customer

    def _add_reactivation(self, customer: Customer, churned: Subscription) -> None:
        """A churned customer comes back on a new subscription (Stripe never revives a
        canceled one) and, in this story, leaves again before now."""
        rng = self.rng
        start = churned.ended_at + timedelta(days=rng.randint(40, 120), hours=rng.randint(0, 23))
        room = (self.now - timedelta(days=7) - start).days
        if room < 35:
            return
        initial = churned.initial_items or churned.items
        subscription = Subscription(
            subscription_id=stripe_id(rng, "sub"),
            customer_id=customer.customer_id,
            status="canceled",
            currency=churned.currency,
            items=[
                SubscriptionItem(stripe_id(rng, "si"), item.price_id, item.quantity, start)
                for item in initial
            ],
            created_at=start,
            start_date=start,
            current_period_start=start,
            current_period_end=start,
        )
        subscription.ended_at = start + timedelta(days=rng.randint(31, min(150, room)))
        subscription.canceled_at = subscription.ended_at
        self._set_current_period(subscription)
        self.plan.subscriptions.append(subscription)
        self._subscriptions_of[customer.customer_id].append(subscription)
        self._add_invoices(subscription, customer)
        self._add_events(customer, subscription)

    def _currency_for(self, company: Company) -> str:
        if company.country == "JP" and self.rng.random() < 0.8:
            return "jpy"
        if company.country in ("DE", "FR") and self.rng.random() < 0.8:
            return "eur"
        return "usd"

    def annual_value_of(self, customer: Customer | None) -> tuple[Decimal, str] | None:
        """What sales booked: list price × 12 months, before discounts, in major units."""
        if customer is None:
            return None
        subscription = self._subscriptions_of[customer.customer_id][0]
        monthly = Decimal(0)
        for item in subscription.items:
            price = self.prices_by_id[item.price_id]
            if price.usage_type == "metered":
                continue  # sales books committed revenue, not usage
            months = {"month": 1, "year": 12}.get(price.interval)
            amount = Decimal(price.amount_for(item.quantity))
            monthly += amount / (months * price.interval_count) if months else amount * 52 / 12
        divisor = 1 if subscription.currency == "jpy" else 100
        return ((monthly * 12 / divisor).quantize(Decimal("0.01")), subscription.currency)

    @property
    def prices_by_id(self) -> dict[str, Price]:
        return {price.price_id: price for price in self.prices.values()}

    def ended_at_of(self, customer: Customer | None) -> datetime | None:
        if customer is None:
            return None
        return self._subscriptions_of[customer.customer_id][0].ended_at

    # ------------------------------------------------------------------ subscriptions

    def _choose_prices(self, currency: str) -> tuple[Price, int, Price | None, Price | None]:
        """A main plan; maybe extra seats (flat or tiered); maybe metered API usage. Every item
        of a subscription shares one interval, so add-ons only go with monthly plans."""
        rng = self.rng
        candidates = [
            p
            for p in self.prices.values()
            if p.currency == currency and not p.lookup_key.startswith(("seats", "api"))
        ]
        weights = [
            1 if p.interval == "week" else 6 if p.interval == "year" else 10 for p in candidates
        ]
        main = rng.choices(candidates, weights)[0]
        seats = metered = None
        if main.interval == "month" and main.interval_count == 1:
            if rng.random() < 0.3:
                tiered = self.prices.get(f"seats_tiered_{currency}")
                seats = (
                    tiered
                    if tiered and rng.random() < 0.5
                    else self.prices.get(f"seats_month_{currency}")
                )
            if rng.random() < 0.15:
                metered = self.prices.get(f"api_metered_{currency}")
        return main, 1, seats, metered

    def _add_subscription(self, company: Company, customer: Customer) -> Subscription:
        rng, now = self.rng, self.now
        start = customer.created_at
        main, quantity, seats, metered = self._choose_prices(customer.currency)
        had_trial = company.scenario == "trial" or rng.random() < 0.3
        anchor = start + TRIAL if had_trial else start
        items = [SubscriptionItem(stripe_id(rng, "si"), main.price_id, quantity, start)]
        if seats is not None:
            most = 60 if seats.tiers_mode else 25
            items.append(
                SubscriptionItem(stripe_id(rng, "si"), seats.price_id, rng.randint(1, most), start)
            )
        if metered is not None:  # usage is metered: the item has no quantity
            items.append(SubscriptionItem(stripe_id(rng, "si"), metered.price_id, 0, start))
        subscription = Subscription(
            subscription_id=stripe_id(rng, "sub"),
            customer_id=customer.customer_id,
            status="active",
            currency=customer.currency,
            items=items,
            created_at=start,
            start_date=start,
            current_period_start=start,
            current_period_end=anchor,
            trial_start=start if had_trial else None,
            trial_end=anchor if had_trial else None,
        )
        if company.scenario == "trial" and anchor <= now:
            # a trial that lapsed: no payment method at its end, Stripe cancels it
            subscription.status = "canceled"
            subscription.ended_at = subscription.canceled_at = anchor
        elif company.scenario == "trial":
            subscription.status = "trialing"
        elif company.scenario == "churned":
            earliest = anchor + timedelta(days=31)
            latest = now - timedelta(days=7)
            ended = earliest + timedelta(
                seconds=rng.randint(0, max(1, int((latest - earliest).total_seconds())))
            )
            subscription.status = "canceled"
            subscription.ended_at = ended
            subscription.canceled_at = ended - timedelta(days=rng.choice((0, 0, 3, 12)))
        elif company.scenario == "past_due":
            subscription.status = "past_due"
        elif rng.random() < 0.05:
            subscription.cancel_at_period_end = True  # still paying until the period ends
        self.lifecycle.add_changes(subscription)
        if company.scenario == "churned" and rng.random() < 0.3:
            self._fail_then_cancel(subscription)
        self._set_current_period(subscription)
        if subscription.cancel_at_period_end:
            subscription.cancel_at = subscription.current_period_end
            subscription.canceled_at = now - timedelta(days=rng.randint(1, 5))
        if subscription.status != "trialing":
            mains = [self.prices_by_id[p.items[0].price_id] for p in subscription.phases]
            self._add_discounts(
                subscription,
                customer,
                self.prices_by_id[subscription.items[0].price_id],
                min(p.unit_amount for p in [main, *mains]),
            )
        return subscription

    def record(
        self, subscription: Subscription, customer: Customer, granted: list[Discount]
    ) -> None:
        """Bill a subscription described elsewhere (a scenario file): its current period,
        its discounts as the API lists them now, its invoices and its events."""
        self._set_current_period(subscription)
        if subscription.cancel_at_period_end:
            subscription.cancel_at = subscription.current_period_end
        self._granted_discounts[subscription.subscription_id] = granted
        self.plan.discounts.extend(granted)
        subscription.discounts = [d for d in granted if d.end is None or d.end > self.now]
        self.plan.subscriptions.append(subscription)
        self._subscriptions_of.setdefault(customer.customer_id, []).append(subscription)
        self._add_invoices(subscription, customer)
        self._add_events(customer, subscription)

    def _set_current_period(self, subscription: Subscription) -> None:
        """The period in force now, or the last one of an ended subscription."""
        if subscription.trial_end and (subscription.ended_at or self.now) < subscription.trial_end:
            return  # still in the trial period
        at = (
            subscription.ended_at - timedelta(microseconds=1) if subscription.ended_at else self.now
        )
        horizon = (subscription.ended_at or self.now) + timedelta(days=1)
        last = [s for s in segments(subscription, self.prices_by_id, horizon) if s.start <= at][-1]
        subscription.current_period_start, subscription.current_period_end = last.covering_period(
            at
        )

    def _add_discounts(
        self, subscription: Subscription, customer: Customer, main: Price, smallest_main_amount: int
    ) -> None:
        rng = self.rng
        roll = rng.random()
        monthly = main.interval == "month" and main.interval_count == 1
        coupon_key = None
        start = subscription.start_date
        if roll < 0.08:
            coupon_key = rng.choice(("partner20", "nonprofit25"))
        elif (
            roll < 0.13
            and smallest_main_amount >= 10_000
            and not self._has_metered(subscription)
            and not any(p.reason == "interval_switch" for p in subscription.phases)
        ):
            # An amount off is per invoice: it follows neither usage lines nor a switch of the
            # billing interval, so those subscriptions get percentages only.
            # Amount-off coupons go on plans they cannot wipe out (MRR would floor at zero).
            coupon_key = {
                ("usd", True): "usd50off",
                ("usd", False): "usd120off_year" if main.interval == "year" else None,
                ("eur", True): "eur20off",
            }.get((subscription.currency, monthly))
        elif roll < 0.18 and monthly:
            coupon_key = "launch10x3"
        elif roll < 0.26 and monthly and roll >= 0.23:
            coupon_key = "welcome25"
        elif roll < 0.23 and monthly and subscription.status != "canceled":
            # A retention offer made at one of the last two renewals.
            coupon_key = "save50x2"
            start = add_months(subscription.current_period_start, -rng.randint(0, 1))
            start = max(start, subscription.start_date)
        if coupon_key is None:
            return
        # One discount per subscription: accounts on API versions before 2020-08-27 can show
        # only one (`discount`), and the simulated company must read the same in both shapes.
        # Stacked discounts and their order are exercised by scenario files and unit tests.
        discounts = [self._discount(coupon_key, subscription, start)]
        # Stripe drops an expired discount from the subscription: keep only what still applies.
        subscription.discounts = [d for d in discounts if d.end is None or d.end > self.now]
        self._granted_discounts[subscription.subscription_id] = discounts
        self.plan.discounts.extend(discounts)

    def _fail_then_cancel(self, subscription: Subscription) -> None:
        """The last renewal's payment fails, the subscription goes past_due and, the retries
        exhausted, is canceled a few days to weeks later; that invoice is never paid."""
        last = segments(subscription, self.prices_by_id, subscription.ended_at)[-1]
        after = subscription.phases[-1].start if subscription.phases else subscription.start_date
        renewals = [b for b in last.boundaries() if after < b < subscription.ended_at]
        if not renewals:
            return
        failed_at = renewals[-1]
        ended = min(
            failed_at + timedelta(days=self.rng.randint(7, 25)), self.now - timedelta(days=1)
        )
        if ended <= failed_at:
            return
        if subscription.initial_items is None:
            subscription.initial_items = list(subscription.items)
        subscription.phases.append(
            SubscriptionPhase(
                failed_at, list(subscription.items), "past_due", None, "payment_failed"
            )
        )
        subscription.ended_at = subscription.canceled_at = ended
        self._uncollectible[subscription.subscription_id] = failed_at

    def _has_metered(self, subscription: Subscription) -> bool:
        items = [*(subscription.initial_items or []), *subscription.items]
        return any(self.prices_by_id[i.price_id].usage_type == "metered" for i in items)

    def _discount(self, coupon_key: str, subscription: Subscription, start: datetime) -> Discount:
        coupon = self.coupons[coupon_key]
        end = None
        if coupon.duration == "repeating":
            end = add_months(start, coupon.duration_in_months)
        elif coupon.duration == "once":  # the first invoice only: gone a period later
            main = self.prices_by_id[subscription.items[0].price_id]
            months = main.interval_count * (12 if main.interval == "year" else 1)
            end = add_months(start, months)
        return Discount(
            stripe_id(self.rng, "di"),
            coupon.coupon_id,
            subscription.customer_id,
            start,
            end,
            subscription_id=subscription.subscription_id,
        )

    # ------------------------------------------------------------------ invoices and events

    def _add_invoices(self, subscription: Subscription, customer: Customer) -> None:
        self.invoicer.bill(
            subscription, customer, self._granted_discounts.get(subscription.subscription_id, [])
        )
        failed_at = self._uncollectible.get(subscription.subscription_id)
        for invoice in self.plan.invoices[::-1]:
            if failed_at is None or invoice.subscription_id != subscription.subscription_id:
                continue
            if invoice.created_at == failed_at:
                invoice.status = "uncollectible"
                break

    def _add_events(self, customer: Customer, subscription: Subscription) -> None:
        window_start = self.now - EVENT_RETENTION
        rng = self.rng

        def event(kind: str, at: datetime, object_type: str, object_id: str) -> None:
            if window_start <= at <= self.now:
                self.plan.events.append(
                    StripeEvent(stripe_id(rng, "evt"), kind, at, object_type, object_id)
                )

        event("customer.created", customer.created_at, "customer", customer.customer_id)
        event(
            "customer.subscription.created",
            subscription.created_at,
            "subscription",
            subscription.subscription_id,
        )
        for phase in subscription.phases:
            event(
                "customer.subscription.updated",
                phase.start,
                "subscription",
                subscription.subscription_id,
            )
        if subscription.ended_at:
            event(
                "customer.subscription.deleted",
                subscription.ended_at,
                "subscription",
                subscription.subscription_id,
            )
        for discount in subscription.discounts:
            if discount.start > subscription.start_date:
                event(
                    "customer.discount.created",
                    discount.start,
                    "subscription",
                    subscription.subscription_id,
                )

    def finish(self) -> None:
        for invoice in self.plan.invoices:
            if self.now - EVENT_RETENTION <= invoice.created_at <= self.now and invoice.lines:
                kind = "invoice.paid" if invoice.status == "paid" else "invoice.payment_failed"
                self.plan.events.append(
                    StripeEvent(
                        stripe_id(self.rng, "evt"),
                        kind,
                        invoice.created_at,
                        "invoice",
                        invoice.invoice_id,
                    )
                )
        self.plan.events.sort(key=lambda e: (e.created_at, e.event_id))
