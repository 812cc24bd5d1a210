-- One row per subscription with its current MRR (METRICS.md): the items' monthly amounts,
-- discounts applied in order, counted only in statuses that count, converted to the
-- reporting currency with the FX seed.

{%- set counting_statuses = ["'active'"] -%}
{%- if var('past_due_counts', true) %}{% do counting_statuses.append("'past_due'") %}{% endif -%}
{%- if var('paused_counts', false) %}{% do counting_statuses.append("'paused'") %}{% endif -%}
{%- set reporting_currency = var('reporting_currency', 'usd') | lower -%}
{#- churn_at = requested: a subscription set to cancel at period end stops counting as soon
    as the cancellation was requested; `ended` (default) counts it until the period ends -#}
{%- set counted -%}
    (subscriptions.subscription_status in ({{ counting_statuses | join(', ') }})
    {%- if var('churn_at', 'ended') == 'requested' %}
        and not (subscriptions.is_cancel_at_period_end
                 and subscriptions.canceled_at <= cast({{ revtruth.as_of_date() }} as timestamp))
    {%- endif %}
    {%- if var('past_due_churn_after_days', 0) | int > 0 %}
        -- past_due_churn_after_days: an invoice unpaid that long churns the subscription
        and not (subscriptions.subscription_status = 'past_due'
                 and coalesce(unpaid.oldest_unpaid_at, cast({{ revtruth.as_of_date() }} as timestamp))
                     <= cast({{ dbt.dateadd('day', -(var('past_due_churn_after_days') | int), revtruth.as_of_date()) }} as timestamp))
    {%- endif %})
{%- endset %}

with recursive

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

items as (

    select * from {{ ref('int_subscription_items_priced') }}

),

discounts as (

    select * from {{ ref('int_subscription_discounts_ordered') }}

),

minor_units as (

    select * from {{ ref('currency_minor_units') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

-- the oldest invoice each subscription still owes (for past_due_churn_after_days)
unpaid as (

    select subscription_id, min(created_at) as oldest_unpaid_at
    from {{ ref('stg_stripe__invoices') }}
    where invoice_status = 'open'
    group by subscription_id

),

item_totals as (

    select
        subscription_id,
        sum(item_mrr_minor) as gross_mrr_minor,
        -- every item of a subscription shares one interval (Stripe enforces it)
        max(months_numerator) as months_numerator,
        max(months_denominator) as months_denominator,
        max(current_period_start_at) as item_period_start_at,
        max(current_period_end_at) as item_period_end_at,
        count(*) as item_count,
        sum(case when is_unpriced_tiered then 1 else 0 end) as unpriced_tiered_items
    from items
    group by subscription_id

),

-- each discount as one step x -> x × (1 − percent/100) − amount_off ÷ months, in order
applicable_discounts as (

    select
        discounts.subscription_id,
        discounts.application_order,
        coalesce(discounts.percent_off, 0) as percent_off,
        case
            when discounts.amount_off_minor is null then cast(0 as decimal(38, 10))
            else {{ revtruth.decimal_divide(
                'discounts.amount_off_minor * item_totals.months_denominator',
                'item_totals.months_numerator') }}
        end as amount_off_monthly_minor
    from discounts
    inner join item_totals
        on discounts.subscription_id = item_totals.subscription_id
    inner join subscriptions
        on discounts.subscription_id = subscriptions.subscription_id
    -- an amount off in another currency cannot apply (Stripe refuses it too)
    where (discounts.amount_off_minor is null
        or discounts.amount_off_currency = subscriptions.currency)
    {%- if var('discount_duration_mode', 'while_active') == 'exclude' %}
        -- convention `exclude`: finite discounts never lower MRR
        and discounts.duration = 'forever'
    {%- endif %}

),

-- numbered after the filter, so a skipped discount leaves no gap in the chain of steps
discount_steps as (

    select
        subscription_id,
        row_number() over (partition by subscription_id order by application_order) as application_order,
        percent_off,
        amount_off_monthly_minor
    from applicable_discounts

),

discounted (subscription_id, application_order, mrr_minor) as (

    select subscription_id, 0, cast(gross_mrr_minor as decimal(38, 10))
    from item_totals

    union all

    select
        discounted.subscription_id,
        discounted.application_order + 1,
        cast(greatest(
            discounted.mrr_minor * (100 - discount_steps.percent_off) * 0.01
                - discount_steps.amount_off_monthly_minor,
            0
        ) as decimal(38, 10))
    from discounted
    inner join discount_steps
        on discounted.subscription_id = discount_steps.subscription_id
        and discount_steps.application_order = discounted.application_order + 1

),

net as (

    select subscription_id, mrr_minor as net_mrr_minor
    from (
        select
            subscription_id,
            mrr_minor,
            row_number() over (partition by subscription_id order by application_order desc) as step_rank
        from discounted
    ) as steps
    where step_rank = 1

),

subscription_periods as (

    select
        subscriptions.subscription_id,
        subscriptions.currency,
        cast(coalesce(item_totals.item_period_start_at, subscriptions.legacy_current_period_start_at,
                      subscriptions.started_at) as date) as period_start_date
    from subscriptions
    left join item_totals
        on subscriptions.subscription_id = item_totals.subscription_id

),

-- METRICS.md: reporting values use the FX rate at the start of the service period — the
-- latest rate on or before that day (or the earliest rate, for periods before any rate).
fx_candidates as (

    select
        subscription_periods.subscription_id,
        fx_rates.currency,
        fx_rates.units_per_usd,
        row_number() over (
            partition by subscription_periods.subscription_id, fx_rates.currency
            order by
                case when fx_rates.rate_date <= subscription_periods.period_start_date then 0 else 1 end,
                case when fx_rates.rate_date <= subscription_periods.period_start_date
                    then fx_rates.rate_date end desc,
                fx_rates.rate_date
        ) as rate_rank
    from subscription_periods
    inner join fx_rates
        on fx_rates.currency in (subscription_periods.currency, '{{ reporting_currency }}')

),

period_fx as (

    select
        subscription_id,
        max(case when currency = '{{ reporting_currency }}' then units_per_usd end)
            as reporting_units_per_usd,
        max(case when currency <> '{{ reporting_currency }}' then units_per_usd end)
            as other_units_per_usd
    from fx_candidates
    where rate_rank = 1
    group by subscription_id

),

final as (

    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.subscription_status,
        subscriptions.currency,
        subscriptions.collection_method,
        subscriptions.is_cancel_at_period_end,
        item_totals.item_count,
        coalesce(item_totals.unpriced_tiered_items, 0) > 0 as has_unpriced_tiered_items,
        {{ counted }} as is_counted_in_mrr,
        coalesce(item_totals.item_period_start_at, subscriptions.legacy_current_period_start_at)
            as current_period_start_at,
        coalesce(item_totals.item_period_end_at, subscriptions.legacy_current_period_end_at)
            as current_period_end_at,
        subscriptions.created_at,
        subscriptions.started_at,
        subscriptions.trial_start_at,
        subscriptions.trial_end_at,
        subscriptions.canceled_at,
        subscriptions.ended_at,
        coalesce(minor_units.minor_unit_exponent, 2) as minor_unit_exponent,
        coalesce(item_totals.gross_mrr_minor, 0) as gross_mrr_minor,
        case
            when {{ counted }}
                then coalesce(net.net_mrr_minor, 0)
            else cast(0 as decimal(38, 10))
        end as mrr_minor,
        -- a subscription in the reporting currency converts at 1, whatever the seed says
        case
            when subscriptions.currency = '{{ reporting_currency }}' then period_fx.reporting_units_per_usd
            else period_fx.other_units_per_usd
        end as currency_units_per_usd,
        period_fx.reporting_units_per_usd
    from subscriptions
    left join item_totals
        on subscriptions.subscription_id = item_totals.subscription_id
    left join net
        on subscriptions.subscription_id = net.subscription_id
    left join minor_units
        on subscriptions.currency = minor_units.currency
    left join period_fx
        on subscriptions.subscription_id = period_fx.subscription_id
    left join unpaid
        on subscriptions.subscription_id = unpaid.subscription_id

)

select
    *,
    {{ revtruth.minor_to_major('mrr_minor', 'minor_unit_exponent') }} as mrr_amount_native,
    -- native major units × (reporting units per USD) ÷ (native units per USD)
    {{ revtruth.decimal_divide(
        revtruth.minor_to_major('mrr_minor', 'minor_unit_exponent') ~ ' * reporting_units_per_usd',
        'currency_units_per_usd') }} as mrr_amount
from final
