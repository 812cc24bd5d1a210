"""Which records are quarantined, and the reason each says: the field's path and its value."""

# ruff: noqa: E501 - one malformed record a line reads best

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from revtruth.sources.quarantine import reason_to_quarantine

SUBSCRIPTION = {
    "id": "sub_1",
    "object": "subscription",
    "created": 1_700_000_000,
    "status": "active",
    "currency": "usd",
    "items": {
        "object": "list",
        "data": [
            {"id": "si_1", "quantity": 3, "price": {"id": "price_1", "unit_amount": 4900}},
            {"id": "si_2", "quantity": 1, "price": {"id": "price_2", "unit_amount": None}},
        ],
    },
}
INVOICE = {
    "id": "in_1",
    "created": 1_700_000_000,
    "status": "paid",
    "total": 4900,
    "lines": {"data": [{"id": "il_1", "amount": 4900, "quantity": 1}]},
}

OPPORTUNITY = {
    "Id": "0065e00000AbCdEAAV",
    "Amount": Decimal("12000.00"),
    "CloseDate": "2026-03-31",
    "IsWon": True,
    "IsClosed": True,
    "IsDeleted": False,
}


def _with(record: dict, path: str, value: object) -> dict:
    """A copy of `record` with the value at a dotted path (list positions as numbers)
    replaced, or removed when `value` is ...."""
    changed = copy.deepcopy(record)
    *parents, last = path.split(".")
    node = changed
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[int(last) if isinstance(node, list) else last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return changed


def test_well_formed_records_pass():
    assert reason_to_quarantine(SUBSCRIPTION, "subscriptions") is None
    assert reason_to_quarantine(INVOICE, "invoices") is None
    assert reason_to_quarantine(OPPORTUNITY, "opportunity", "Id") is None


@pytest.mark.parametrize(
    ("resource", "record", "reason"),
    [
        ("subscriptions", _with(SUBSCRIPTION, "id", ...), "missing or non-string id: None"),
        ("subscriptions", _with(SUBSCRIPTION, "id", 42), "missing or non-string id: 42"),
        ("subscriptions", _with(SUBSCRIPTION, "created", "2024-01-01"), "'created' is not unix seconds: '2024-01-01'"),
        ("subscriptions", _with(SUBSCRIPTION, "status", "frozen"), "'status' is 'frozen', not one of active, canceled, incomplete, incomplete_expired, past_due, paused, trialing, unpaid"),
        ("subscriptions", _with(SUBSCRIPTION, "status", ...), "'status' is None, not one of"),
        ("subscriptions", _with(SUBSCRIPTION, "items.data.1.id", ...), "items.data[1].id is missing or not a string: None"),
        ("subscriptions", _with(SUBSCRIPTION, "items.data.0.price.unit_amount", "12.50"), "items.data[0].price.unit_amount is not an integer: '12.50'"),
        ("subscriptions", _with(SUBSCRIPTION, "items.data.0.quantity", 2.5), "items.data[0].quantity is not an integer: 2.5"),
        ("subscriptions", _with(SUBSCRIPTION, "items.data.1", "si_2"), "items.data[1] is not an object: 'si_2'"),
        ("subscriptions", _with(SUBSCRIPTION, "items.data", None), "items.data is not a list: None"),
        ("invoices", _with(INVOICE, "status", "refunded"), "'status' is 'refunded', not one of draft, open, paid, uncollectible, void"),
        ("invoices", _with(INVOICE, "total", "49.00"), "'total' is not an integer amount in minor units: '49.00'"),
        ("invoices", _with(INVOICE, "lines.data.0.amount", True), "lines.data[0].amount is not an integer: True"),
        ("invoices", _with(INVOICE, "lines.data.0.id", ""), "lines.data[0].id is missing or not a string: ''"),
        ("prices", {"id": "price_1", "unit_amount": 12.5}, "'unit_amount' is not an integer amount in minor units: 12.5"),
        ("coupons", {"id": "co_1", "amount_off": "5"}, "'amount_off' is not an integer amount in minor units: '5'"),
        ("customers", ["cus_1"], "not an object: list"),
        # absurd times: milliseconds for seconds, a negative one, the epoch itself
        ("subscriptions", _with(SUBSCRIPTION, "created", 1_700_000_000_000), "'created' is not a plausible time (2000 to 2100): 1700000000000"),
        ("subscriptions", _with(SUBSCRIPTION, "canceled_at", -86_400), "'canceled_at' is not a plausible time (2000 to 2100): -86400"),
        ("invoices", _with(INVOICE, "period_end", 0), "'period_end' is not a plausible time (2000 to 2100): 0"),
        # a nested list whose rest could not be read
        ("subscriptions", _with(SUBSCRIPTION, "items.has_more", True), "items is cut short: has_more is true after 2 entries"),
        ("invoices", _with(INVOICE, "lines.has_more", True), "lines is cut short: has_more is true after 1 entries"),
        # Salesforce
        ("opportunity", _with(OPPORTUNITY, "Id", ...), "missing or non-string Id: None"),
        ("opportunity", _with(OPPORTUNITY, "Amount", "12,50"), "'Amount' is not a number: '12,50'"),
        ("opportunity", _with(OPPORTUNITY, "CloseDate", "31/12/2024"), "'CloseDate' is not a date (YYYY-MM-DD): '31/12/2024'"),
        ("opportunity", _with(OPPORTUNITY, "CloseDate", "2924-12-31"), "'CloseDate' is not a plausible date (2000 to 2100): '2924-12-31'"),
        ("opportunity", _with(OPPORTUNITY, "IsWon", "true"), "'IsWon' is not true or false: 'true'"),
        ("account", {"Id": "001A", "IsDeleted": 1}, "'IsDeleted' is not true or false: 1"),
    ],
)  # fmt: skip
def test_a_malformed_record_is_quarantined_naming_the_field_and_its_value(resource, record, reason):
    id_field = "Id" if resource in ("opportunity", "account") else "id"
    found = reason_to_quarantine(record, resource, id_field)
    assert found is not None and found.startswith(reason), found
