"""`expand[]`: which fields of which Stripe object can be expanded, and expanding them.

A request may expand up to four levels (`data.items.data.price`); what cannot be expanded is
refused as Stripe refuses it, and the served objects are never changed in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from revtruth.simulate.stripe.errors import ApiError
from revtruth.simulate.stripe.wire import JsonObj

# `type: field=kind:target …`. Kinds: ref (an id, replaced by the object), refs (a list of
# ids), obj / objs (embedded object(s) to walk into), list (a list object: walk `data`),
# incl (a field Stripe only sends when expanded, looked up by the object's id in `target`).
# A bare field is expandable on Stripe but always null here.
_EXPAND_SPEC = """
customer: discount=obj:discount invoice_settings=obj:customer_settings default_source test_clock
customer_settings: default_payment_method
discount: customer=ref:customer source=obj:discount_source promotion_code
discount_source: coupon=ref:coupon
product: default_price=ref:price tax_code
price: product=ref:product tiers=incl:tiers
plan: product=ref:product tiers=incl:tiers
subscription: customer=ref:customer latest_invoice=ref:invoice discounts=refs:discount
  items=list:subscription_item application default_payment_method default_source on_behalf_of
  pending_setup_intent schedule test_clock
subscription_item: price=obj:price plan=obj:plan discounts=refs:discount
invoice: customer=ref:customer discounts=refs:discount lines=list:line_item
  total_discount_amounts=objs:discount_amount parent=obj:invoice_parent application
  default_payment_method default_source latest_revision on_behalf_of test_clock
invoice_parent: subscription_details=obj:subscription_details
subscription_details: subscription=ref:subscription
line_item: discounts=refs:discount subscription=ref:subscription pricing=obj:line_pricing
  discount_amounts=objs:discount_amount pretax_credit_amounts=objs:discount_amount
line_pricing: price_details=obj:price_details
price_details: price=ref:price
discount_amount: discount=ref:discount
"""
# Old API versions: the coupon inside the discount, one `discount` per subscription, no
# `price` on items, `price`/`plan` on lines, and `invoice.subscription`. `-field` removes.
_LEGACY_EXPAND_SPEC = """
discount: coupon=obj:coupon -source
subscription: discount=obj:discount -discounts
subscription_item: -price
line_item: price=obj:price plan=obj:plan -pricing
invoice: subscription=ref:subscription
"""
Schema = dict[str, dict[str, tuple[str, str | None]]]


def _parse_expand_spec(spec: str, schema: Schema) -> Schema:
    for line in re.sub(r"\n\s+", " ", spec).strip().splitlines():
        obj_type, _, fields = line.partition(":")
        entry = schema.setdefault(obj_type, {})
        for token in fields.split():
            name, _, kind_target = token.partition("=")
            kind, _, target = kind_target.partition(":")
            if name.startswith("-"):
                entry.pop(name[1:])
            else:
                entry[name] = (kind or "ref", target or None)
    return schema


def expand_schema(legacy: bool) -> Schema:
    schema = _parse_expand_spec(_EXPAND_SPEC, {})
    return _parse_expand_spec(_LEGACY_EXPAND_SPEC, schema) if legacy else schema


def _cannot_expand(segment: str, hint: str = "") -> ApiError:
    return ApiError(400, f"This property cannot be expanded ({segment}).{hint}", param="expand")


def _check_expand_path(schema: Schema, obj_type: str | None, segments: list[str]) -> None:
    i = 0
    while i < len(segments):
        segment, last = segments[i], i == len(segments) - 1
        if segment not in schema.get(obj_type or "", {}):
            raise _cannot_expand(segment)
        kind, obj_type = schema[obj_type or ""][segment]
        if kind == "list":  # must go on through the list's `data` to something expandable
            if i + 2 >= len(segments) or segments[i + 1] != "data":
                raise _cannot_expand(segment)
            i += 1
        elif (kind in ("obj", "objs") and last) or (obj_type is None and not last):
            raise _cannot_expand(segment)  # always included / always null: nothing below
        i += 1


class Expander:
    """Applies `expand[]` to served objects: replaces ids by the objects they name (from
    `store`, by type) and adds fields sent only on request (from `included`, by name)."""

    def __init__(
        self,
        legacy: bool,
        store: Mapping[str, Mapping[str, JsonObj]],
        included: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self._schema = expand_schema(legacy)
        self._store, self._included = store, included

    def paths(self, params: Mapping[str, Any], obj_type: str, *, in_list: bool) -> list:
        """A request's `expand[]` paths as lists of segments, each checked (in a list, each
        path starts with `data.`, which is dropped)."""
        paths: list[list[str]] = []
        for path in dict.fromkeys(params.get("expand", [])):
            segments = path.split(".")
            if len(segments) > 4:
                raise ApiError(
                    400,
                    f"You cannot expand more than 4 levels of a property. Property: {path}",
                    param="expand",
                )
            if in_list:
                if segments[0] != "data" or len(segments) == 1:
                    hint = f" You may want to try expanding 'data.{path}' instead."
                    raise _cannot_expand(path, hint)
                segments = segments[1:]
            _check_expand_path(self._schema, obj_type, segments)
            paths.append(segments)
        return paths

    def expand(self, obj: JsonObj, obj_type: str, paths: list[list[str]]) -> JsonObj:
        for segments in paths:
            obj = self._one(obj, obj_type, segments)
        return obj

    def _one(self, obj: Any, obj_type: str, segments: list[str]) -> Any:
        # Copy on the way down only: the rendered objects are shared by every request.
        if not isinstance(obj, dict) or not segments:
            return obj
        segment, rest = segments[0], segments[1:]
        kind, target = self._schema[obj_type][segment]
        if kind == "incl":  # absent until asked for; absent too where it does not apply
            found = self._included[target or ""].get(obj.get("id", ""))
            return obj if found is None else {**obj, segment: found}
        if obj.get(segment) is None:
            return obj
        value, sub_type = obj[segment], target or ""

        def resolve(ref: Any) -> Any:  # an id, or an object an earlier path expanded
            found = self._store[sub_type].get(ref, ref) if isinstance(ref, str) else ref
            return self._one(found, sub_type, rest)

        if kind == "list":
            rows = [self._one(row, sub_type, rest[1:]) for row in value["data"]]
            value = {**value, "data": rows}
        elif kind == "obj":
            value = self._one(value, sub_type, rest)
        elif kind == "objs":
            value = [self._one(row, sub_type, rest) for row in value]
        elif kind == "ref":
            value = resolve(value) if target else value
        else:
            value = [resolve(ref) for ref in value]
        return {**obj, segment: value}
