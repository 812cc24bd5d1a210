"""Who is who, as the mapping marts say: a record's company and why, the review queue, and
counts by system and tier (docs/metrics.md#identity)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RECORD_COLUMNS = (
    "company_id",
    "source",
    "source_id",
    "display_name",
    "domain",
    "tier",
    "match_probability",
    "evidence",
)
LINK_COLUMNS = ("left_key", "right_key", "tier", "match_probability", "evidence")
REVIEW_COLUMNS = (
    "review_rank",
    "left_key",
    "left_name",
    "left_company_id",
    "right_key",
    "right_name",
    "right_company_id",
    "match_probability",
    "evidence",
)


@dataclass
class CompanyIdentity:
    """One company: its records, the links that hold it together, the pairs still open."""

    company_id: str
    records: list[dict[str, Any]]
    links: list[dict[str, Any]]
    open_pairs: list[dict[str, Any]] = field(default_factory=list)


def _rows(connection: Any, query: str, columns: tuple[str, ...], *params: Any) -> list[dict]:
    cursor = connection.execute(query, list(params))
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def find_companies(connection: Any, identifier: str) -> list[str]:
    """The companies `identifier` names: a company id (co_…), a record as
    "<source>:<id>", or a bare id of any system (cus_…, an account id, a tenant id)."""
    rows = connection.execute(
        """
        select distinct company_id
        from mapping.identity_links
        where company_id = $1 or source || ':' || source_id = $1 or source_id = $1
        order by company_id
        """,
        [identifier.strip()],
    ).fetchall()
    return [row[0] for row in rows]


def read_company_identity(connection: Any, company_id: str) -> CompanyIdentity:
    records = _rows(
        connection,
        f"""
        select {", ".join(RECORD_COLUMNS)}
        from mapping.identity_links
        where company_id = $1
        order by source, source_id
        """,
        RECORD_COLUMNS,
        company_id,
    )
    links = _rows(
        connection,
        f"""
        select {", ".join(LINK_COLUMNS)}
        from mapping.identity_evidence
        where company_id = $1
        order by case tier when 'override' then 0 when 'stored_id' then 1
                           when 'domain' then 2 else 3 end,
                 match_probability desc, left_key, right_key
        """,
        LINK_COLUMNS,
        company_id,
    )
    open_pairs = _rows(
        connection,
        f"""
        select {", ".join(REVIEW_COLUMNS)}
        from mapping.review_queue
        where left_company_id = $1 or right_company_id = $1
        order by review_rank
        """,
        REVIEW_COLUMNS,
        company_id,
    )
    return CompanyIdentity(company_id, records, links, open_pairs)


def read_review_queue(connection: Any, limit: int | None = None) -> list[dict[str, Any]]:
    """The pairs waiting for a person, most likely first."""
    query = f"select {', '.join(REVIEW_COLUMNS)} from mapping.review_queue order by review_rank"
    if limit is not None:
        query += f" limit {int(limit)}"
    return _rows(connection, query, REVIEW_COLUMNS)


@dataclass(frozen=True)
class IdentityStats:
    records_by_source: dict[str, int]
    records_by_tier: dict[str, int]  # the strongest tier that placed each record; "alone"
    companies: int
    companies_by_systems: dict[str, int]  # "stripe + salesforce + product_db": count
    uncertain_companies: int  # resting on at least one record-linkage match
    review_pairs: int
    unmatched_records: int


def read_identity_stats(connection: Any) -> IdentityStats:
    by_source = dict(
        connection.execute(
            "select source, count(*) from mapping.identity_links group by source order by source"
        ).fetchall()
    )
    by_tier = dict(
        connection.execute(
            """
            select coalesce(tier, 'alone'), count(*)
            from mapping.identity_links
            group by 1
            order by case coalesce(tier, 'alone') when 'override' then 0 when 'stored_id' then 1
                     when 'domain' then 2 when 'probabilistic' then 3 else 4 end
            """
        ).fetchall()
    )
    shapes = dict(
        connection.execute(
            """
            select systems, count(*)
            from (
                select
                    company_id,
                    string_agg(distinct source, ' + ' order by source) as systems
                from mapping.identity_links
                group by company_id
            ) as companies
            group by systems
            order by count(*) desc, systems
            """
        ).fetchall()
    )

    def count(query: str) -> int:
        return int(connection.execute(query).fetchall()[0][0])

    return IdentityStats(
        records_by_source=by_source,
        records_by_tier=by_tier,
        companies=sum(shapes.values()),
        companies_by_systems=shapes,
        uncertain_companies=count(
            "select count(*) from analytics.customer_360 where is_identity_uncertain"
        ),
        review_pairs=count("select count(*) from mapping.review_queue"),
        unmatched_records=count("select count(*) from mapping.unmatched"),
    )
