-- One row per pair of records and company domain both give away, with how alike their
-- names are, and whether the domain is ambiguous (docs/metrics.md#identity): seen on two
-- records whose names do not agree, as an agency's, a reseller's or an accountant's domain
-- is on several customers' billing emails. An ambiguous domain is evidence for no one: not
-- for the domain tier, not for the record-linkage model.

{#- names whose keys are at least this alike (Jaro-Winkler) count as the same name -#}
{%- set same_name_at_least = 0.8 %}

with

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

domains as (

    select * from {{ ref('int_identity_domains') }}

),

pairs as (

    select
        left_domain.domain,
        left_domain.node_key as left_key,
        right_domain.node_key as right_key,
        {{ revtruth.name_similarity('left_node.name_key', 'right_node.name_key') }} as name_similarity
    from domains as left_domain
    inner join domains as right_domain
        on left_domain.domain = right_domain.domain
        and left_domain.node_key < right_domain.node_key
    inner join nodes as left_node
        on left_domain.node_key = left_node.node_key
    inner join nodes as right_node
        on right_domain.node_key = right_node.node_key

),

ambiguous as (

    select domain
    from pairs
    group by domain
    having min(name_similarity) < {{ same_name_at_least }}

),

final as (

    select
        pairs.*,
        ambiguous.domain is not null as is_ambiguous
    from pairs
    left join ambiguous
        on pairs.domain = ambiguous.domain

)

select * from final
