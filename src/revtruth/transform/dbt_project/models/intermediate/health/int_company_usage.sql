-- One row per company with product activity: how much in the recent window and in the
-- window of the same length before it, and how many of the product's event types it used
-- recently against how many the whole product log has (docs/metrics.md#health-score).

{%- set days = var('recent_activity_days') %}
{%- set recent_since = revtruth.window_start(days) %}
{%- set previous_since = revtruth.window_start(2 * days + 1) %}

with

members as (

    select * from {{ ref('identity_links') }}
    where source = 'product_db'

),

activity as (

    select * from {{ ref('stg_product_db__user_activity_logs') }}
    where event_date <= {{ revtruth.as_of_date() }}

),

product_event_types as (

    select count(distinct event_type) as product_event_types from activity

),

per_company as (

    select
        members.company_id,
        count(case when activity.event_date >= {{ recent_since }} then 1 end) as recent_events,
        count(case when activity.event_date >= {{ previous_since }}
            and activity.event_date < {{ recent_since }} then 1 end) as previous_events,
        count(distinct case when activity.event_date >= {{ recent_since }}
            then activity.event_type end) as recent_event_types
    from activity
    inner join members
        on activity.tenant_id = members.source_id
    group by members.company_id

),

final as (

    select
        per_company.*,
        product_event_types.product_event_types
    from per_company
    cross join product_event_types

)

select * from final
