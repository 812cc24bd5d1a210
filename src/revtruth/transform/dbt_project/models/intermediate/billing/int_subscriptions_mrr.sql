-- One row per subscription with its current MRR (docs/metrics.md#statuses): its items net
-- of discounts (int_subscriptions_discounted), counted only in a status that counts, until
-- it churns (int_subscriptions_churned, the `churn_at` convention) or, with
-- `past_due_churn_after_days`, until an invoice has been unpaid that long; converted to the
-- reporting currency at the FX rate of the current period's start.

{%- set counting_statuses = ["'active'"] -%}
{%- if var('past_due_counts') %}{% do counting_statuses.append("'past_due'") %}{% endif -%}
{%- if var('paused_counts') %}{% do counting_statuses.append("'paused'") %}{% endif -%}
{%- set past_due_days = var('past_due_churn_after_days') | int %}

with

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

discounted as (

    select * from {{ ref('int_subscriptions_discounted') }}

),

churn as (

    select * from {{ ref('int_subscriptions_churned') }}

),

minor_units as (

    select * from {{ ref('currency_minor_units') }}

),

fx as (

    select * from {{ ref('int_fx_rates_daily') }}

),

-- the oldest invoice each subscription still owes (for past_due_churn_after_days)
unpaid as (

    select subscription_id, min(created_at) as oldest_unpaid_at
    from {{ ref('stg_stripe__invoices') }}
    where invoice_status = 'open'
    group by subscription_id

),

counted as (

    select
        subscriptions.*,
        discounted.item_count,
        discounted.unpriced_tiered_items,
        discounted.gross_mrr_minor_native,
        discounted.net_mrr_minor_native,
        coalesce(discounted.item_period_start_at, subscriptions.legacy_current_period_start_at)
            as current_period_start_at,
        coalesce(discounted.item_period_end_at, subscriptions.legacy_current_period_end_at)
            as current_period_end_at,
        subscriptions.subscription_status in ({{ counting_statuses | join(', ') }})
            and (churn.churned_at is null or churn.churned_at > {{ revtruth.as_of_instant() }})
        {%- if past_due_days > 0 %}
            and not (subscriptions.subscription_status = 'past_due'
                and coalesce(unpaid.oldest_unpaid_at, {{ revtruth.as_of_instant() }})
                    <= {{ dbt.dateadd('day', -past_due_days, revtruth.as_of_instant()) }})
        {%- endif %}
            as is_counted_in_mrr
    from subscriptions
    left join discounted
        on subscriptions.subscription_id = discounted.subscription_id
    left join churn
        on subscriptions.subscription_id = churn.subscription_id
    left join unpaid
        on subscriptions.subscription_id = unpaid.subscription_id

),

final as (

    select
        counted.subscription_id,
        counted.customer_id,
        counted.subscription_status,
        counted.currency,
        counted.collection_method,
        counted.is_cancel_at_period_end,
        counted.item_count,
        coalesce(counted.unpriced_tiered_items, 0) > 0 as has_unpriced_tiered_items,
        counted.is_counted_in_mrr,
        counted.current_period_start_at,
        counted.current_period_end_at,
        counted.created_at,
        counted.started_at,
        counted.trial_start_at,
        counted.trial_end_at,
        counted.canceled_at,
        counted.ended_at,
        coalesce(minor_units.minor_unit_exponent, 2) as minor_unit_exponent,
        coalesce(counted.gross_mrr_minor_native, 0) as gross_mrr_minor_native,
        case
            when counted.is_counted_in_mrr then coalesce(counted.net_mrr_minor_native, 0)
            else cast(0 as decimal(38, 10))
        end as mrr_minor_native,
        fx.units_per_usd,
        fx.reporting_units_per_usd
    from counted
    left join minor_units
        on counted.currency = minor_units.currency
    left join fx
        on counted.currency = fx.currency
        and fx.rate_day = {{ revtruth.utc_date(
            'coalesce(counted.current_period_start_at, counted.started_at)') }}

)

select
    *,
    {{ revtruth.minor_to_major('mrr_minor_native', 'minor_unit_exponent') }} as mrr_amount_native,
    {{ revtruth.to_reporting(
        revtruth.minor_to_major('mrr_minor_native', 'minor_unit_exponent'),
        'units_per_usd', 'reporting_units_per_usd') }} as mrr_amount
from final
