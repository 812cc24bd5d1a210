-- One row per link that holds between two records of one company: its tier, how likely the
-- record-linkage model found it (1 for the deterministic tiers and people's decisions) and
-- the evidence in words (docs/metrics.md#identity). What `revtruth identity explain` shows.

with

links as (

    {{ source_columns('identity', 'links', [
        ('left_key', 'varchar'),
        ('right_key', 'varchar'),
        ('company_id', 'varchar'),
        ('tier', 'varchar'),
        ('match_probability', 'double'),
        ('evidence', 'varchar'),
    ]) }}

),

final as (

    select
        company_id,
        left_key,
        right_key,
        tier,
        cast(match_probability as decimal(12, 10)) as match_probability,
        evidence
    from links

)

select * from final
