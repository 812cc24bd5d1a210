-- One row per closed-won deal of a paying company whose product shows nothing for it
-- (docs/metrics.md#reconciliation): judged once `reconciliation_grace_days` have passed
-- since it closed, the company has no tenant ("no_tenant"), or no activity row of any of
-- its tenants dated on or after the close date ("no_activity_since_close").

with

deals as (

    select * from {{ ref('int_won_deals') }}
    where is_judged

),

companies as (

    select * from {{ ref('customer_360') }}
    where is_paying

),

tenant_members as (

    select company_id, source_id as tenant_id
    from {{ ref('identity_links') }}
    where source = 'product_db'

),

activity as (

    select * from {{ ref('stg_product_db__user_activity_logs') }}
    where event_date <= {{ revtruth.as_of_date() }}

),

last_activity as (

    select tenant_members.company_id, max(activity.event_date) as last_activity_date
    from tenant_members
    inner join activity
        on tenant_members.tenant_id = activity.tenant_id
    group by tenant_members.company_id

),

judged as (

    select
        deals.*,
        companies.company_name,
        companies.mrr_amount,
        last_activity.last_activity_date,
        case
            when not companies.is_provisioned then 'no_tenant'
            when last_activity.last_activity_date is null
                or last_activity.last_activity_date < deals.close_date
                then 'no_activity_since_close'
        end as unprovisioned_reason
    from deals
    inner join companies
        on deals.company_id = companies.company_id
    left join last_activity
        on deals.company_id = last_activity.company_id

),

final as (

    select
        opportunity_id,
        opportunity_name,
        salesforce_account_id,
        company_id,
        company_name,
        close_date,
        deal_currency,
        deal_amount_native,
        deal_amount,
        mrr_amount,
        last_activity_date,
        unprovisioned_reason
    from judged
    where unprovisioned_reason is not null

)

select * from final
