"""Changes to a served Stripe account after it was first read: what a day of business does to
Stripe between two syncs, each change with the event Stripe writes for it.

Stripe's own rules are kept, because connectors rely on them:
- a deleted customer, coupon or product disappears from lists and its retrieval answers 404
  (a customer answers `{"id": …, "object": "customer", "deleted": true}`), while the
  discounts that used a deleted coupon keep their copy of it;
- deleting a customer cancels its subscriptions at once, each with its own
  `customer.subscription.deleted` event;
- "deleting" a subscription cancels it: it stays listable with `status=all` and retrievable;
- an event carries a snapshot of its object as the change left it, and
  `previous_attributes` for an update.

Use them on a running `StripeServer` through `StripeServer.change(...)`, which applies a
change and serves the result from the next request on.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from datetime import datetime

from revtruth.simulate.stripe.render import RenderedBilling
from revtruth.simulate.stripe.wire import JsonObj, ts

# object type -> the RenderedBilling collection holding it
_COLLECTIONS = {
    "customer": "customers",
    "subscription": "subscriptions",
    "coupon": "coupons",
    "product": "products",
    "invoice": "invoices",
}


@dataclass
class Change:
    """One change: `apply` edits the account and returns the events it writes."""

    kind: str  # "update_customer", "cancel_subscription", "delete_customer", …
    object_type: str
    object_id: str
    at: datetime
    fields: dict | None = None  # update_customer: the new values

    def apply(self, rendered: RenderedBilling) -> list[JsonObj]:
        return _APPLY[self.kind](rendered, self)


def _event(rendered: RenderedBilling, type_: str, at: datetime, obj: JsonObj, previous=None):
    event_id = f"evt_change{len(rendered.events):08d}"  # unique: one more event each time
    data: JsonObj = {"object": copy.deepcopy(obj)}
    if previous is not None:
        data["previous_attributes"] = previous
    event = {
        "api_version": rendered.api_version,
        "created": ts(at),
        "data": data,
        "id": event_id,
        "livemode": False,
        "object": "event",
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }
    rendered.events[event_id] = event
    return event


def _update_customer(rendered: RenderedBilling, change: Change) -> list[JsonObj]:
    customer = rendered.customers[change.object_id]
    previous = {key: customer.get(key) for key in change.fields or {}}
    customer.update(change.fields or {})
    return [_event(rendered, "customer.updated", change.at, customer, previous)]


def _cancel_subscription(rendered: RenderedBilling, change: Change) -> list[JsonObj]:
    subscription = rendered.subscriptions[change.object_id]
    previous = {"status": subscription["status"]}
    subscription.update(
        status="canceled", canceled_at=ts(change.at), ended_at=ts(change.at), cancel_at=None
    )
    return [_event(rendered, "customer.subscription.deleted", change.at, subscription, previous)]


def _change_quantity(rendered: RenderedBilling, change: Change) -> list[JsonObj]:
    subscription = rendered.subscriptions[change.object_id]
    quantity = int((change.fields or {})["quantity"])
    # The items are served twice (inside the subscription and from /v1/subscription_items):
    # both copies change.
    for item in [*rendered.subscription_items[change.object_id], *subscription["items"]["data"]]:
        if item["id"] == rendered.subscription_items[change.object_id][0]["id"]:
            previous_quantity = item["quantity"]
            item["quantity"] = quantity
    previous = {"items": {"data": [{"quantity": previous_quantity}]}}
    return [_event(rendered, "customer.subscription.updated", change.at, subscription, previous)]


def _delete(rendered: RenderedBilling, change: Change) -> list[JsonObj]:
    events = []
    if change.object_type == "customer":
        for sub_id, subscription in rendered.subscriptions.items():
            if subscription["customer"] == change.object_id and subscription["status"] not in (
                "canceled",
                "incomplete_expired",
            ):
                cancel = Change("cancel_subscription", "subscription", sub_id, change.at)
                events += _cancel_subscription(rendered, cancel)
    collection = getattr(rendered, _COLLECTIONS[change.object_type])
    obj = collection[change.object_id]
    rendered.deleted.setdefault(change.object_type, {})[change.object_id] = ts(change.at)
    events.append(_event(rendered, f"{change.object_type}.deleted", change.at, obj))
    return events


_APPLY = {
    "update_customer": _update_customer,
    "cancel_subscription": _cancel_subscription,
    "change_quantity": _change_quantity,
    "delete_customer": _delete,
    "delete_coupon": _delete,
    "delete_product": _delete,
}


def a_day_of_changes(
    rendered: RenderedBilling, rng: random.Random, at: datetime, count: int
) -> list[Change]:
    """`count` ordinary changes of one day, drawn with `rng`: most are updates (a customer's
    email, a seat count), some cancellations, a few deletions. Each object changes once."""
    live = rendered.deleted
    customers = sorted(c for c in rendered.customers if c not in live.get("customer", {}))
    running = sorted(
        s
        for s, sub in rendered.subscriptions.items()
        if sub["status"] in ("active", "trialing", "past_due")
    )
    rng.shuffle(customers)
    rng.shuffle(running)
    changes: list[Change] = []
    for n in range(count):
        moment = at.replace(hour=9 + n * 8 // max(count, 1), minute=n % 60)
        roll = rng.random()
        if roll < 0.5 and customers:
            customer_id = customers.pop()
            email = f"billing+{n}@{customer_id.lower()}.example"
            changes.append(
                Change("update_customer", "customer", customer_id, moment, {"email": email})
            )
        elif roll < 0.8 and running:
            quantity = rng.randint(2, 40)
            sub_id = running.pop()
            changes.append(
                Change("change_quantity", "subscription", sub_id, moment, {"quantity": quantity})
            )
        elif roll < 0.95 and running:
            changes.append(Change("cancel_subscription", "subscription", running.pop(), moment))
        elif customers:
            changes.append(Change("delete_customer", "customer", customers.pop(), moment))
    return changes
