-- One row per Stripe customer, month and currency with MRR at the month's instant
-- (docs/metrics.md#mrr-history): the lines that count then (int_invoice_lines_counted),
-- summed natively, converted to the reporting currency.
-- Also the FX rates of the currency's latest service period in the month, at which the
-- previous month is restated (int_customer_months_fx_restated).

with

counted_lines as (

    select * from {{ ref('int_invoice_lines_counted') }}

),

-- summed natively per FX rate, then converted once per rate, so that the same native
-- MRR at the same rate is always the same reporting amount
rate_groups as (

    select
        customer_id,
        month_start,
        currency,
        minor_unit_exponent,
        reporting_units_per_usd,
        units_per_usd,
        max(period_start_at) as latest_period_start_at,
        sum(mrr_minor_native) as mrr_minor_native
    from counted_lines
    group by customer_id, month_start, currency, minor_unit_exponent, reporting_units_per_usd, units_per_usd

),

converted_groups as (

    select
        *,
        {{ revtruth.to_reporting(
            revtruth.minor_to_major('mrr_minor_native', 'minor_unit_exponent'),
            'units_per_usd', 'reporting_units_per_usd') }} as mrr_amount,
        row_number() over (
            partition by customer_id, month_start, currency
            order by latest_period_start_at desc, reporting_units_per_usd, units_per_usd
        ) as rate_rank
    from rate_groups

),

final as (

    select
        customer_id,
        month_start,
        currency,
        max(minor_unit_exponent) as minor_unit_exponent,
        sum(mrr_minor_native) as mrr_minor_native,
        sum(mrr_amount) as mrr_amount,
        max(case when rate_rank = 1 then units_per_usd end) as latest_units_per_usd,
        max(case when rate_rank = 1 then reporting_units_per_usd end) as latest_reporting_units_per_usd
    from converted_groups
    group by customer_id, month_start, currency

)

select * from final
