-- Deterministic evidence that two records are the same company. v1 uses only evidence
-- that does not guess: ids one system stores of another, and the same company domain
-- seen in two systems when no other record of either system claims that domain.

with

nodes as (

    select * from {{ ref('int_identity_nodes') }}

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

tenants as (

    select * from {{ ref('stg_product_db__tenants') }}

),

stripe_metadata as (

    select
        'stripe:' || customers.customer_id as from_node,
        'salesforce:' || customers.metadata_salesforce_account_id as to_node,
        'stripe_metadata_salesforce_account_id' as evidence
    from customers
    where customers.metadata_salesforce_account_id is not null

),

crm_stripe_field as (

    select
        'salesforce:' || account_id,
        'stripe:' || stripe_customer_id,
        'salesforce_stripe_customer_id_field'
    from accounts
    where stripe_customer_id is not null and not is_deleted

),

tenant_billing_id as (

    select
        'product_db:' || tenant_id,
        'stripe:' || stripe_customer_id,
        'tenant_stripe_customer_id'
    from tenants
    where stripe_customer_id is not null

),

-- a domain counts as evidence only where each system has at most one record with it
unambiguous_domains as (

    select domain
    from nodes
    where domain is not null
    group by domain
    having count(*) = count(distinct source) and count(*) > 1

),

same_domain as (

    select
        left_node.node_key,
        right_node.node_key,
        'same_company_domain'
    from nodes as left_node
    inner join nodes as right_node
        on left_node.domain = right_node.domain
        and left_node.source < right_node.source
    where left_node.domain in (select domain from unambiguous_domains)

),

all_edges as (

    select * from stripe_metadata
    union all
    select * from crm_stripe_field
    union all
    select * from tenant_billing_id
    union all
    select * from same_domain

)

-- evidence pointing at a record that is not there (a deleted account, a typo) is dropped
select all_edges.*
from all_edges
inner join nodes as from_nodes on all_edges.from_node = from_nodes.node_key
inner join nodes as to_nodes on all_edges.to_node = to_nodes.node_key
