-- One row per source record with the company it belongs to and the evidence that put it
-- there: the bridge every company-level figure is summed through.

with

components as (

    select * from {{ ref('int_identity_components') }}

),

edges as (

    select * from {{ ref('int_identity_edges') }}

),

evidence as (

    select node_key, {{ dbt.listagg('evidence', "', '", "order by evidence") }} as evidence
    from (
        select from_node as node_key, evidence from edges
        union
        select to_node, evidence from edges
    ) as touching
    group by node_key

)

select
    components.company_id,
    components.source,
    components.source_id,
    components.display_name,
    components.domain,
    evidence.evidence
from components
left join evidence
    on components.node_key = evidence.node_key
