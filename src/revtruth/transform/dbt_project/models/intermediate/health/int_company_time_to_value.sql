-- One row per company that has started to get value, and how fast it used the product
-- (docs/metrics.md#health-score): value starts at its first closed-won deal or its first
-- paid invoice above zero, whichever came first; days_to_first_activity counts to its
-- first activity row (0 when it used the product before, in a trial or a pilot), and
-- days_to_nth_active_user to the day the `health_value_active_users`-th distinct user of
-- its tenants first used it (NULL until that many have).

{%- set nth = var('health_value_active_users') %}

with

members as (

    select * from {{ ref('identity_links') }}

),

won as (

    select members.company_id, min(opportunities.close_date) as first_won_on
    from {{ ref('stg_salesforce__opportunities') }} as opportunities
    inner join members
        on members.source = 'salesforce' and opportunities.account_id = members.source_id
    where opportunities.is_won
        and not opportunities.is_deleted
        and opportunities.close_date <= {{ revtruth.as_of_date() }}
    group by members.company_id

),

paid as (

    select
        members.company_id,
        min({{ revtruth.utc_date('invoices.created_at') }}) as first_paid_on
    from {{ ref('stg_stripe__invoices') }} as invoices
    inner join members
        on members.source = 'stripe' and invoices.customer_id = members.source_id
    where invoices.invoice_status = 'paid'
        and invoices.total_minor > 0
        and {{ revtruth.utc_date('invoices.created_at') }} <= {{ revtruth.as_of_date() }}
    group by members.company_id

),

-- each user's first activity, in the order users came
user_firsts as (

    select
        members.company_id,
        activity.user_id,
        min(activity.occurred_at) as first_active_at
    from {{ ref('stg_product_db__user_activity_logs') }} as activity
    inner join members
        on members.source = 'product_db' and activity.tenant_id = members.source_id
    where activity.event_date <= {{ revtruth.as_of_date() }}
    group by members.company_id, activity.user_id

),

ranked_users as (

    select
        company_id,
        {{ revtruth.utc_date('first_active_at') }} as first_active_on,
        row_number() over (
            partition by company_id order by first_active_at, user_id
        ) as user_rank
    from user_firsts

),

usage_milestones as (

    select
        company_id,
        min(first_active_on) as first_activity_on,
        min(case when user_rank = {{ nth }} then first_active_on end) as nth_user_active_on
    from ranked_users
    group by company_id

),

starts as (

    select
        coalesce(won.company_id, paid.company_id) as company_id,
        case
            when won.first_won_on is null then paid.first_paid_on
            when paid.first_paid_on is null then won.first_won_on
            when won.first_won_on < paid.first_paid_on then won.first_won_on
            else paid.first_paid_on
        end as value_started_on
    from won
    full outer join paid
        on won.company_id = paid.company_id

),

final as (

    select
        starts.company_id,
        starts.value_started_on,
        usage_milestones.first_activity_on,
        usage_milestones.nth_user_active_on,
        -- never below 0: used before the deal or the payment is value at once
        case when usage_milestones.first_activity_on is not null then greatest(0,
            {{ dbt.datediff('starts.value_started_on', 'usage_milestones.first_activity_on', 'day') }})
        end as days_to_first_activity,
        case when usage_milestones.nth_user_active_on is not null then greatest(0,
            {{ dbt.datediff('starts.value_started_on', 'usage_milestones.nth_user_active_on', 'day') }})
        end as days_to_nth_active_user
    from starts
    left join usage_milestones
        on starts.company_id = usage_milestones.company_id

)

select * from final
