-- One row per company: health_score 0–100 and the components it is made of, each 0–100
-- and NULL when it does not apply (docs/metrics.md#health-score). The score is the
-- weighted mean of the components that apply, weights `health_weight_<component>`, so a
-- company without seats or an annual plan is not marked down for it. Every component is
-- a column so a reader can see what drags a score down.

{%- set weights = {
    'activity_trend': var('health_weight_activity_trend'),
    'seat_utilisation': var('health_weight_seat_utilisation'),
    'breadth': var('health_weight_breadth'),
    'payment': var('health_weight_payment'),
    'contraction': var('health_weight_contraction'),
    'renewal': var('health_weight_renewal'),
    'time_to_value': var('health_weight_time_to_value'),
} %}
{%- set components = weights.keys() | list %}

with

companies as (

    select * from {{ ref('company_ids') }}

),

members as (

    select * from {{ ref('identity_links') }}
    where source = 'product_db'

),

usage as (

    select * from {{ ref('int_company_usage') }}

),

time_to_value as (

    select * from {{ ref('int_company_time_to_value') }}

),

billing as (

    select * from {{ ref('int_company_billing_health') }}

),

active_users as (

    select members.company_id, sum(tenant_activity.recent_active_users) as active_users_recent
    from members
    inner join {{ ref('int_tenant_activity') }} as tenant_activity
        on members.source_id = tenant_activity.tenant_id
    group by members.company_id

),

inputs as (

    select
        companies.company_id,
        coalesce(usage.recent_events, 0) as recent_events,
        coalesce(usage.previous_events, 0) as previous_events,
        coalesce(usage.recent_event_types, 0) as recent_event_types,
        (select max(product_event_types) from usage) as product_event_types,
        coalesce(active_users.active_users_recent, 0) as active_users_recent,
        billing.paid_seats,
        billing.overdue_subscriptions,
        billing.uncollectible_invoices_recent,
        billing.days_to_renewal,
        billing.mrr_lost_recently,
        billing.mrr_now,
        time_to_value.value_started_on,
        time_to_value.days_to_first_activity
    from companies
    left join usage on companies.company_id = usage.company_id
    left join active_users on companies.company_id = active_users.company_id
    left join billing on companies.company_id = billing.company_id
    left join time_to_value on companies.company_id = time_to_value.company_id

),

components as (

    select
        company_id,
        active_users_recent,
        -- the recent window's activity against the window before: 100 when it held or grew
        case
            when previous_events = 0 and recent_events = 0 then 0
            when previous_events = 0 then 100
            else least(100, 100.0 * recent_events / previous_events)
        end as activity_trend,
        -- recently active users per seat paid for; no per-seat plan, no component
        case when paid_seats > 0
            then least(100, 100.0 * active_users_recent / paid_seats)
        end as seat_utilisation,
        -- how much of the product it used recently: its event types among all the log has
        case when product_event_types > 0
            then 100.0 * recent_event_types / product_event_types
        end as breadth,
        -- half off for a past_due or unpaid subscription, half for an uncollectible
        -- invoice in the last 90 days
        case when overdue_subscriptions is not null then
            100
            - case when overdue_subscriptions > 0 then 50 else 0 end
            - case when uncollectible_invoices_recent > 0 then 50 else 0 end
        end as payment,
        -- the share of its MRR of three months ago it still pays: MRR lost to downgrades
        -- and churned subscriptions since, against what it paid before losing it
        case
            when mrr_lost_recently > 0
                then 100.0 * mrr_now / (mrr_now + mrr_lost_recently)
            when mrr_now is not null then 100
        end as contraction,
        -- an annual plan's renewal comes closer: full 90 days or more ahead, 0 on the day
        case when days_to_renewal is not null
            then least(100, greatest(0, 100.0 * days_to_renewal / 90))
        end as renewal,
        -- days from closed-won or first payment to first product use: full within a week,
        -- nothing from 60 days or if it never used the product
        case
            when value_started_on is null then null
            when days_to_first_activity is null then 0
            when days_to_first_activity <= 7 then 100
            when days_to_first_activity >= 60 then 0
            else 100.0 * (60 - days_to_first_activity) / 53
        end as time_to_value
    from inputs

),

rounded as (

    select
        company_id,
        active_users_recent,
        {%- for component in components %}
        cast(round({{ component }}) as integer) as {{ component }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from components

),

final as (

    select
        *,
        cast(round(
            (
                {%- for component in components %}
                coalesce({{ weights[component] }} * {{ component }}_score, 0)
                    {{- ' +' if not loop.last }}
                {%- endfor %}
            ) / nullif(
                {%- for component in components %}
                case when {{ component }}_score is not null
                    then {{ weights[component] }} else 0 end
                    {{- ' +' if not loop.last }}
                {%- endfor %}
            , 0)
        ) as integer) as health_score
    from rounded

)

select * from final
