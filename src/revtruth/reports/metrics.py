"""The MRR bridge and retention figures, and one customer's MRR history, from the marts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

BRIDGE_COLUMNS = (
    "starting_mrr_amount",
    "new_mrr_amount",
    "expansion_mrr_amount",
    "contraction_mrr_amount",
    "churned_mrr_amount",
    "reactivation_mrr_amount",
    "fx_amount",
    "mrr_amount",
)


@dataclass(frozen=True)
class BridgeRow:
    month: date
    starting_mrr_amount: Decimal
    new_mrr_amount: Decimal
    expansion_mrr_amount: Decimal
    contraction_mrr_amount: Decimal
    churned_mrr_amount: Decimal
    reactivation_mrr_amount: Decimal
    fx_amount: Decimal
    mrr_amount: Decimal
    arr_amount: Decimal
    customers: int
    arpa_amount: Decimal | None
    nrr_12m: Decimal | None
    grr_12m: Decimal | None
    logo_churn_rate: Decimal | None
    gross_mrr_churn_rate: Decimal | None
    net_mrr_churn_rate: Decimal | None

    @property
    def adds_up(self) -> bool:
        moved = (
            self.new_mrr_amount
            + self.expansion_mrr_amount
            + self.contraction_mrr_amount
            + self.churned_mrr_amount
            + self.reactivation_mrr_amount
            + self.fx_amount
        )
        return abs(self.starting_mrr_amount + moved - self.mrr_amount) < Decimal("0.000001")


def read_bridge(connection: Any, months: int = 12) -> list[BridgeRow]:
    """The last `months` months, oldest first."""
    fields = list(BridgeRow.__dataclass_fields__)
    rows = connection.execute(
        f"""
        select {", ".join(fields)}
        from (select * from analytics.saas_metrics_monthly order by month desc limit {int(months)})
        order by month
        """
    ).fetchall()
    return [BridgeRow(*(_decimal(v) if isinstance(v, float) else v for v in row)) for row in rows]


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


def read_customer_history(connection: Any, customer_id: str) -> list[dict[str, Any]]:
    """Each month's MRR of one Stripe customer with the movement and the records behind it."""
    cursor = connection.execute(
        """
        select
            history.month,
            history.mrr_amount,
            history.currency,
            history.mrr_amount_native,
            movements.movement_type,
            movements.movement_amount,
            movements.explained_by
        from analytics.mrr_by_customer_month as history
        left join analytics.mrr_movements as movements
            on movements.customer_id = history.customer_id and movements.month = history.month
        where history.customer_id = ?
        order by history.month
        """,
        [customer_id],
    )
    names = (
        "month",
        "mrr_amount",
        "currency",
        "mrr_amount_native",
        "movement_type",
        "movement_amount",
        "explained_by",
    )
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_customer_events(connection: Any, customer_id: str) -> list[dict[str, Any]]:
    """The Stripe events about one customer that revtruth has synced, oldest first."""
    cursor = connection.execute(
        """
        select created_at, event_type, object_id
        from stripe.events
        where customer_id = ?
        order by created_at, event_id
        """,
        [customer_id],
    )
    return [
        dict(zip(("created_at", "event_type", "object_id"), row, strict=True))
        for row in cursor.fetchall()
    ]
