"""Which records are quarantined, and the reason each says: the field's path and its value."""

# ruff: noqa: E501 - one malformed record a line reads best

from __future__ import annotations

import copy

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
    ],
)  # fmt: skip
def test_a_malformed_record_is_quarantined_naming_the_field_and_its_value(resource, record, reason):
    found = reason_to_quarantine(record, resource)
    assert found is not None and found.startswith(reason), found
