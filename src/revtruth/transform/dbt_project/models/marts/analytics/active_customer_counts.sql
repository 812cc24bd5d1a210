-- The three answers to "how many active customers do we have?", side by side, each with
-- the rule that produces it: billing counts who pays, the CRM counts what sales marked as
-- a customer, the product counts who used it recently.

with

customers as (

    select * from {{ ref('customers') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

tenant_activity as (

    select * from {{ ref('int_tenant_activity') }}

),

customer_360 as (

    select * from {{ ref('customer_360') }}

)

select
    (select count(*) from customers where mrr_amount > 0) as billing_active_customers,
    (select count(*) from accounts where account_type = 'Customer' and not is_deleted)
        as crm_active_customers,
    (select count(*) from tenant_activity where recent_events > 0) as product_active_customers,
    (select count(*) from customer_360 where is_paying) as paying_companies,
    (select count(*) from customer_360 where is_zombie) as zombie_companies,
    'Stripe customers with MRR > 0' as billing_rule,
    'Salesforce accounts of type Customer' as crm_rule,
    'tenants with activity in the last {{ var("recent_activity_days") }} days' as product_rule
