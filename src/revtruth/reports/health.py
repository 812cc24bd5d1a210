"""Account health: the paying companies most at risk, with what drags each one down."""

from __future__ import annotations

from typing import Any

# The components of health_score, as account_health names them (docs/metrics.md#health-score).
COMPONENTS = (
    "activity_trend",
    "seat_utilisation",
    "breadth",
    "payment",
    "contraction",
    "renewal",
    "time_to_value",
)

HEALTH_COLUMNS = (
    "company_id",
    "company_name",
    "mrr_amount",
    "health_band",
    "health_score",
    "is_zombie",
    "account_health_score",
    *(f"{component}_score" for component in COMPONENTS),
    "days_to_first_activity",
    "is_identity_uncertain",
    "crm_owner_name",
)

# A component below this is named as dragging the score down.
DRAGS_BELOW = 70

BANDS = ("red", "amber", "green")


def drags(row: dict[str, Any]) -> list[tuple[str, int]]:
    """The components under `DRAGS_BELOW`, lowest first: what pulls this account down."""
    found = [
        (component, row[f"{component}_score"])
        for component in COMPONENTS
        if row[f"{component}_score"] is not None and row[f"{component}_score"] < DRAGS_BELOW
    ]
    return sorted(found, key=lambda item: (item[1], COMPONENTS.index(item[0])))


def read_health(
    connection: Any, limit: int | None = None, band: str | None = None
) -> list[dict[str, Any]]:
    """Paying companies worst first: red before amber before green, zombies first within
    red, then lowest score, then largest MRR (ties by name, so the order is stable)."""
    where = ""
    parameters: list[Any] = []
    if band is not None:
        where = "where health_band = ?"
        parameters.append(band)
    query = f"""
        select {", ".join(HEALTH_COLUMNS)}
        from analytics.account_health
        {where}
        order by
            case health_band when 'red' then 0 when 'amber' then 1 else 2 end,
            is_zombie desc,
            health_score nulls first,
            mrr_amount desc,
            company_name,
            company_id
    """
    if limit is not None:
        query += f" limit {int(limit)}"
    cursor = connection.execute(query, parameters)
    return [dict(zip(HEALTH_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def count_bands(connection: Any) -> dict[str, int]:
    """How many paying companies are in each band."""
    found = dict(
        connection.execute(
            "select health_band, count(*) from analytics.account_health group by health_band"
        ).fetchall()
    )
    return {band: found.get(band, 0) for band in BANDS}
