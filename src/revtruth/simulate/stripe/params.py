"""Query parameters as Stripe reads them, and the filters a list endpoint applies with them.

Stripe form-encodes parameters (`expand[]=a`, `created[gte]=1`) and types every one: an
array where it expects one, a string elsewhere, and the `created` integer-or-range.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from revtruth.simulate.stripe.errors import ApiError
from revtruth.simulate.stripe.wire import JsonObj

_BRACKETED = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")
_ARRAY_PARAMS = frozenset({"expand", "ids", "lookup_keys", "types"})


def parse_query(query: str) -> dict[str, Any]:
    """Form-encoded params: `a[]=x`/`a[0]=x` make lists, `a[gte]=1` makes a dict."""
    out: dict[str, Any] = {}
    indexed: dict[str, list[tuple[int, int, str]]] = {}
    for position, (key, value) in enumerate(parse_qsl(query, keep_blank_values=True)):
        match = _BRACKETED.match(key)
        if match is None:
            out[key] = value
            continue
        name, sub = match.groups()
        if sub == "" or sub.isdigit():
            # `a[0]`, `a[1]` go by index, `a[]` by position in the query.
            indexed.setdefault(name, []).append((int(sub) if sub else position, position, value))
        elif isinstance(out.setdefault(name, {}), dict):
            out[name][sub] = value
    for name, entries in indexed.items():
        out[name] = [value for _, _, value in sorted(entries)]
    # Stripe types every parameter: arrays, the `created` int-or-hash, and strings.
    for name, value in out.items():
        if name in _ARRAY_PARAMS:
            if not isinstance(value, list):
                raise ApiError(400, f"Invalid array: {name}", param=name)
        elif isinstance(value, list) or (isinstance(value, dict) and name != "created"):
            raise ApiError(400, f"Invalid string: {name}", param=name)
    return out


def integer(text: str, param: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ApiError(400, f"Invalid integer: {text}", param=param) from None


# ---------------------------------------------------------------- list filters

Predicate = Callable[[JsonObj], bool]
Filter = Callable[[Any], Predicate]  # a parameter's value -> which objects it keeps

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "gt": int.__gt__,
    "gte": int.__ge__,
    "lt": int.__lt__,
    "lte": int.__le__,
}


def created(value: str | dict[str, str]) -> Predicate:
    if isinstance(value, str):
        exact = integer(value, "created")
        return lambda obj: obj["created"] == exact
    bounds = []
    for op, text in value.items():
        if op not in _COMPARE:
            raise ApiError(400, f"Received unknown parameter: created[{op}]", param="created")
        bounds.append((_COMPARE[op], integer(text, f"created[{op}]")))
    return lambda obj: all(compare(obj["created"], bound) for compare, bound in bounds)


def field_is(field: str) -> Filter:
    return lambda wanted: lambda obj: obj.get(field) == wanted


def field_in(field: str) -> Filter:
    def factory(wanted: list[str]) -> Predicate:
        allowed = set(wanted)
        return lambda obj: obj.get(field) in allowed

    return factory


def flag(field: str) -> Filter:
    def factory(text: str) -> Predicate:
        if text not in ("true", "false"):
            raise ApiError(400, f"Invalid boolean: {text}", param=field)
        return lambda obj: obj[field] is (text == "true")

    return factory


def status_filter(
    allowed: str, groups: Mapping[str, frozenset[str] | None] | None = None
) -> Filter:
    """`status=` over `allowed` values; `groups` adds names for several (None: every one)."""
    groups = groups or {}

    def factory(wanted: str) -> Predicate:
        if wanted not in allowed.split() and wanted not in groups:
            choices = ", ".join([*allowed.split(), *groups])
            raise ApiError(400, f"Invalid status: must be one of {choices}", param="status")
        statuses = groups.get(wanted, frozenset({wanted}))
        return lambda obj: statuses is None or obj["status"] in statuses

    return factory


def event_types(patterns: list[str]) -> Predicate:
    # Stripe takes `*` as a wildcard (`customer.*`).
    return lambda obj: any(fnmatch.fnmatchcase(obj["type"], p) for p in patterns)


def invoice_subscription(obj: JsonObj) -> str | None:
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return obj.get("subscription") or details.get("subscription")
