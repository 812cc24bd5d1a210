-- One row per pair of records the record-linkage model finds likely, but not likely enough,
-- to be one company (between identity.review_probability and identity.link_probability),
-- or likely enough but held back because each side already looks like a whole company of
-- its own (a parent and its subsidiary, more often than not); still in different companies
-- and not decided by a person: the work for `revtruth identity review`, most likely first
-- (docs/metrics.md#identity).

with

pairs as (

    {{ source_columns('identity', 'review_pairs', [
        ('left_key', 'varchar'),
        ('right_key', 'varchar'),
        ('left_company_id', 'varchar'),
        ('right_company_id', 'varchar'),
        ('match_probability', 'double'),
        ('evidence', 'varchar'),
    ]) }}

),

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

final as (

    select
        row_number() over (
            order by pairs.match_probability desc, pairs.left_key, pairs.right_key
        ) as review_rank,
        pairs.left_key,
        left_node.display_name as left_name,
        pairs.left_company_id,
        pairs.right_key,
        right_node.display_name as right_name,
        pairs.right_company_id,
        cast(pairs.match_probability as decimal(12, 10)) as match_probability,
        pairs.evidence
    from pairs
    inner join nodes as left_node
        on pairs.left_key = left_node.node_key
    inner join nodes as right_node
        on pairs.right_key = right_node.node_key

)

select * from final
