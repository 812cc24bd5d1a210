"""Subscriptions and their items on the wire."""

from __future__ import annotations

from revtruth.simulate.company.plan import Subscription, SubscriptionItem
from revtruth.simulate.stripe.catalogue import render_plan, render_price
from revtruth.simulate.stripe.customers import render_discount
from revtruth.simulate.stripe.wire import (
    NESTED_LIST_LIMIT,
    BillingIndex,
    JsonObj,
    list_object,
    nulls,
    subscription_items_url,
    ts,
)


def render_subscription_item(
    item: SubscriptionItem, sub: Subscription, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    price = index.prices[item.price_id]
    obj: JsonObj = {
        "created": ts(item.created_at),
        # Item-level discounts only; subscription-level ones live on the subscription.
        "discounts": [],
        "id": item.item_id,
        "metadata": {},
        "object": "subscription_item",
        "price": render_price(price),
        "quantity": item.quantity,
        "subscription": sub.subscription_id,
        "tax_rates": [],
        "plan": render_plan(price),
        "current_period_end": ts(sub.current_period_end),
        "current_period_start": ts(sub.current_period_start),
        "billing_thresholds": None,
    }
    if price.usage_type == "metered":
        # Usage is reported, not committed: Stripe sends no `quantity` for a metered item.
        del obj["quantity"]
    if legacy_shapes:
        del obj["price"], obj["current_period_end"], obj["current_period_start"]
    return obj


def render_subscription(
    sub: Subscription, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    items = [
        render_subscription_item(i, sub, index, legacy_shapes=legacy_shapes) for i in sub.items
    ]
    canceled = sub.canceled_at is not None or sub.cancel_at is not None
    obj: JsonObj = {
        "automatic_tax": {"enabled": False, "liability": None, "disabled_reason": None},
        # Cycles are anchored where billing began: the trial end, else the start date.
        "billing_cycle_anchor": ts(sub.trial_end or sub.start_date),
        "cancel_at": ts(sub.cancel_at),
        "canceled_at": ts(sub.canceled_at),
        "cancellation_details": {
            "comment": None,
            "feedback": None,
            "reason": "cancellation_requested" if canceled else None,
        },
        "collection_method": sub.collection_method,
        "created": ts(sub.created_at),
        "currency": sub.currency,
        "customer": sub.customer_id,
        "days_until_due": 30 if sub.collection_method == "send_invoice" else None,
        "default_tax_rates": [],
        "discounts": [d.discount_id for d in sub.discounts],
        "ended_at": ts(sub.ended_at),
        "id": sub.subscription_id,
        "invoice_settings": {
            "issuer": {"type": "self"},
            **nulls("account_tax_ids custom_fields description footer"),
        },
        "items": list_object(
            items[:NESTED_LIST_LIMIT],
            subscription_items_url(sub.subscription_id),
            len(items) > NESTED_LIST_LIMIT,
        ),
        "latest_invoice": sub.latest_invoice_id,
        "livemode": False,
        "metadata": dict(sub.metadata),
        "object": "subscription",
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "start_date": ts(sub.start_date),
        "status": sub.status,
        "trial_end": ts(sub.trial_end),
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": ts(sub.trial_start),
        "cancel_at_period_end": sub.cancel_at_period_end,
        "billing_mode": {"type": "classic", "flexible": None},
        "billing_schedules": [],
        **nulls(
            "application application_fee_percent billing_cycle_anchor_config "
            "default_payment_method default_source description "
            "next_pending_invoice_item_invoice on_behalf_of pause_collection "
            "pending_invoice_item_interval pending_setup_intent pending_update schedule "
            "test_clock transfer_data billing_thresholds customer_account managed_payments"
        ),
    }
    if legacy_shapes:
        del obj["discounts"]
        obj["discount"] = (
            render_discount(sub.discounts[0], index, legacy_shapes=True) if sub.discounts else None
        )
        obj["current_period_start"] = ts(sub.current_period_start)
        obj["current_period_end"] = ts(sub.current_period_end)
    return obj
