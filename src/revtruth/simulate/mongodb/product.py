"""The simulated product database as a MongoDB application keeps it: one document per tenant,
user and activity event, shaped as such applications shape them.

- `_id`s: a tenant's and a user's are their UUID strings (the ids the billing system and the
  CRM may hold); an event's is an ObjectId whose first four bytes are its time, as MongoDB
  makes them, and the event also keeps the product's numeric `event_id`;
- nested fields: a tenant's `plan.tier` and `billing.stripe_customer_id`, a user's
  `profile.full_name`;
- missing fields: a tenant with no billing id has no `billing` at all, a user who never came
  back has no `last_seen_at` (MongoDB applications leave fields out rather than write null);
- times are BSON dates (UTC, millisecond precision).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from datetime import datetime

import bson
from bson.int64 import Int64

from revtruth.simulate.company.plan import ProductDbPlan

DATABASE = "product"


def _millis(moment: datetime) -> datetime:
    """A BSON date holds milliseconds: what the application reads back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def event_object_id(occurred_at: datetime, event_id: int) -> bson.ObjectId:
    """The ObjectId MongoDB would have made at `occurred_at`: four bytes of seconds, then five
    of process and three of counter, here taken from the event id so it is repeatable."""
    seconds = int(occurred_at.timestamp())
    return bson.ObjectId(struct.pack(">I", seconds) + event_id.to_bytes(8, "big")[-8:])


def tenants(plan: ProductDbPlan) -> Iterator[dict]:
    for t in plan.tenants:
        doc: dict = {
            "_id": t.tenant_id,
            "name": t.name,
            "slug": t.slug,
            "plan": {"tier": t.plan_tier},
            "created_at": _millis(t.created_at),
        }
        if t.billing_customer_id:
            doc["billing"] = {"stripe_customer_id": t.billing_customer_id}
        yield doc


def users(plan: ProductDbPlan) -> Iterator[dict]:
    for u in plan.users:
        doc: dict = {
            "_id": u.user_id,
            "tenant_id": u.tenant_id,
            "email": u.email,
            "profile": {"full_name": u.full_name},
            "role": u.role,
            "created_at": _millis(u.created_at),
        }
        if u.last_seen_at is not None:
            doc["last_seen_at"] = _millis(u.last_seen_at)
        yield doc


def activity(plan: ProductDbPlan) -> Iterator[dict]:
    log = plan.activity
    for event_id, tenant_id, user_id, kind, at in zip(
        log.event_id, log.tenant_id, log.user_id, log.event_type, log.occurred_at, strict=True
    ):
        yield {
            "_id": event_object_id(at, event_id),
            "event_id": Int64(event_id),
            "tenant_id": tenant_id,
            "user_id": user_id,
            "event_type": kind,
            "occurred_at": _millis(at),
        }


def databases(plan: ProductDbPlan) -> dict[str, dict[str, list[dict]]]:
    """The product database as `MongoServer` serves it."""
    return {
        DATABASE: {
            "tenants": list(tenants(plan)),
            "users": list(users(plan)),
            # stored in insertion (time) order, as a capped or time-ordered collection is
            "user_activity_logs": sorted(activity(plan), key=lambda d: d["_id"].binary),
        }
    }
