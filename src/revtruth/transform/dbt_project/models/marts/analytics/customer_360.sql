-- One row per real company: its ids in every system, what it pays, what sales recorded,
-- how much it uses the product, and its health.

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

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted

),

sales_users as (

    select * from {{ ref('stg_salesforce__users') }}

),

tenant_activity as (

    select * from {{ ref('int_tenant_activity') }}

),

health as (

    select * from {{ ref('int_company_health') }}

),

time_to_value as (

    select * from {{ ref('int_company_time_to_value') }}

),

billing as (

    select
        members.company_id,
        sum(customers.mrr_amount) as mrr_amount,
        sum(customers.active_subscription_count) as active_subscription_count,
        min(customers.created_at) as billing_customer_since
    from members
    inner join customers
        on members.source = 'stripe' and members.source_id = customers.customer_id
    group by members.company_id

),

crm as (

    select
        members.company_id,
        min(accounts.account_type) as crm_account_type,
        min(sales_users.user_name) as crm_owner_name,
        count(distinct case when opportunities.is_won then opportunities.opportunity_id end) as won_deal_count,
        -- deals in several currencies have no one sum: the amount is left empty, not mixed
        case
            when count(distinct case when opportunities.is_won then opportunities.currency end) > 1
                then 'mixed'
            else max(case when opportunities.is_won then opportunities.currency end)
        end as won_deal_currency,
        case
            when count(distinct case when opportunities.is_won then opportunities.currency end) <= 1
                then sum(case when opportunities.is_won then opportunities.amount end)
        end as won_deal_amount_native,
        max(case when opportunities.is_won then opportunities.close_date end) as last_won_at,
        count(distinct case when not opportunities.is_closed then opportunities.opportunity_id end)
            as open_deal_count
    from members
    inner join accounts
        on members.source = 'salesforce' and members.source_id = accounts.account_id
    left join sales_users
        on accounts.owner_id = sales_users.user_id
    left join opportunities
        on accounts.account_id = opportunities.account_id
    group by members.company_id

),

-- the stage of each company's most recent deal
latest_deal as (

    select company_id, stage_name as crm_stage
    from (
        select
            members.company_id,
            opportunities.stage_name,
            row_number() over (
                partition by members.company_id
                order by opportunities.close_date desc, opportunities.opportunity_id desc
            ) as deal_rank
        from members
        inner join opportunities
            on members.source = 'salesforce' and members.source_id = opportunities.account_id
    ) as ranked
    where deal_rank = 1

),

-- how sure the company's records belong together: the least likely link that joins them
-- (1 when only people's decisions, stored ids and shared domains join them)
identity as (

    select
        company_id,
        min(match_probability) as identity_confidence
    from members
    group by company_id

),

-- the pairs waiting for a person that would join the company with another: until they are
-- decided, which records it holds (and so its figures) may change
pending_reviews as (

    select company_id, count(*) as pending_review_pairs
    from (
        select left_company_id as company_id from {{ ref('review_queue') }}
        union all
        select right_company_id from {{ ref('review_queue') }}
    ) as sides
    group by company_id

),

product as (

    select
        members.company_id,
        cast(sum(tenant_activity.user_count) as bigint) as product_users,
        cast(sum(tenant_activity.recent_events) as bigint) as recent_logins,
        cast(sum(tenant_activity.active_users_in_zombie_window) as bigint) as active_users_zombie_window,
        max(tenant_activity.last_activity_at) as last_activity_at
    from members
    inner join tenant_activity
        on members.source = 'product_db' and members.source_id = tenant_activity.tenant_id
    group by members.company_id

),

final as (

    select
        companies.company_id,
        companies.company_name,
        companies.stripe_customer_id,
        companies.salesforce_account_id,
        companies.hubspot_company_id,
        companies.internal_tenant_id,
        companies.domain,
        coalesce(billing.mrr_amount, 0) as mrr_amount,
        12 * coalesce(billing.mrr_amount, 0) as arr_amount,
        coalesce(billing.mrr_amount, 0) > 0 as is_paying,
        cast(coalesce(billing.active_subscription_count, 0) as bigint) as active_subscription_count,
        billing.billing_customer_since,
        crm.crm_account_type,
        crm.crm_owner_name,
        latest_deal.crm_stage,
        coalesce(crm.won_deal_count, 0) as won_deal_count,
        crm.won_deal_currency,
        crm.won_deal_amount_native,
        crm.last_won_at,
        coalesce(crm.open_deal_count, 0) as open_deal_count,
        coalesce(product.product_users, 0) as product_users,
        -- counted once, where health counts them against the seats paid for
        cast(coalesce(health.active_users_recent, 0) as bigint) as active_users_recent,
        coalesce(product.recent_logins, 0) as recent_logins,
        coalesce(product.active_users_zombie_window, 0) as active_users_zombie_window,
        product.last_activity_at,
        companies.internal_tenant_id is not null as is_provisioned,
        identity.identity_confidence,
        cast(coalesce(pending_reviews.pending_review_pairs, 0) as bigint) as pending_review_pairs,
        coalesce(identity.identity_confidence < 1, false)
            or pending_reviews.pending_review_pairs is not null as is_identity_uncertain,
        -- health is a question about paying companies: a prospect has none
        case when coalesce(billing.mrr_amount, 0) > 0
            then {{ account_health_label('coalesce(product.recent_logins, 0)') }}
        end as account_health_score,
        coalesce(billing.mrr_amount, 0) > 0
            and coalesce(product.active_users_zombie_window, 0) = 0 as is_zombie,
        case when coalesce(billing.mrr_amount, 0) > 0 then health.health_score end as health_score,
        time_to_value.value_started_on,
        time_to_value.days_to_first_activity,
        time_to_value.days_to_nth_active_user
    from companies
    left join billing on companies.company_id = billing.company_id
    left join crm on companies.company_id = crm.company_id
    left join latest_deal on companies.company_id = latest_deal.company_id
    left join product on companies.company_id = product.company_id
    left join identity on companies.company_id = identity.company_id
    left join pending_reviews on companies.company_id = pending_reviews.company_id
    left join health on companies.company_id = health.company_id
    left join time_to_value on companies.company_id = time_to_value.company_id

)

select * from final
