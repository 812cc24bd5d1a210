"""Identity resolution: which records of billing, CRM and product are one real company
(docs/metrics.md#identity).

The tiers, strongest first: people's decisions (the overrides file), ids one system stores
of another and company domains shared by records whose names agree (both decided in SQL,
`models/intermediate/identity/`), then a record-linkage model for the rest (`model`).
`clustering` turns the links into companies without ever joining what a person said is
different. `resolve` runs it all between the two halves of a build and writes the result to
the schema `identity`, which the `mapping` marts read.

    from revtruth.identity import resolve
    summary = resolve(settings)
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from revtruth.config import Settings
from revtruth.config.settings import IdentitySettings
from revtruth.identity.clustering import (
    Clusters,
    ConflictingOverridesError,
    Link,
    cluster,
    half_of,
    join_counterparts,
)
from revtruth.identity.overrides import Override, OverridesError, overrides_path, read_overrides

__all__ = [
    "ConflictingOverridesError",
    "IdentityError",
    "IdentitySummary",
    "OverridesError",
    "resolve",
]

# The deterministic edges' evidence, as the SQL names it, by tier.
STORED_ID_EVIDENCE = {
    "stripe_metadata_salesforce_account_id": "the Stripe customer's metadata names the account",
    "salesforce_stripe_customer_id_field": "the account's Stripe_Customer_Id__c names the customer",
    "tenant_stripe_customer_id": "the tenant stores the Stripe customer id",
}


_TEXT, _NUMBER = pa.string(), pa.float64()
RESULT_SCHEMAS = {
    "record_companies": pa.schema(
        [
            ("node_key", _TEXT),
            ("company_id", _TEXT),
            ("tier", _TEXT),
            ("match_probability", _NUMBER),
        ]
    ),
    "links": pa.schema(
        [
            ("left_key", _TEXT),
            ("right_key", _TEXT),
            ("company_id", _TEXT),
            ("tier", _TEXT),
            ("match_probability", _NUMBER),
            ("evidence", _TEXT),
        ]
    ),
    "review_pairs": pa.schema(
        [
            ("left_key", _TEXT),
            ("right_key", _TEXT),
            ("left_company_id", _TEXT),
            ("right_company_id", _TEXT),
            ("match_probability", _NUMBER),
            ("evidence", _TEXT),
        ]
    ),
}


class IdentityError(RuntimeError):
    """Identity resolution cannot run as configured; the message says why."""


@dataclass(frozen=True)
class IdentitySummary:
    records: int
    companies: int
    links_by_tier: dict[str, int]
    review_pairs: int
    refused_links: int


def resolve(settings: Settings) -> IdentitySummary:
    """Find the companies from the identity inputs the first half of the build made, and
    write them to the schema `identity`."""
    from revtruth.identity.warehouse_io import read_inputs, write_results

    identity = settings.identity
    if identity.review_probability > identity.link_probability:
        raise IdentityError(
            f"identity.review_probability ({identity.review_probability}) is above "
            f"identity.link_probability ({identity.link_probability}): nothing could ever "
            "wait for review"
        )
    overrides = read_overrides(overrides_path(settings))
    found = find_companies(read_inputs(settings), overrides, identity)
    write_results(settings, _result_tables(found.clusters, found.review))
    by_tier: dict[str, int] = {}
    for link in found.clusters.accepted:
        by_tier[link.tier] = by_tier.get(link.tier, 0) + 1
    return IdentitySummary(
        records=len(found.clusters.company_of),
        companies=len(set(found.clusters.company_of.values())),
        links_by_tier=by_tier,
        review_pairs=len(found.review),
        refused_links=len(found.clusters.refused),
    )


@dataclass(frozen=True)
class Found:
    clusters: Clusters
    review: list[Link]  # pairs for a person to decide, best first


def find_companies(
    inputs: dict[str, pa.Table], overrides: list[Override], identity: IdentitySettings
) -> Found:
    """The companies in the identity inputs (`warehouse_io.INPUTS`), every tier applied, and
    the pairs left for review."""
    from revtruth.identity.model import load_records, score_pairs

    link_at, review_at = identity.link_probability, identity.review_probability
    counterpart_at = identity.counterpart_probability
    con = duckdb.connect()
    try:
        record_count = load_records(con, inputs)
        table = con.sql(
            "select unique_id, owned_domain_stems, country,"
            " case when country is null and name_places_it then countries end as name_places"
            " from records"
        ).to_arrow_table()
        records = table.column("unique_id").to_pylist()
        # where each record's own address is (a product tenant has none)
        addresses = {
            record: country
            for record, country in zip(records, table.column("country").to_pylist(), strict=True)
            if country
        }
        # where the name of each record with no address places it ("Acme US")
        name_places = {
            record: frozenset(places)
            for record, places in zip(records, table.column("name_places").to_pylist(), strict=True)
            if places
        }
        # the names of each record's own domains, which clustering reads to tell companies
        owned = table.column("owned_domain_stems").to_pylist()
        domain_names = {
            record: frozenset(stems) for record, stems in zip(records, owned, strict=True) if stems
        }
        # a pair less likely than the review band is neither linked nor reviewed, unless it
        # may pair a billing customer and a workspace each alone (join_counterparts)
        keep_above = min(review_at, counterpart_at)
        scored = score_pairs(con, keep_above=keep_above) if record_count > 1 else pa.table({})
    finally:
        con.close()
    links = _deterministic_links(inputs["int_identity_edges"], overrides)
    probable = model_links(_at_least(scored, review_at))
    links += [link for link in probable if link.probability >= link_at or link.links_below]
    different = [o.pair for o in overrides if o.decision == "different"]
    clusters = cluster(records, links, different, domain_names, addresses, name_places)
    candidates = model_links(_between(_at_least(scored, counterpart_at), _half_companies(clusters)))
    clusters = join_counterparts(clusters, candidates, different, domain_names)
    # uncertain pairs left apart, and likely ones held back because each side already looks
    # like a whole company (clustering): both for a person, unless one decided already
    decided = {o.pair for o in overrides}
    held = {(link.left, link.right) for link in clusters.held}
    company_of = clusters.company_of
    review = [
        link
        for link in probable
        if (review_at <= link.probability < link_at or (link.left, link.right) in held)
        and company_of[link.left] != company_of[link.right]
        and (link.left, link.right) not in decided
    ]
    return Found(clusters, review)


def _deterministic_links(edges: pa.Table, overrides: list[Override]) -> list[Link]:
    links = [
        Link(
            o.record_a,
            o.record_b,
            "override",
            1.0,
            f"a person decided: same company. {o.note}".strip(),
        )
        for o in overrides
        if o.decision == "same"
    ]
    if not edges.num_rows:
        return links
    # column by column, as the scored pairs are read
    columns = [
        edges.column(name).to_pylist() if name in edges.column_names else [None] * edges.num_rows
        for name in ("from_node", "to_node", "evidence", "detail")
    ]
    for left, right, evidence, detail in zip(*columns, strict=True):
        if evidence in STORED_ID_EVIDENCE:
            links.append(Link(left, right, "stored_id", 1.0, STORED_ID_EVIDENCE[evidence]))
        else:
            links.append(Link(left, right, "domain", 1.0, detail or evidence))
    return links


def _result_tables(clusters: Clusters, review: list[Link]) -> dict[str, pa.Table]:
    """`record_companies` (one row per record), `links` (every link that holds), and
    `review_pairs` (uncertain pairs left apart, best first)."""
    best: dict[str, Link] = {}
    best_rank: dict[str, tuple[int, float]] = {}
    for link in clusters.accepted:
        rank = link.rank()
        for record in (link.left, link.right):
            if record not in best_rank or rank < best_rank[record]:
                best[record], best_rank[record] = link, rank
    company_of = clusters.company_of
    records = sorted(company_of)
    placed = [best.get(record) for record in records]
    accepted = clusters.accepted
    columns = {
        "record_companies": {
            "node_key": records,
            "company_id": [company_of[record] for record in records],
            "tier": [link.tier if link else None for link in placed],
            "match_probability": [link.probability if link else None for link in placed],
        },
        "links": {
            "left_key": [link.left for link in accepted],
            "right_key": [link.right for link in accepted],
            "company_id": [company_of[link.left] for link in accepted],
            "tier": [link.tier for link in accepted],
            "match_probability": [link.probability for link in accepted],
            "evidence": [link.evidence for link in accepted],
        },
        "review_pairs": {
            "left_key": [link.left for link in review],
            "right_key": [link.right for link in review],
            "left_company_id": [company_of[link.left] for link in review],
            "right_company_id": [company_of[link.right] for link in review],
            "match_probability": [link.probability for link in review],
            "evidence": [link.evidence for link in review],
        },
    }
    return {name: pa.table(columns[name], schema=RESULT_SCHEMAS[name]) for name in RESULT_SCHEMAS}


def _at_least(scored: pa.Table, probability: float) -> pa.Table:
    if not scored.num_rows:
        return scored
    return scored.filter(pc.greater_equal(scored.column("match_probability"), probability))


def _half_companies(clusters: Clusters) -> list[str]:
    """The records of every company found with a billing customer and no workspace, or a
    workspace and no billing customer."""
    halves = []
    for records in clusters.members().values():
        if half_of(records):
            halves += records
    return halves


def _between(scored: pa.Table, records: list[str]) -> pa.Table:
    """The scored pairs both of whose records are among `records`: building a link for
    every weak pair would cost seconds at 300,000 records, and only these can be joined."""
    if not scored.num_rows:
        return scored
    among = pa.array(records, pa.string())
    return scored.filter(
        pc.and_(
            pc.is_in(scored.column("left_key"), value_set=among),
            pc.is_in(scored.column("right_key"), value_set=among),
        )
    )


def model_links(scored: pa.Table) -> list[Link]:
    """The record-linkage model's scored pairs (`model.score_pairs`) as links."""
    if not scored.num_rows:
        return []
    # column by column: at 300,000 records, a dict per scored pair costs seconds
    columns = (
        "left_key",
        "right_key",
        "match_probability",
        "evidence",
        "names_a_unit",
        "only_a_domain_name_abroad",
        "names_a_team",
        "names_and_places_differ",
        "only_a_domain_name",
    )
    return [
        Link(left, right, "probabilistic", probability, evidence, unit, abroad, team, differ, only)
        for left, right, probability, evidence, unit, abroad, team, differ, only in zip(
            *(scored.column(name).to_pylist() for name in columns), strict=True
        )
    ]
