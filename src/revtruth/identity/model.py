"""The probabilistic tier: a Fellegi-Sunter record-linkage model (Splink) over every record,
for the links no stored id and no shared domain can make (docs/metrics.md#identity).

What it compares, each pair of records that share at least one blocking key (a name's
first word or first letters, a domain, a person):
- the names, reduced to what identifies the company (equal; Jaro-Winkler ≥ 0.95; ≥ 0.88;
  a word in common; different), with term frequencies, so that a common name is weaker
  evidence than a rare one;
- the company domains each gives away (one or more in common), with term frequencies;
- the people each names (billing contact, CRM contacts, product users: two or one in
  common);
- the country, where both record one;
- when each first appeared (within 3 days, within 30: a deal won, a billing customer
  created and a tenant provisioned are usually days apart).

The model learns from the data itself (no labels): the chance two random records match,
then how often each level occurs among non-matches (random pairs), then how often among
matches (expectation-maximisation, once on pairs with the same name, once on pairs with
the same primary domain, so that each session estimates the others' evidence).
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)

# Pairs below this probability are not kept at all (neither linked nor reviewed).
KEEP_ABOVE = 0.05


def load_records(con: duckdb.DuckDBPyConnection, inputs: dict[str, pa.Table]) -> int:
    """Build the table `records` (one row per record, what the model compares) in `con`
    from the identity input models. Returns how many records there are."""
    nodes, domains, people = (
        inputs["int_identity_nodes"],
        inputs["int_identity_domains"],
        inputs["int_identity_people"],
    )
    con.register("input_nodes", nodes)
    con.register("input_domains", domains if domains.num_rows else _empty(("node_key", "domain")))
    con.register("input_people", people if people.num_rows else _empty(("node_key", "person_key")))
    con.execute(
        """
        create or replace table records as
        with domain_lists as (
            select node_key, list(domain order by domain) as domains
            from input_domains group by node_key
        ),
        people_lists as (
            select node_key, list(person_key order by person_key) as people
            from input_people group by node_key
        )
        select
            nodes.node_key as unique_id,
            nodes.source as source_dataset,
            nodes.display_name,
            nullif(nodes.name_key, '') as name_key,
            nullif(replace(nodes.name_key, ' ', ''), '') as name_compact,
            nullif(split_part(nodes.name_key, ' ', 1), '') as name_first_token,
            string_split(nullif(nodes.name_key, ''), ' ') as name_tokens,
            nodes.country,
            cast(nodes.first_seen_at as date) as first_seen_day,
            nodes.domain as primary_domain,
            domain_lists.domains,
            people_lists.people
        from input_nodes as nodes
        left join domain_lists on nodes.node_key = domain_lists.node_key
        left join people_lists on nodes.node_key = people_lists.node_key
        """
    )
    return con.execute("select count(*) from records").fetchall()[0][0]


def _empty(columns: tuple[str, ...]) -> pa.Table:
    return pa.table({column: pa.array([], type=pa.string()) for column in columns})


def _settings() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("name_compact"),
            cll.ExactMatchLevel("name_compact", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("name_compact", 0.95),
            cll.JaroWinklerLevel("name_compact", 0.88),
            cll.ArrayIntersectLevel("name_tokens", 1),
            cll.ElseLevel(),
        ],
        output_column_name="name",
    )
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            name,
            cl.ArrayIntersectAtSizes("domains", [1]),
            cl.ArrayIntersectAtSizes("people", [2, 1]),
            cl.ExactMatch("country"),
            cl.AbsoluteDateDifferenceAtThresholds(
                "first_seen_day", input_is_string=False, metrics=["day", "day"], thresholds=[3, 30]
            ),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name_first_token"),
            block_on("substr(name_compact, 1, 4)"),
            block_on("domains", arrays_to_explode=["domains"]),
            block_on("people", arrays_to_explode=["people"]),
        ],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )


def score_pairs(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Every blocked pair of records at least `KEEP_ABOVE` likely the same company, with its
    probability and the evidence in words."""
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI(con)
    records = db_api.register("records")
    linker = Linker(records, _settings(), log_level=logging.WARNING)
    training = linker.training
    training.estimate_probability_two_random_records_match([block_on("name_compact")], recall=0.6)
    training.estimate_u_using_random_sampling(max_pairs=1_000_000, seed=1)
    training.estimate_parameters_using_expectation_maximisation(block_on("name_compact"))
    training.estimate_parameters_using_expectation_maximisation(block_on("primary_domain"))
    predictions = linker.inference.predict(threshold_match_probability=KEEP_ABOVE)
    con.register("predictions", predictions.as_duckdbpyrelation())
    return con.execute(
        """
        select
            least(unique_id_l, unique_id_r) as left_key,
            greatest(unique_id_l, unique_id_r) as right_key,
            match_probability,
            match_weight,
            concat_ws('; ',
                case gamma_name
                    when 4 then 'same name (' || name_compact_l || ')'
                    when 3 then 'names nearly the same (' || names || ')'
                    when 2 then 'names alike (' || names || ')'
                    when 1 then 'a word of the name in common'
                    when 0 then 'different names'
                end,
                case gamma_domains
                    when 1 then 'company domain in common: '
                        || array_to_string(list_intersect(domains_l, domains_r), ', ')
                    when 0 then 'no company domain in common'
                end,
                case
                    when gamma_people > 0 then 'same people: '
                        || array_to_string(list_intersect(people_l, people_r), ', ')
                end,
                case gamma_country when 1 then 'same country' when 0 then 'different countries' end,
                case gamma_first_seen_day
                    when 2 then 'first seen within 3 days'
                    when 1 then 'first seen within 30 days'
                end
            ) as evidence
        from (select *, name_compact_l || ' / ' || name_compact_r as names from predictions)
        order by match_probability desc, left_key, right_key
        """
    ).to_arrow_table()
