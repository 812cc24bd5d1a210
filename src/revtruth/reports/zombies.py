"""Zombie accounts: paying companies with no active user in the zombie window."""

from __future__ import annotations

from typing import Any

ZOMBIE_COLUMNS = (
    "company_id",
    "company_name",
    "stripe_customer_id",
    "salesforce_account_id",
    "internal_tenant_id",
    "mrr_amount",
    "arr_amount",
    "last_activity_at",
    "crm_owner_name",
)


def read_zombies(connection: Any, limit: int | None = None) -> list[dict[str, Any]]:
    """Zombies, largest MRR first (ties by name, so the order is stable)."""
    query = f"""
        select {", ".join(ZOMBIE_COLUMNS)}
        from analytics.account_health
        where is_zombie
        order by mrr_amount desc, company_name, company_id
    """
    if limit is not None:
        query += f" limit {int(limit)}"
    cursor = connection.execute(query)
    return [dict(zip(ZOMBIE_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
