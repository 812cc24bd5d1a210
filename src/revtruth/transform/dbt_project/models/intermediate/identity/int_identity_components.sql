-- Each record's company: the connected component of the evidence graph it belongs to,
-- named after its smallest node key (stable while that record exists).

with recursive

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

edges as (

    select * from {{ ref('int_identity_edges') }}

),

undirected as (

    select from_node as node_key, to_node as neighbour_key from edges
    union
    select to_node, from_node from edges

),

-- UNION (not UNION ALL) makes the walk stop once no new node is reached
reachable (node_key, reached_key) as (

    select node_key, node_key from nodes

    union

    select reachable.node_key, undirected.neighbour_key
    from reachable
    inner join undirected
        on reachable.reached_key = undirected.node_key

),

components as (

    select node_key, min(reached_key) as component_key
    from reachable
    group by node_key

)

select
    nodes.*,
    components.component_key,
    'co_' || substr(md5(components.component_key), 1, 16) as company_id
from nodes
inner join components
    on nodes.node_key = components.node_key
