"""Malformed records go to a quarantine table with the reason; the rest of the sync goes on.

Each raw schema gets a `_revtruth_quarantine` table (one row per rejected record: source,
resource, record id if any, reason, the record as JSON), so nothing is silently lost and a
fixed record can be re-read on the next sync.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import dlt

QUARANTINE_TABLE = "_revtruth_quarantine"

Check = Callable[[dict[str, Any]], str | None]


def _has_string_id(id_field: str) -> Check:
    def check(record: dict[str, Any]) -> str | None:
        record_id = record.get(id_field)
        if not isinstance(record_id, str) or not record_id:
            return f"missing or non-string {id_field}: {record_id!r}"
        return None

    return check


def _created_is_unix_seconds(record: dict[str, Any]) -> str | None:
    created = record.get("created", 0)
    if created is not None and (isinstance(created, bool) or not isinstance(created, int)):
        return f"'created' is not unix seconds: {created!r}"
    return None


def _amounts_are_integers(*fields: str) -> Check:
    def check(record: dict[str, Any]) -> str | None:
        for name in fields:
            value = record.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                return f"{name!r} is not an integer amount in minor units: {value!r}"
        return None

    return check


RESOURCE_CHECKS: dict[str, tuple[Check, ...]] = {
    "prices": (_amounts_are_integers("unit_amount"),),
    "coupons": (_amounts_are_integers("amount_off"),),
    "invoices": (_amounts_are_integers("total", "subtotal", "amount_paid", "amount_due"),),
}


def reason_to_quarantine(record: Any, resource: str, id_field: str = "id") -> str | None:
    if not isinstance(record, dict):
        return f"not an object: {type(record).__name__}"
    checks = (
        _has_string_id(id_field),
        _created_is_unix_seconds,
        *RESOURCE_CHECKS.get(resource, ()),
    )
    for check in checks:
        reason = check(record)
        if reason:
            return reason
    return None


def split_valid(
    records: Iterable[Any], resource: str, source: str, id_field: str = "id"
) -> Iterator[Any]:
    """Yield the page's valid records as they are, and its bad ones marked for quarantine."""
    valid, rejected = [], []
    for record in records:
        reason = reason_to_quarantine(record, resource, id_field)
        if reason is None:
            valid.append(record)
        else:
            rejected.append(quarantine_row(source, resource, record, reason, id_field))
    if valid:
        yield valid
    if rejected:
        # A table variant with its own hints: the resource merges on `id`, which a rejected
        # record may not even have; the quarantine only ever appends.
        hints = dlt.mark.make_hints(
            table_name=QUARANTINE_TABLE, write_disposition="append", primary_key=[]
        )
        yield dlt.mark.with_hints(rejected, hints, create_table_variant=True)


def quarantine_row(
    source: str, resource: str, record: Any, reason: str, id_field: str = "id"
) -> dict[str, Any]:
    record_id = record.get(id_field) if isinstance(record, dict) else None
    return {
        "source": source,
        "resource": resource,
        "record_id": str(record_id) if record_id is not None else None,
        "reason": reason,
        "record_json": json.dumps(record, default=str, sort_keys=True),
        "quarantined_at": datetime.now(UTC),
    }
