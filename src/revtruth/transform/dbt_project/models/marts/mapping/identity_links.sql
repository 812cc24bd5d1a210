-- One row per source record with the company it belongs to, the strongest tier that placed
-- it there, how likely that is, and every piece of evidence that links it, in words
-- (docs/metrics.md#identity): the bridge every company-level figure is summed through.

with

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

record_companies as (

    {{ source_columns('identity', 'record_companies', [
        ('node_key', 'varchar'),
        ('company_id', 'varchar'),
        ('tier', 'varchar'),
        ('match_probability', 'double'),
    ]) }}

),

links as (

    select * from {{ ref('identity_evidence') }}

),

-- what links each record, strongest first
touching as (

    select left_key as node_key, tier, match_probability, evidence from links
    union all
    select right_key, tier, match_probability, evidence from links

),

evidence as (

    select
        node_key,
        {{ dbt.listagg('evidence', "' | '", 'order by tier_rank, match_probability desc, evidence') }} as evidence
    from (
        select
            *,
            case tier when 'override' then 0 when 'stored_id' then 1 when 'domain' then 2 else 3 end
                as tier_rank
        from touching
    ) as ranked
    group by node_key

),

final as (

    select
        record_companies.company_id,
        nodes.source,
        nodes.source_id,
        nodes.display_name,
        nodes.domain,
        record_companies.tier,
        cast(record_companies.match_probability as decimal(12, 10)) as match_probability,
        evidence.evidence
    from nodes
    inner join record_companies
        on nodes.node_key = record_companies.node_key
    left join evidence
        on nodes.node_key = evidence.node_key

)

select * from final
