-- One row per tenant active in the product (an activity row in the recent window) whose
-- company pays nothing: revenue leakage, or a free plan to look at (docs/metrics.md#
-- reconciliation). "no_billing_customer" when the company has no billing customer at all,
-- "not_paying" when it has one and its MRR is zero (a trial, a cancelled or a free plan).

with

tenant_members as (

    select company_id, source_id as tenant_id
    from {{ ref('identity_links') }}
    where source = 'product_db'

),

tenants as (

    select * from {{ ref('stg_product_db__tenants') }}

),

tenant_activity as (

    select * from {{ ref('int_tenant_activity') }}
    where recent_events > 0

),

companies as (

    select * from {{ ref('customer_360') }}
    where not is_paying

),

systems as (

    select * from {{ ref('int_company_systems') }}

),

final as (

    select
        tenant_activity.tenant_id,
        tenants.tenant_name,
        tenants.plan_tier,
        companies.company_id,
        companies.company_name,
        tenant_activity.recent_active_users,
        tenant_activity.recent_events as recent_logins,
        tenant_activity.last_activity_at,
        case
            when not systems.has_billing_customer then 'no_billing_customer'
            else 'not_paying'
        end as unbilled_reason
    from tenant_activity
    inner join tenant_members
        on tenant_activity.tenant_id = tenant_members.tenant_id
    inner join tenants
        on tenant_activity.tenant_id = tenants.tenant_id
    inner join companies
        on tenant_members.company_id = companies.company_id
    inner join systems
        on companies.company_id = systems.company_id

)

select * from final
