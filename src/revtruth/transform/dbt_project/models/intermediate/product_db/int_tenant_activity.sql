-- One row per tenant with its product usage in the health windows, counted back from the
-- as-of date inclusive (today − 30 … today). Every activity row counts, whatever its type.

{%- set recent_since = revtruth.window_start(var('recent_activity_days')) %}
{%- set zombie_since = revtruth.window_start(var('zombie_inactivity_days')) %}

with

tenants as (

    select * from {{ ref('stg_product_db__tenants') }}

),

activity as (

    select * from {{ ref('stg_product_db__user_activity_logs') }}
    where event_date <= {{ revtruth.as_of_date() }}

),

product_users as (

    select * from {{ ref('stg_product_db__users') }}

),

usage as (

    select
        tenant_id,
        count(case when event_date >= {{ recent_since }}
            then 1 end) as recent_events,
        count(distinct case when event_date >= {{ recent_since }}
            then user_id end) as recent_active_users,
        count(distinct case when event_date >= {{ zombie_since }}
            then user_id end) as active_users_in_zombie_window,
        max(occurred_at) as last_activity_at,
        count(*) as lifetime_events
    from activity
    group by tenant_id

),

seats as (

    select tenant_id, count(*) as user_count
    from product_users
    group by tenant_id

)

select
    tenants.tenant_id,
    coalesce(seats.user_count, 0) as user_count,
    coalesce(usage.recent_events, 0) as recent_events,
    coalesce(usage.recent_active_users, 0) as recent_active_users,
    coalesce(usage.active_users_in_zombie_window, 0) as active_users_in_zombie_window,
    coalesce(usage.lifetime_events, 0) as lifetime_events,
    usage.last_activity_at
from tenants
left join usage
    on tenants.tenant_id = usage.tenant_id
left join seats
    on tenants.tenant_id = seats.tenant_id
