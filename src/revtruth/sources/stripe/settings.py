"""Which Stripe objects revtruth reads, and how each one changes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    resource: str  # table name in raw_stripe
    service: str  # attribute of `StripeClient.v1`
    params: tuple[tuple[str, str], ...] = ()  # fixed list parameters
    expand: tuple[str, ...] = ()  # paths relative to each listed object
    nested_lists: tuple[str, ...] = ()  # list fields that may be cut at 10 entries (has_more)


# Mutable objects: read whole and merged on `id`.
MERGED_ENDPOINTS = (
    Endpoint("products", "products"),
    # Stripe sends a tiered price's tiers only when asked: they land in `prices__tiers`.
    Endpoint("prices", "prices", expand=("tiers",)),
    Endpoint("coupons", "coupons"),
    Endpoint("customers", "customers"),
    # status=all: without it Stripe silently leaves out canceled subscriptions, and churn
    # would vanish from history.
    Endpoint(
        "subscriptions",
        "subscriptions",
        params=(("status", "all"),),
        expand=("discounts",),
        nested_lists=("items",),
    ),
    Endpoint("invoices", "invoices", expand=("discounts",), nested_lists=("lines",)),
)

# Immutable: appended, read incrementally on `created`. Stripe keeps them 30 days.
EVENTS = Endpoint("events", "events")

PAGE_SIZE_MAX = 100

# Stripe sends percentages as JSON numbers; kept exact rather than as binary floats.
COLUMN_HINTS = {
    "coupons": {"percent_off": {"data_type": "decimal", "precision": 9, "scale": 4}},
}
