"""Scenario files: a hand-written billing case served by the simulator exactly as written.

A scenario is YAML with prices, coupons and customers with their subscriptions; the
simulator bills them (periods, renewal invoices, discounts applied to the invoices they
cover, events of the last 30 days) as it bills generated companies. Amounts are integer minor
units (hundredths of a dollar or euro; yen for JPY). Dates are YYYY-MM-DD (midnight UTC) or
full ISO timestamps.

    today: 2026-06-30                  # optional: last day of history (default: today, UTC)
    prices:
      annual: {product: Pro, currency: usd, unit_amount: 1200000, interval: year}
    coupons:
      twenty: {percent_off: 20, duration: forever}
      launch: {percent_off: 20, duration: repeating, duration_in_months: 3}
      fifty: {amount_off: 5000, currency: usd, duration: forever}
    customers:
      acme:
        name: Acme Inc.
        email: billing@acme.com
        discount: {coupon: twenty, start: 2026-01-01}      # optional, customer level
        subscriptions:
          - start: 2026-01-15
            items: [{price: annual, quantity: 1}]
            discounts: [{coupon: launch}]                 # start defaults to the sub's start
            trial_days: 0
            tax_per_invoice: 0      # minor units of tax on every invoice (never revenue)
            status: active          # final: active, past_due, trialing, unpaid, paused, canceled
            canceled_at: 2026-05-01 # ended then; with cancel_at_period_end: requested then
            changes:                # dated changes, oldest first (prorated inside a period)
              - {at: 2026-03-10, items: [{price: annual, quantity: 2}]}     # new item set
              - {at: 2026-04-01, status: paused}                           # or past_due
              - {at: 2026-05-01, status: active, restart_cycle: true}      # resume, new cycle

Ids are derived from the keys (`cus_acme`, `price_annual`, `sub_acme_1`, …), so a test can
name them. An item that keeps its price keeps its id across changes, as on Stripe.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from revtruth.simulate.company.billing import BillingBuilder
from revtruth.simulate.company.catalogue import FX_UNITS_PER_USD
from revtruth.simulate.company.generator import utc_today
from revtruth.simulate.company.plan import (
    BillingPlan,
    Company,
    CompanyPlan,
    Coupon,
    CrmPlan,
    Customer,
    Discount,
    Price,
    Product,
    ProductDbPlan,
    Subscription,
    SubscriptionItem,
    SubscriptionPhase,
)
from revtruth.simulate.company.timeline import add_months, period_boundary

STATUSES = {"active", "past_due", "trialing", "unpaid", "paused", "canceled", "incomplete"}
INTERVALS = {"day", "week", "month", "year"}


class ScenarioError(ValueError):
    """The scenario file is not valid; the message names the place."""


def _instant(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _instant(datetime.fromisoformat(value), where)
        except ValueError:
            pass
    raise ScenarioError(f"{where}: {value!r} is not a date (YYYY-MM-DD) or ISO timestamp")


def _require(mapping: dict, key: str, where: str) -> Any:
    if key not in mapping:
        raise ScenarioError(f"{where}: missing '{key}'")
    return mapping[key]


def _prices(spec: dict, created: datetime) -> tuple[list[Product], dict[str, Price]]:
    products: dict[str, Product] = {}
    prices: dict[str, Price] = {}
    for key, price in (spec or {}).items():
        where = f"prices.{key}"
        interval = price.get("interval", "month")
        if interval not in INTERVALS:
            raise ScenarioError(f"{where}.interval: {interval!r} is not one of {sorted(INTERVALS)}")
        amount = _require(price, "unit_amount", where)
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ScenarioError(f"{where}.unit_amount: {amount!r} must be whole minor units")
        product_name = price.get("product", "Product")
        product_id = "prod_" + "".join(ch for ch in product_name.lower() if ch.isalnum())
        products.setdefault(product_id, Product(product_id, product_name, created))
        prices[key] = Price(
            price_id=f"price_{key}",
            product_id=product_id,
            currency=str(price.get("currency", "usd")).lower(),
            unit_amount=amount,
            interval=interval,
            interval_count=int(price.get("interval_count", 1)),
            created_at=created,
            nickname=key,
            lookup_key=key,
        )
    return list(products.values()), prices


def _coupons(spec: dict, created: datetime) -> dict[str, Coupon]:
    coupons = {}
    for key, coupon in (spec or {}).items():
        where = f"coupons.{key}"
        duration = coupon.get("duration", "forever")
        if duration not in ("forever", "once", "repeating"):
            raise ScenarioError(f"{where}.duration: {duration!r} is not forever, once or repeating")
        if ("percent_off" in coupon) == ("amount_off" in coupon):
            raise ScenarioError(f"{where}: give exactly one of percent_off and amount_off")
        if duration == "repeating" and "duration_in_months" not in coupon:
            raise ScenarioError(f"{where}: a repeating coupon needs duration_in_months")
        coupons[key] = Coupon(
            coupon_id=key,
            name=coupon.get("name", key),
            duration=duration,
            created_at=created,
            percent_off=Decimal(str(coupon["percent_off"])) if "percent_off" in coupon else None,
            amount_off=coupon.get("amount_off"),
            currency=str(coupon["currency"]).lower() if coupon.get("currency") else None,
            duration_in_months=coupon.get("duration_in_months"),
        )
    return coupons


def load_scenario(path: Path, today: date | None = None) -> CompanyPlan:
    """The company a scenario file describes, billed up to `today` (file's, else UTC today)."""
    try:
        spec = yaml.safe_load(Path(path).read_text()) or {}
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(spec, dict):
        raise ScenarioError(f"{path}: the top level must be a mapping")
    unknown = set(spec) - {
        "name",
        "description",
        "today",
        "reporting_currency",
        "fx_units_per_usd",
        "prices",
        "coupons",
        "customers",
    }
    if unknown:
        raise ScenarioError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    today = today or (_instant(spec["today"], "today").date() if "today" in spec else utc_today())
    now = datetime.combine(today, time(0, 0), tzinfo=UTC)
    created = now - timedelta(days=5 * 365)
    products, prices = _prices(spec.get("prices"), created)
    coupons = _coupons(spec.get("coupons"), created)
    billing = BillingPlan()
    builder = BillingBuilder(
        random.Random(str(path)), billing, now, created, catalogue=(products, prices, coupons)
    )
    companies = []
    for key, customer_spec in (spec.get("customers") or {}).items():
        companies.append(_add_customer(builder, key, customer_spec or {}, prices, coupons, now))
    builder.finish()
    fx = dict(FX_UNITS_PER_USD)
    fx.update({k.lower(): Decimal(str(v)) for k, v in (spec.get("fx_units_per_usd") or {}).items()})
    return CompanyPlan(
        seed=0,
        size="scenario",
        today=today,
        now=now,
        reporting_currency=str(spec.get("reporting_currency", "usd")).lower(),
        companies=companies,
        billing=billing,
        crm=CrmPlan(),
        product_db=ProductDbPlan(),
        fx_to_reporting=fx,
    )


def _discount(
    entry: dict,
    where: str,
    coupons: dict[str, Coupon],
    customer_id: str,
    default_start: datetime,
    period_months: int,
    subscription_id: str | None,
) -> Discount:
    coupon_key = _require(entry, "coupon", where)
    if coupon_key not in coupons:
        raise ScenarioError(f"{where}.coupon: no coupon {coupon_key!r} in coupons")
    coupon = coupons[coupon_key]
    start = _instant(entry["start"], f"{where}.start") if "start" in entry else default_start
    end = None
    if coupon.duration == "repeating":
        end = add_months(start, coupon.duration_in_months)
    elif coupon.duration == "once":
        end = add_months(start, period_months)  # exactly the first invoice
    return Discount(
        f"di_{subscription_id or customer_id}_{coupon_key}",
        coupon_key,
        customer_id,
        start,
        end,
        subscription_id=subscription_id,
    )


def _add_customer(builder, key, spec, prices, coupons, now) -> Company:
    where = f"customers.{key}"
    customer_id = f"cus_{key}"
    subs = spec.get("subscriptions") or []
    first_start = min(
        (_instant(_require(s, "start", f"{where}.subscriptions"), where) for s in subs),
        default=now - timedelta(days=1),
    )
    customer = Customer(
        customer_id=customer_id,
        company_key=f"co_{key}",
        name=spec.get("name", key),
        email=spec.get("email", f"billing@{key}.example"),
        created_at=first_start,
        currency=None,
    )
    if spec.get("discount"):
        customer.discount = _discount(
            spec["discount"], f"{where}.discount", coupons, customer_id, first_start, 1, None
        )
        builder.plan.discounts.append(customer.discount)
    builder.plan.customers.append(customer)
    for number, sub_spec in enumerate(subs, start=1):
        _add_subscription(
            builder,
            customer,
            f"{where}.subscriptions[{number - 1}]",
            f"sub_{key}_{number}",
            sub_spec,
            prices,
            coupons,
            now,
        )
    return Company(f"co_{key}", customer.name, f"{key}.example", "scenario", first_start)


def _add_subscription(
    builder, customer, where, subscription_id, spec, prices, coupons, now
) -> None:
    start = _instant(_require(spec, "start", where), f"{where}.start")
    items = []
    for index, item in enumerate(_require(spec, "items", where)):
        price_key = _require(item, "price", f"{where}.items[{index}]")
        if price_key not in prices:
            raise ScenarioError(f"{where}.items[{index}].price: no price {price_key!r} in prices")
        items.append(
            SubscriptionItem(
                f"si_{subscription_id}_{index + 1}",
                prices[price_key].price_id,
                int(item.get("quantity", 1)),
                start,
            )
        )
    item_prices = [prices[i["price"]] for i in spec["items"]]
    if len({(p.interval, p.interval_count) for p in item_prices}) > 1:
        raise ScenarioError(f"{where}.items: every item of a subscription shares one interval")
    currency = item_prices[0].currency
    status = spec.get("status", "active")
    if status not in STATUSES:
        raise ScenarioError(f"{where}.status: {status!r} is not one of {sorted(STATUSES)}")
    trial_days = int(spec.get("trial_days", 0))
    trial_end = start + timedelta(days=trial_days) if trial_days else None
    subscription = Subscription(
        subscription_id=subscription_id,
        customer_id=customer.customer_id,
        status=status,
        currency=currency,
        items=items,
        created_at=start,
        start_date=start,
        current_period_start=start,
        current_period_end=trial_end or start,
        trial_start=start if trial_days else None,
        trial_end=trial_end,
        cancel_at_period_end=bool(spec.get("cancel_at_period_end", False)),
        tax_per_invoice=int(spec.get("tax_per_invoice", 0)),
    )
    if spec.get("canceled_at"):
        subscription.canceled_at = _instant(spec["canceled_at"], f"{where}.canceled_at")
        if status == "canceled":
            # immediately, or at the end of the period the cancellation was requested in
            subscription.ended_at = (
                _period_end_after(subscription.canceled_at, trial_end or start, item_prices[0])
                if subscription.cancel_at_period_end
                else subscription.canceled_at
            )
    elif status == "canceled":
        raise ScenarioError(f"{where}: a canceled subscription needs canceled_at")
    customer.currency = customer.currency or currency
    period_months = {"month": 1, "year": 12}.get(item_prices[0].interval, 1) * item_prices[
        0
    ].interval_count
    granted = [
        _discount(
            entry,
            f"{where}.discounts[{i}]",
            coupons,
            customer.customer_id,
            start,
            period_months,
            subscription_id,
        )
        for i, entry in enumerate(spec.get("discounts") or [])
    ]
    _add_changes(subscription, spec.get("changes") or [], where, prices)
    builder.record(subscription, customer, granted)


def _add_changes(subscription: Subscription, changes: list, where: str, prices: dict) -> None:
    current = list(subscription.items)
    for index, change in enumerate(changes):
        place = f"{where}.changes[{index}]"
        at = _instant(_require(change, "at", place), f"{place}.at")
        previous = subscription.phases[-1].start if subscription.phases else subscription.start_date
        if at <= previous:
            raise ScenarioError(f"{place}.at: changes must come after the start and each other")
        status = change.get("status", "active")
        if status not in ("active", "past_due", "paused"):
            raise ScenarioError(f"{place}.status: {status!r} is not active, past_due or paused")
        if "items" in change:
            by_price = {item.price_id: item for item in current}
            new_items = []
            for number, item in enumerate(change["items"]):
                price_key = _require(item, "price", f"{place}.items[{number}]")
                if price_key not in prices:
                    raise ScenarioError(f"{place}.items[{number}].price: no price {price_key!r}")
                price_id = prices[price_key].price_id
                kept = by_price.get(price_id)
                new_items.append(
                    SubscriptionItem(
                        kept.item_id
                        if kept
                        else f"si_{subscription.subscription_id}_c{index + 1}_{number + 1}",
                        price_id,
                        int(item.get("quantity", 1)),
                        kept.created_at if kept else at,
                    )
                )
            current = new_items
        if subscription.initial_items is None:
            subscription.initial_items = list(subscription.items)
        subscription.phases.append(
            SubscriptionPhase(
                at,
                list(current),
                status,
                at if change.get("restart_cycle") else None,
                change.get("reason", "scenario"),
            )
        )
    subscription.items = current


def _period_end_after(moment: datetime, anchor: datetime, price: Price) -> datetime:
    periods = 1
    while period_boundary(anchor, price, periods) <= moment:
        periods += 1
    return period_boundary(anchor, price, periods)
