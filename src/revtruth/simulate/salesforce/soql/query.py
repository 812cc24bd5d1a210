"""A parsed SOQL query and how it selects records: comparisons as Salesforce makes them.

Values are compared in a normal form (`norm`): text case-folded, ids by their 15-character
form, numbers as floats, dates and datetimes parsed.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

Schema = Mapping[str, Mapping[str, str]]  # object -> field -> describe type
Record = Mapping[str, Any]

TEXT_TYPES = frozenset(
    {"id", "reference", "string", "email", "url", "picklist", "textarea", "phone", "combobox"}
)
NUMBER_TYPES = frozenset({"currency", "double", "percent", "int"})
# How Salesforce names the expected type in "value of filter criterion" errors.

Predicate = Callable[[Record], bool]


@dataclass(frozen=True)
class OrderItem:
    field: str
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class Query:
    sobject: str  # canonical API name, e.g. "Account"
    fields: tuple[str, ...]  # canonical field names in SELECT order; empty for COUNT()
    count_only: bool
    where: Predicate | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int
    field_types: Mapping[str, str]

    def matches(self, record: Record) -> bool:
        return self.where is None or self.where(record)

    def project(self, record: Record) -> dict[str, Any]:
        return {name: record.get(name) for name in self.fields}


@lru_cache(maxsize=1 << 16)
def parse_datetime(text: str) -> datetime:
    # Python 3.11 reads every offset form SOQL allows (Z, +00:00, +0000) and fractions.
    return datetime.fromisoformat(text)


def norm(field_type: str, value: Any) -> Any:
    """A record or literal value in the form comparisons and sorting use."""
    if value is None:
        return None
    if field_type == "datetime":
        return parse_datetime(value) if isinstance(value, str) else value
    if field_type == "date":
        return date.fromisoformat(value) if isinstance(value, str) else value
    if field_type in NUMBER_TYPES:
        return float(value)
    if field_type == "boolean":
        return bool(value)
    if field_type in ("id", "reference"):
        # The 18-character form only adds a case-safe checksum to the 15-character one.
        return value[:15]
    return str(value).casefold()


def comparison(field: str, ftype: str, op: str, value: Any) -> Predicate:
    if op == "=":
        return lambda r: norm(ftype, r.get(field)) == value
    if op in ("!=", "<>"):
        return lambda r: norm(ftype, r.get(field)) != value
    compare = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]

    def ordered(r: Record) -> bool:
        current = norm(ftype, r.get(field))
        return current is not None and value is not None and compare(current, value)

    return ordered


def like(field: str, regex: str) -> Predicate:
    pattern = re.compile(regex, re.IGNORECASE | re.DOTALL)

    def like(r: Record) -> bool:
        current = r.get(field)
        return current is not None and pattern.fullmatch(str(current)) is not None

    return like


def within(field: str, ftype: str, values: frozenset[Any], negate: bool) -> Predicate:
    return lambda r: (norm(ftype, r.get(field)) in values) != negate


def run_query(query: Query, records: Iterable[Record]) -> list[Record]:
    """The records `query` selects, filtered, ordered, offset and limited (not projected)."""
    rows = [r for r in records if query.matches(r)]
    # Stable sorts from the last key to the first give a multi-key order in which each key
    # keeps its own direction and null placement.
    for item in reversed(query.order_by):
        ftype = query.field_types[item.field]
        present = [r for r in rows if r.get(item.field) is not None]
        missing = [r for r in rows if r.get(item.field) is None]
        present.sort(
            key=lambda r, f=item.field, t=ftype: norm(t, r.get(f)), reverse=item.descending
        )
        rows = present + missing if item.nulls_last else missing + present
    rows = rows[query.offset :]
    if query.limit is not None:
        rows = rows[: query.limit]
    return rows
