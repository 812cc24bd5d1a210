-- One row per Stripe customer and month after a month with MRR: the previous month's
-- native MRR restated at this month's FX rates (docs/metrics.md#currency-and-fx), so that
-- movements are measured at constant currency and FX drift is kept apart. A currency still
-- billed this month restates at its latest service period's rates; one no longer billed at
-- the rates of the day the month is measured on (int_fx_rates_daily).

with

currency_months as (

    select * from {{ ref('int_customer_currency_months') }}

),

month_ends as (

    select * from {{ ref('int_month_ends') }}

),

fx as (

    select * from {{ ref('int_fx_rates_daily') }}

),

restated as (

    select
        previous.customer_id,
        month_ends.month_start,
        {{ revtruth.to_reporting(
            revtruth.minor_to_major('previous.mrr_minor_native', 'previous.minor_unit_exponent'),
            'coalesce(current_month.latest_units_per_usd, spot.units_per_usd)',
            'coalesce(current_month.latest_reporting_units_per_usd, spot.reporting_units_per_usd)') }}
            as previous_mrr_amount_at_current_rates
    from currency_months as previous
    inner join month_ends
        on month_ends.month_start = cast({{ dbt.dateadd('month', 1, 'previous.month_start') }} as date)
    left join currency_months as current_month
        on current_month.customer_id = previous.customer_id
        and current_month.currency = previous.currency
        and current_month.month_start = month_ends.month_start
    left join fx as spot
        on spot.currency = previous.currency
        and spot.rate_day = month_ends.rate_day

),

final as (

    select
        customer_id,
        month_start,
        sum(previous_mrr_amount_at_current_rates) as previous_mrr_amount_at_current_rates
    from restated
    group by customer_id, month_start

)

select * from final
