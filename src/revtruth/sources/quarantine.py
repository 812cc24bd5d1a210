"""Malformed records go to a quarantine table with the reason; the rest of the sync goes on.

Each raw schema gets a `_revtruth_quarantine` table (one row per rejected record: source,
resource, record id if any, reason, the record as JSON), so nothing is silently lost and a
fixed record can be re-read on the next sync.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
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


# A time outside these bounds is a broken record, not a business event: Stripe began in
# 2011 and no subscription of today ends after 2100. Unix seconds.
PLAUSIBLE_FROM, PLAUSIBLE_UNTIL = 946_684_800, 4_102_444_800  # 2000-01-01, 2100-01-01 UTC


def _plausible_times(*fields: str) -> Check:
    """Times (unix seconds) that are integers within PLAUSIBLE_FROM..PLAUSIBLE_UNTIL: a
    millisecond value (×1000), a zero or a negative one would date a churn in 1970 or in
    the year 55000, and every month between would count it."""

    def check(record: dict[str, Any]) -> str | None:
        for name in fields:
            value = record.get(name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{name!r} is not unix seconds: {value!r}"
            if not PLAUSIBLE_FROM <= value < PLAUSIBLE_UNTIL:
                return f"{name!r} is not a plausible time (2000 to 2100): {value!r}"
        return None

    return check


def _plausible_date(field: str) -> Check:
    """An ISO date (YYYY-MM-DD) between 2000 and 2100, as Salesforce sends date fields."""

    def check(record: dict[str, Any]) -> str | None:
        value = record.get(field)
        if value is None:
            return None
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            return f"{field!r} is not a date (YYYY-MM-DD): {value!r}"
        if not 2000 <= day.year < 2100:
            return f"{field!r} is not a plausible date (2000 to 2100): {value!r}"
        return None

    return check


def _decimal_amounts(*fields: str) -> Check:
    """Amounts as numbers (Salesforce currency fields, parsed as Decimal), never as text."""

    def check(record: dict[str, Any]) -> str | None:
        for name in fields:
            value = record.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | Decimal)
            ):
                return f"{name!r} is not a number: {value!r}"
        return None

    return check


def _booleans(*fields: str) -> Check:
    def check(record: dict[str, Any]) -> str | None:
        for name in fields:
            value = record.get(name)
            if value is not None and not isinstance(value, bool):
                return f"{name!r} is not true or false: {value!r}"
        return None

    return check


def _amounts_are_integers(*fields: str) -> Check:
    def check(record: dict[str, Any]) -> str | None:
        for name in fields:
            value = record.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                return f"{name!r} is not an integer amount in minor units: {value!r}"
        return None

    return check


def _one_of(field: str, allowed: frozenset[str]) -> Check:
    """An enumeration's value is one revtruth knows. An unknown one (a status Stripe added,
    a typo of another server) is quarantined, not guessed at: the marts count on each
    status's meaning (MRR counts `active` and `past_due`, churn `canceled`, …)."""

    def check(record: dict[str, Any]) -> str | None:
        value = record.get(field)
        if value not in allowed:
            return f"{field!r} is {value!r}, not one of {', '.join(sorted(allowed))}"
        return None

    return check


def _each_nested(list_field: str, *checks: Callable[[dict[str, Any], str], str | None]) -> Check:
    """Every element of a nested list (`items.data`, `lines.data`) passes `checks`, each
    given the element and its path ("items.data[2]") to name in the reason. A list that
    still says `has_more` was cut short (its rest could not be read): its record would load
    with items missing, and MRR or an invoice total with them."""

    def check(record: dict[str, Any]) -> str | None:
        nested = record.get(list_field)
        if nested is None:
            return None
        elements = nested.get("data") if isinstance(nested, dict) else None
        if not isinstance(elements, list):
            return f"{list_field}.data is not a list: {elements!r}"
        if nested.get("has_more"):
            return (
                f"{list_field} is cut short: has_more is true after {len(elements)} entries "
                "and the rest could not be read"
            )
        for position, element in enumerate(elements):
            path = f"{list_field}.data[{position}]"
            if not isinstance(element, dict):
                return f"{path} is not an object: {element!r}"
            for element_check in checks:
                reason = element_check(element, path)
                if reason:
                    return reason
        return None

    return check


def _nested_id(element: dict[str, Any], path: str) -> str | None:
    value = element.get("id")
    if not isinstance(value, str) or not value:
        return f"{path}.id is missing or not a string: {value!r}"
    return None


def _nested_integers(*fields: str) -> Callable[[dict[str, Any], str], str | None]:
    """Integer amounts or counts at dotted `fields` of the element ("price.unit_amount")."""

    def check(element: dict[str, Any], path: str) -> str | None:
        for dotted in fields:
            value: Any = element
            for part in dotted.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                return f"{path}.{dotted} is not an integer: {value!r}"
        return None

    return check


SUBSCRIPTION_STATUSES = frozenset(
    [
        "active",
        "canceled",
        "incomplete",
        "incomplete_expired",
        "past_due",
        "paused",
        "trialing",
        "unpaid",
    ]
)
INVOICE_STATUSES = frozenset(["draft", "open", "paid", "uncollectible", "void"])

RESOURCE_CHECKS: dict[str, tuple[Check, ...]] = {
    # Stripe (unix seconds; `created` is checked on every record)
    "prices": (_amounts_are_integers("unit_amount"),),
    "coupons": (_amounts_are_integers("amount_off"),),
    "subscriptions": (
        _one_of("status", SUBSCRIPTION_STATUSES),
        _plausible_times(
            "start_date", "canceled_at", "cancel_at", "ended_at", "trial_start", "trial_end"
        ),
        _each_nested(
            "items",
            _nested_id,
            _nested_integers("quantity", "price.unit_amount", "plan.amount"),
        ),
    ),
    "invoices": (
        _amounts_are_integers("total", "subtotal", "amount_paid", "amount_due"),
        _one_of("status", INVOICE_STATUSES),
        _each_nested("lines", _nested_id, _nested_integers("amount", "quantity")),
        _plausible_times("period_start", "period_end"),
    ),
    # Salesforce (resource names are the sObjects', lower case)
    "opportunity": (
        _decimal_amounts("Amount"),
        _plausible_date("CloseDate"),
        _booleans("IsWon", "IsClosed", "IsDeleted"),
    ),
    "account": (_booleans("IsDeleted"),),
    "contact": (_booleans("IsDeleted"),),
}


def reason_to_quarantine(record: Any, resource: str, id_field: str = "id") -> str | None:
    if not isinstance(record, dict):
        return f"not an object: {type(record).__name__}"
    checks = (
        _has_string_id(id_field),
        _plausible_times("created"),
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
