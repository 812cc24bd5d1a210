-- The three answers to "how many active customers do we have?", side by side, each with
-- the rule that produces it: billing counts who pays, the CRM counts what sales marked as
-- a customer, the product counts who used it recently. Each answer is the sum, over
-- companies, of what int_company_systems counts (the one place the rules are written); how
-- many companies part the answers, and why, is beside them (analytics.
-- customer_count_discrepancies lists the companies).

with

systems as (

    select * from {{ ref('int_company_systems') }}

),

discrepancies as (

    select * from {{ ref('customer_count_discrepancies') }}

),

customer_360 as (

    select * from {{ ref('customer_360') }}

),

{%- set codes = [
    'billing_not_crm', 'crm_not_billing', 'paying_never_provisioned', 'paying_not_active',
    'active_not_paying', 'counted_twice_by_billing', 'counted_twice_by_crm',
    'counted_twice_by_product'] %}

reasons as (

    select
        count(*) as discrepant_companies
        {%- for code in codes %},
        sum(case when {{ dbt.position("'" ~ code ~ ",'", "discrepancy_codes || ','") }} > 0
            then 1 else 0 end) as companies_{{ code }}
        {%- endfor %}
    from discrepancies

)

select
    (select cast(sum(billing_customers_counted) as bigint) from systems)
        as billing_active_customers,
    (select cast(sum(crm_accounts_counted) as bigint) from systems) as crm_active_customers,
    (select cast(sum(tenants_counted) as bigint) from systems) as product_active_customers,
    (select count(*) from customer_360 where is_paying) as paying_companies,
    (select count(*) from customer_360 where is_zombie) as zombie_companies,
    'Stripe customers with MRR > 0' as billing_rule,
    'Salesforce accounts of type Customer' as crm_rule,
    'tenants with activity in the last {{ var("recent_activity_days") }} days' as product_rule,
    cast(reasons.discrepant_companies as bigint) as discrepant_companies
    {%- for code in codes %},
    cast(coalesce(reasons.companies_{{ code }}, 0) as bigint) as companies_{{ code }}
    {%- endfor %}
from reasons
