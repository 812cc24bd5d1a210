"""What a Stripe sync reads: everything (a full list), or only what changed since the last one.

Stripe writes an event for every change of every object and keeps them 30 days. A sync reads
the events that arrived since the last one and fetches again each object they name, so its
requests grow with the changes, not with the history. It lists everything instead when:
- nothing was read before;
- the events cursor is older than Stripe keeps events (changes in between are gone);
- the last full list is older than `full_relist_days`: a scheduled safety net for anything
  events cannot tell (an event Stripe never sent, an object changed by hand in the warehouse).

Deletions are marked, never dropped: a `*.deleted` event, an object Stripe no longer has
when fetched again, or an object a full list no longer shows gets a row in `deletions`
(object type, id, deletion time, how it was seen); its last known state stays in its table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import dlt

from revtruth.sources.stripe.helpers import list_pages, retrieve
from revtruth.sources.stripe.settings import EVENTS, MERGED_ENDPOINTS, PAGE_SIZE_MAX

# Stripe keeps an account's events for 30 days.
EVENT_RETENTION_DAYS = 30

# Events are read again from a little before the last one seen: Stripe lists an event a
# moment after its `created` second, so one written as the last sync read could be missed.
EVENT_LOOKBACK_SECONDS = 300

DELETIONS_TABLE = "deletions"

# The object an event carries (`data.object.object`) -> the table its changes land in.
_RESOURCE_OF = {
    "customer": "customers",
    "subscription": "subscriptions",
    "invoice": "invoices",
    "product": "products",
    "price": "prices",
    "plan": "prices",  # a plan is the legacy face of a price with the same id
    "coupon": "coupons",
}
_ENDPOINTS = {endpoint.resource: endpoint for endpoint in MERGED_ENDPOINTS}
_OBJECT_OF = {resource: resource.removesuffix("s") for resource in _ENDPOINTS}


@dataclass
class Plan:
    """What this sync reads, decided once from the source state and the new events."""

    full: bool
    reason: str
    events: list[dict[str, Any]]
    events_read_to: int | None  # the newest event's `created` (Stripe's clock)
    changed: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> id -> when
    deleted: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> id -> when
    started_at: float = 0.0
    recent_events: dict[str, int] = field(default_factory=dict)  # the newest: id -> created

    def summary(self) -> dict[str, Any]:
        return {
            "mode": "full" if self.full else "changes",
            "reason": self.reason,
            "events": len(self.events),
            "changed": sum(len(ids) for ids in self.changed.values()),
            "deleted": sum(len(ids) for ids in self.deleted.values()),
        }


class Reading:
    """Shared by the resources of one sync: the first one to start decides the plan."""

    def __init__(self, client: Any, page_size: int, full_relist_days: float) -> None:
        self.client, self.page_size = client, min(max(page_size, 1), PAGE_SIZE_MAX)
        self.full_relist_days = full_relist_days
        self._plan: Plan | None = None

    def plan(self) -> Plan:
        if self._plan is None:
            self._plan = self._decide(dlt.current.source_state())
        return self._plan

    def _decide(self, state: dict[str, Any]) -> Plan:
        now = time.time()
        cursor = events_cursor(state)
        last_full = state.get("last_full_list_at")
        full, reason = False, "changes since the last sync, from Stripe's events"
        if cursor is None:
            full, reason = True, "first sync: everything is listed"
        elif now - cursor > EVENT_RETENTION_DAYS * 86400:
            full, reason = (
                True,
                (
                    f"the last event read is {(now - cursor) / 86400:.0f} days old, older than the "
                    f"{EVENT_RETENTION_DAYS} days Stripe keeps events: everything is listed again"
                ),
            )
        elif last_full is None or now - float(last_full) >= self.full_relist_days * 86400:
            full, reason = (
                True,
                (
                    f"scheduled full list (every {self.full_relist_days:g} days): everything is "
                    "listed again to catch anything the events did not tell"
                ),
            )
        since = None if cursor is None else max(0, cursor - EVENT_LOOKBACK_SECONDS)
        params = {} if since is None else {"created": {"gte": since}}
        pages = list_pages(self.client, EVENTS, page_size=self.page_size, extra_params=params)
        # Events of the lookback window already read last time are skipped: not new.
        seen: dict[str, int] = dict(state.get("recent_events") or {})
        events = [event for page in pages for event in page if event.get("id") not in seen]
        created = [e["created"] for e in events if isinstance(e.get("created"), int)]
        plan = Plan(full, reason, events, max([*created, cursor or 0]) or None, started_at=now)
        newest = plan.events_read_to or 0
        seen.update((str(e.get("id")), e["created"]) for e in events if e.get("created") in created)
        plan.recent_events = {
            event_id: when
            for event_id, when in seen.items()
            if when >= newest - EVENT_LOOKBACK_SECONDS
        }
        _changes_named_by(events, plan)
        fetches = sum(len(ids) for ids in plan.changed.values())
        if not full and fetches > (listing := listing_cost(self.page_size)):
            plan.full = True
            plan.reason = (
                f"{fetches} changed objects would cost more requests than listing everything "
                f"again (about {listing})"
            )
        return plan


def events_cursor(state: dict[str, Any]) -> int | None:
    """The newest event's time read so far, or None. Versions before changes were read kept
    it as the events resource's incremental cursor."""
    if state.get("events_read_to") is not None:
        return int(state["events_read_to"])
    try:
        legacy = state["resources"]["events"]["incremental"]["created"]["last_value"]
    except (KeyError, TypeError):
        return None
    return int(legacy) if legacy else None


def _changes_named_by(events: list[dict[str, Any]], plan: Plan) -> None:
    """Fill `plan.changed` and `plan.deleted` from the events, oldest first so the latest
    time of each object wins."""
    for event in sorted(events, key=lambda e: (e.get("created") or 0, str(e.get("id")))):
        obj = ((event.get("data") or {}).get("object")) or {}
        kind, when = obj.get("object"), event.get("created") or 0
        if not isinstance(obj, dict):
            continue
        for resource, object_id in _touched(kind, obj):
            if str(event.get("type", "")).endswith(".deleted") and kind in (
                "customer",
                "product",
                "price",
                "plan",
                "coupon",
                "invoice",
            ):
                plan.deleted.setdefault(resource, {})[object_id] = when
                plan.changed.get(resource, {}).pop(object_id, None)
            elif object_id not in plan.deleted.get(resource, {}):
                plan.changed.setdefault(resource, {})[object_id] = when


def _touched(kind: Any, obj: dict[str, Any]) -> list[tuple[str, str]]:
    """The (table, id) pairs an event's object changes. A discount changes what holds it; an
    invoice item the invoice it is on."""
    if kind in _RESOURCE_OF and isinstance(obj.get("id"), str):
        return [(_RESOURCE_OF[kind], obj["id"])]
    if kind == "discount":
        holders = [("subscriptions", obj.get("subscription")), ("invoices", obj.get("invoice"))]
        if not obj.get("subscription") and not obj.get("invoice"):
            holders.append(("customers", obj.get("customer")))
        return [(table, _id_of(ref)) for table, ref in holders if _id_of(ref)]
    if kind == "invoiceitem" and _id_of(obj.get("invoice")):
        return [("invoices", _id_of(obj.get("invoice")))]
    return []


def _id_of(ref: Any) -> str | None:
    if isinstance(ref, dict):
        ref = ref.get("id")
    return ref if isinstance(ref, str) and ref else None


def deletion(resource: str, object_id: str, when: int, seen_by: str) -> Any:
    """A row of `deletions`, as its own table beside the object's."""
    row = {
        "object": _OBJECT_OF[resource],
        "id": object_id,
        "deleted_at": int(when),
        "seen_by": seen_by,
    }
    return dlt.mark.with_hints(
        row,
        dlt.mark.make_hints(
            table_name=DELETIONS_TABLE,
            primary_key=["object", "id"],
            write_disposition="merge",
        ),
        create_table_variant=True,
    )


def deleted_by_events(reading: Reading, resource: str) -> list[Any]:
    """Deletion rows for the objects of `resource` a `*.deleted` event named: Stripe's own
    time of the deletion."""
    return [
        deletion(resource, object_id, when, "event")
        for object_id, when in sorted(reading.plan().deleted.get(resource, {}).items())
    ]


def fetch_changed(reading: Reading, resource: str) -> tuple[list[dict[str, Any]], list[Any]]:
    """Each changed object of `resource` fetched again, and the deletion rows of those
    deleted (named by a `*.deleted` event, or gone when fetched)."""
    plan = reading.plan()
    endpoint = _ENDPOINTS[resource]
    deleted = deleted_by_events(reading, resource)
    fetched = []
    for object_id, when in sorted(plan.changed.get(resource, {}).items()):
        record = retrieve(reading.client, endpoint, object_id)
        if record is None:
            deleted.append(deletion(resource, object_id, when, "fetch"))
        else:
            fetched.append(record)
    return fetched, deleted


def listing_cost(page_size: int) -> int:
    """About how many requests a full list takes: a page per `page_size` objects the
    warehouse holds, at least one per object type."""
    counts = _counts_in_warehouse()
    return sum(max(1, -(-counts.get(resource, 0) // page_size)) for resource in _ENDPOINTS)


def _counts_in_warehouse() -> dict[str, int]:
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    counts: dict[str, int] = {}
    pipeline = dlt.current.pipeline()
    if pipeline.destination is None:  # the source iterated on its own, nothing loaded
        return counts
    with pipeline.sql_client() as client:
        for resource in _ENDPOINTS:
            table = client.make_qualified_table_name(resource)
            try:
                counts[resource] = client.execute_sql(f"select count(*) from {table}")[0][0]
            except DatabaseUndefinedRelation:
                counts[resource] = 0
    return counts


def ids_in_warehouse(resource: str) -> set[str]:
    """The ids the warehouse holds for `resource` that are not marked deleted: what a full
    list must show again. Empty when nothing was loaded yet."""
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    pipeline = dlt.current.pipeline()
    if pipeline.destination is None:  # the source iterated on its own, nothing loaded
        return set()
    try:
        with pipeline.sql_client() as client:
            table = client.make_qualified_table_name(resource)
            deletions = client.make_qualified_table_name(DELETIONS_TABLE)
            held = {row[0] for row in client.execute_sql(f"select id from {table}")}
            try:
                gone = {
                    row[0]
                    for row in client.execute_sql(
                        f"select id from {deletions} where object = %s", _OBJECT_OF[resource]
                    )
                }
            except DatabaseUndefinedRelation:
                gone = set()
    except DatabaseUndefinedRelation:
        return set()
    return held - gone
