"""The three customer counts and the gaps between billing, CRM and product, company by
company, as the reconciliation marts say (docs/metrics.md#reconciliation)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# The reasons a company is counted differently, in the marts' order, with their words.
COUNT_REASONS = {
    "billing_not_crm": "paying, but not a Customer account in the CRM",
    "crm_not_billing": "a Customer account in the CRM, but not paying",
    "paying_never_provisioned": "paying, but never provisioned in the product",
    "paying_not_active": "paying, but nobody active in the product",
    "active_not_paying": "active in the product, but not paying",
    "counted_twice_by_billing": "counted more than once by billing",
    "counted_twice_by_crm": "counted more than once by the CRM",
    "counted_twice_by_product": "counted more than once by the product",
}

SECTIONS = {
    "customer_count_discrepancies": (
        "company_id",
        "company_name",
        "billing_customers_counted",
        "crm_accounts_counted",
        "tenants_counted",
        "discrepancy_codes",
        "discrepancy_reason",
    ),
    "hallucinated_revenue": (
        "opportunity_id",
        "company_id",
        "company_name",
        "close_date",
        "deal_currency",
        "deal_amount_native",
        "deal_amount",
        "hallucination_reason",
    ),
    "unprovisioned_deals": (
        "opportunity_id",
        "company_id",
        "company_name",
        "close_date",
        "deal_amount",
        "mrr_amount",
        "last_activity_date",
        "unprovisioned_reason",
    ),
    "unbilled_usage": (
        "tenant_id",
        "tenant_name",
        "company_id",
        "company_name",
        "recent_active_users",
        "recent_logins",
        "last_activity_at",
        "unbilled_reason",
    ),
}

# Largest first, so the top of each list is where the money is.
_ORDER = {
    "customer_count_discrepancies": "company_name, company_id",
    "hallucinated_revenue": "deal_amount desc nulls last, opportunity_id",
    "unprovisioned_deals": "mrr_amount desc, opportunity_id",
    "unbilled_usage": "recent_logins desc, tenant_id",
}


@dataclass(frozen=True)
class Reconciliation:
    counts: dict[str, Any]  # the one row of analytics.active_customer_counts
    rows: dict[str, list[dict[str, Any]]]  # section → rows (at most `limit` each)
    totals: dict[str, dict[str, Any]]  # section → {"rows": n, amounts…, "by_reason": {…}}


def read_reconciliation(connection: Any, limit: int | None = None) -> Reconciliation:
    cursor = connection.execute("select * from analytics.active_customer_counts")
    names = [column[0] for column in cursor.description]
    counts = dict(zip(names, cursor.fetchall()[0], strict=True))
    rows, totals = {}, {}
    for section, columns in SECTIONS.items():
        query = f"select {', '.join(columns)} from analytics.{section} order by {_ORDER[section]}"
        if limit is not None:
            query += f" limit {int(limit)}"
        rows[section] = [
            dict(zip(columns, row, strict=True)) for row in connection.execute(query).fetchall()
        ]
        totals[section] = _totals(connection, section)
    return Reconciliation(counts, rows, totals)


def _totals(connection: Any, section: str) -> dict[str, Any]:
    reason = {
        "customer_count_discrepancies": None,
        "hallucinated_revenue": "hallucination_reason",
        "unprovisioned_deals": "unprovisioned_reason",
        "unbilled_usage": "unbilled_reason",
    }[section]
    total: dict[str, Any] = {
        "rows": connection.execute(f"select count(*) from analytics.{section}").fetchall()[0][0]
    }
    if reason:
        total["by_reason"] = dict(
            connection.execute(
                f"select {reason}, count(*) from analytics.{section} group by 1 order by 1"
            ).fetchall()
        )
    if section in ("hallucinated_revenue", "unprovisioned_deals"):
        claimed, unconverted = connection.execute(
            "select coalesce(sum(deal_amount), 0), count(*) - count(deal_amount) "
            f"from analytics.{section}"
        ).fetchall()[0]
        total["deal_amount"] = Decimal(claimed)
        total["deals_without_fx_rate"] = unconverted
    if section == "unprovisioned_deals":
        total["mrr_amount"] = Decimal(
            connection.execute(
                "select coalesce(sum(mrr_amount), 0) from (select distinct company_id, "
                "mrr_amount from analytics.unprovisioned_deals) as companies"
            ).fetchall()[0][0]
        )
    return total
