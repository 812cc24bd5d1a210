-- Deterministic evidence that two records are the same company (docs/metrics.md#identity):
-- ids one system stores of another, and a company domain two records share when their
-- names agree and no record with a different name uses it (int_identity_domain_pairs).
-- What this cannot decide is left to the probabilistic tier.

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
        'stripe_metadata_salesforce_account_id' as evidence,
        cast(null as {{ dbt.type_string() }}) as detail
    from customers
    where customers.metadata_salesforce_account_id is not null

),

crm_stripe_field as (

    select
        'salesforce:' || account_id,
        'stripe:' || stripe_customer_id,
        'salesforce_stripe_customer_id_field',
        cast(null as {{ dbt.type_string() }})
    from accounts
    where stripe_customer_id is not null and not is_deleted

),

tenant_billing_id as (

    select
        'product_db:' || tenant_id,
        'stripe:' || stripe_customer_id,
        'tenant_stripe_customer_id',
        cast(null as {{ dbt.type_string() }})
    from tenants
    where stripe_customer_id is not null

),

domain_pairs as (

    select * from {{ ref('int_identity_domain_pairs') }}

),

same_domain as (

    select
        left_key,
        right_key,
        'same_company_domain',
        'company domain ' || {{ dbt.listagg('domain', "', '", 'order by domain') }}
            || ' on both, and the names agree' as detail
    from domain_pairs
    where not is_ambiguous
    group by left_key, right_key

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
