"""The three answers to "how many active customers?", and MRR/ARR, from the marts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Overview:
    billing_active_customers: int
    crm_active_customers: int
    product_active_customers: int
    billing_rule: str
    crm_rule: str
    product_rule: str
    paying_companies: int
    zombie_companies: int
    mrr: Decimal
    arr: Decimal
    zombie_mrr: Decimal
    reporting_currency: str


def read_overview(connection: Any, reporting_currency: str = "usd") -> Overview:
    counts = connection.execute(
        """
        select billing_active_customers, crm_active_customers, product_active_customers,
               billing_rule, crm_rule, product_rule, paying_companies, zombie_companies
        from analytics.active_customer_counts
        """
    ).fetchone()
    mrr, arr, zombie_mrr = connection.execute(
        """
        select coalesce(sum(mrr_amount), 0), coalesce(sum(arr_amount), 0),
               coalesce(sum(case when is_zombie then mrr_amount end), 0)
        from analytics.account_health
        """
    ).fetchone()
    return Overview(
        *counts,
        mrr=Decimal(mrr),
        arr=Decimal(arr),
        zombie_mrr=Decimal(zombie_mrr),
        reporting_currency=reporting_currency,
    )
