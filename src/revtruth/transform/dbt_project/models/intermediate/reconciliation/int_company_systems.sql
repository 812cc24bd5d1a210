-- One row per company: how many of its records each system counts in its answer to "how
-- many active customers do we have?" (the rules of analytics.active_customer_counts), and
-- what it has besides (docs/metrics.md#reconciliation). Summed over companies, the three
-- counts are the three answers; company by company, they say where the answers part.

with

companies as (

    select * from {{ ref('company_ids') }}

),

members as (

    select * from {{ ref('identity_links') }}

),

customers as (

    select * from {{ ref('customers') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}
    where not is_deleted

),

tenant_activity as (

    select * from {{ ref('int_tenant_activity') }}

),

per_record as (

    select
        members.company_id,
        case when customers.mrr_amount > 0 then 1 else 0 end as billing_counted,
        case when members.source = 'stripe' then 1 else 0 end as is_billing_customer,
        case when accounts.account_type = 'Customer' then 1 else 0 end as crm_counted,
        case when tenant_activity.recent_events > 0 then 1 else 0 end as product_counted,
        case when members.source = 'product_db' then 1 else 0 end as is_tenant
    from members
    left join customers
        on members.source = 'stripe' and members.source_id = customers.customer_id
    left join accounts
        on members.source = 'salesforce' and members.source_id = accounts.account_id
    left join tenant_activity
        on members.source = 'product_db' and members.source_id = tenant_activity.tenant_id

),

final as (

    select
        companies.company_id,
        companies.company_name,
        cast(sum(per_record.billing_counted) as integer) as billing_customers_counted,
        cast(sum(per_record.crm_counted) as integer) as crm_accounts_counted,
        cast(sum(per_record.product_counted) as integer) as tenants_counted,
        sum(per_record.is_billing_customer) > 0 as has_billing_customer,
        sum(per_record.is_tenant) > 0 as is_provisioned
    from companies
    inner join per_record
        on companies.company_id = per_record.company_id
    group by companies.company_id, companies.company_name

)

select * from final
