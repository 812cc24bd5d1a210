"""Invoices and their line items on the wire."""

from __future__ import annotations

from decimal import Decimal

from revtruth.simulate.company.plan import Invoice, InvoiceLine, Price
from revtruth.simulate.stripe.catalogue import render_plan, render_price
from revtruth.simulate.stripe.wire import (
    NESTED_LIST_LIMIT,
    BillingIndex,
    JsonObj,
    address,
    decimal_str,
    invoice_lines_url,
    list_object,
    nulls,
    ts,
)


def _unit_amount_decimal(line: InvoiceLine, price: Price | None) -> str:
    # A tiered price has no one unit amount: the line's average is what Stripe shows.
    if price is not None and not line.proration and not price.tiers_mode:
        return str(price.unit_amount)
    return decimal_str(Decimal(line.amount) / max(line.quantity, 1))


def render_line_item(
    line: InvoiceLine, invoice: Invoice, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    price = index.prices.get(line.price_id) if line.price_id else None
    sub_id = invoice.subscription_id
    if line.subscription_item_id is not None:
        parent: JsonObj = {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": line.proration,
                "proration_details": {"credited_items": None},
                "subscription": sub_id,
                "subscription_item": line.subscription_item_id,
            },
            "type": "subscription_item_details",
        }
    else:
        # A one-off line is an invoice item pulled into the invoice; its id is derived.
        parent = {
            "invoice_item_details": {
                "invoice_item": "ii_" + line.line_id.removeprefix("il_"),
                "proration": line.proration,
                "proration_details": {"credited_items": None},
                "subscription": sub_id,
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        }
    obj: JsonObj = {
        "amount": line.amount,
        "currency": line.currency,
        "description": line.description,
        "discount_amounts": [{"amount": a, "discount": d} for d, a in line.discount_amounts],
        "discountable": True,
        # Line-level discounts only: subscription and customer discounts reach a line through
        # `discount_amounts`, as on Stripe.
        "discounts": [],
        "id": line.line_id,
        "invoice": invoice.invoice_id,
        "livemode": False,
        "metadata": {},
        "object": "line_item",
        "period": {"end": ts(line.period_end), "start": ts(line.period_start)},
        "quantity": line.quantity,
        "subscription": sub_id,
        "pretax_credit_amounts": [
            {"amount": a, "credit_balance_transaction": None, "discount": d, "type": "discount"}
            for d, a in line.discount_amounts
        ],
        "taxes": [],
        "parent": parent,
        "pricing": (
            None
            if price is None
            else {
                "price_details": {"price": price.price_id, "product": price.product_id},
                "type": "price_details",
                "unit_amount_decimal": _unit_amount_decimal(line, price),
            }
        ),
        "subtotal": line.amount,
        "quantity_decimal": str(line.quantity),
    }
    if legacy_shapes:
        del obj["pricing"], obj["parent"]
        obj["price"] = None if price is None else render_price(price)
        obj["plan"] = None if price is None else render_plan(price)
        obj["proration"] = line.proration
        obj["subscription_item"] = line.subscription_item_id
        obj["type"] = "subscription" if line.subscription_item_id else "invoiceitem"
    return obj


def _discount_totals(invoice: Invoice) -> list[JsonObj]:
    totals: dict[str, int] = {}
    for line in invoice.lines:
        for discount_id, amount in line.discount_amounts:
            totals[discount_id] = totals.get(discount_id, 0) + amount
    return [{"amount": a, "discount": d} for d, a in totals.items()]


def _tax(invoice: Invoice) -> JsonObj:
    # The plan knows one tax amount per invoice: show it as one exclusive tax-rate charge.
    return {
        "amount": invoice.tax,
        "tax_behavior": "exclusive",
        "tax_rate_details": {"tax_rate": "txr_simulated"},
        "taxability_reason": "standard_rated",
        "taxable_amount": invoice.subtotal - invoice.total_discount,
        "type": "tax_rate_details",
    }


def render_invoice(
    invoice: Invoice, index: BillingIndex, *, legacy_shapes: bool = False
) -> JsonObj:
    customer = index.customers.get(invoice.customer_id)
    sub = index.subscriptions.get(invoice.subscription_id or "")
    lines = [
        render_line_item(line, invoice, index, legacy_shapes=legacy_shapes)
        for line in invoice.lines
    ]
    created = ts(invoice.created_at)
    assert created is not None
    draft = invoice.status == "draft"
    # Subscription invoices stay draft for about an hour before Stripe finalizes them.
    finalized = None if draft else created + 3600
    collection = sub.collection_method if sub else "charge_automatically"
    charged = collection == "charge_automatically" and not draft
    total, tax, paid = invoice.total, invoice.tax, invoice.amount_paid
    amount_due = max(total, 0)
    discount_totals = _discount_totals(invoice)
    return {
        "account_country": "US",
        "amount_due": amount_due,
        "amount_paid": paid,
        "amount_remaining": amount_due - paid,
        "amount_shipping": 0,
        "attempt_count": 1 if charged else 0,
        "attempted": charged,
        "auto_advance": draft or invoice.status == "open",
        "automatic_tax": {
            "enabled": False,
            **nulls("liability status disabled_reason provider"),
        },
        "billing_reason": invoice.billing_reason,
        "collection_method": collection,
        "created": created,
        "currency": invoice.currency,
        "customer": invoice.customer_id,
        "customer_address": address(customer.country) if customer else None,
        "customer_email": customer.email if customer else None,
        "customer_name": customer.name if customer else None,
        "customer_phone": customer.phone if customer else None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_tax_rates": [],
        "discounts": list(invoice.discount_ids),
        "due_date": created + 30 * 86400 if collection == "send_invoice" else None,
        "effective_at": finalized,
        "ending_balance": None if draft else 0,
        "id": invoice.invoice_id,
        "issuer": {"type": "self"},
        "lines": list_object(
            lines[:NESTED_LIST_LIMIT],
            invoice_lines_url(invoice.invoice_id),
            len(lines) > NESTED_LIST_LIMIT,
        ),
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": (
            created + 3 * 86400 if charged and invoice.status == "open" else None
        ),
        "number": None if draft else invoice.number,  # Stripe numbers at finalization
        "object": "invoice",
        "payment_settings": nulls("default_mandate payment_method_options payment_method_types"),
        "period_end": ts(invoice.period_end),
        "period_start": ts(invoice.period_start),
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "rendering": {
            "pdf": {"page_size": "auto"},
            **nulls("amount_tax_display template template_version"),
        },
        "starting_balance": 0,
        "status": invoice.status,
        "status_transitions": {
            "finalized_at": finalized,
            "marked_uncollectible_at": finalized if invoice.status == "uncollectible" else None,
            "paid_at": finalized if invoice.status == "paid" else None,
            "voided_at": finalized if invoice.status == "void" else None,
        },
        # Current versions moved the subscription to `parent.subscription_details`; the
        # top-level field only carries a value for accounts on old versions.
        "subscription": invoice.subscription_id if legacy_shapes else None,
        "subtotal": invoice.subtotal,
        "subtotal_excluding_tax": invoice.subtotal,
        "total": total,
        "total_discount_amounts": discount_totals,
        "total_excluding_tax": total - tax,
        "webhooks_delivered_at": created,
        "automatically_finalizes_at": created + 3600 if draft else None,
        "total_pretax_credit_amounts": [
            {**t, "credit_balance_transaction": None, "type": "discount"} for t in discount_totals
        ],
        "total_taxes": [_tax(invoice)] if tax else [],
        "amount_overpaid": 0,
        "parent": (
            None
            if invoice.subscription_id is None
            else {
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(sub.metadata) if sub else {},
                    "subscription": invoice.subscription_id,
                },
                "type": "subscription_details",
            }
        ),
        **nulls(
            "account_name account_tax_ids application custom_fields customer_shipping "
            "default_payment_method default_source description footer from_invoice "
            "hosted_invoice_url invoice_pdf last_finalization_error latest_revision "
            "on_behalf_of receipt_number shipping_cost shipping_details statement_descriptor "
            "test_clock customer_account"
        ),
    }
