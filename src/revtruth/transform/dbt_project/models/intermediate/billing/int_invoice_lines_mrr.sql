-- One row per valued subscription invoice line (int_invoice_lines_valued), ready for the
-- history: the monthly amount that counts under the discount convention, when the line's
-- subscription stops counting, and the amounts in the reporting currency at the FX rate
-- of the service-period start (docs/metrics.md#mrr-history, #currency-and-fx).
--
-- With `metered_mrr: last_period` a usage line counts what it billed from the end of its
-- service period until the next usage line of its item replaces it: period_start_at and
-- period_end_at are then that interval [end, next line's end), open-ended (100 years) for
-- the latest line, which the subscription's churn stops.

{%- set metered_mrr = revtruth.choice_var('metered_mrr', ['zero', 'last_period']) %}
{%- set mode = revtruth.choice_var('discount_duration_mode', ['while_active', 'exclude']) %}

with

lines as (

    select * from {{ ref('int_invoice_lines_valued') }}

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

{%- if metered_mrr == 'last_period' %}

-- the ends of each metered item's usage periods, each with the next one
usage_period_ends as (

    select
        subscription_id,
        subscription_item_id,
        period_end_at,
        lead(period_end_at) over (
            partition by subscription_id, subscription_item_id
            order by period_end_at
        ) as next_period_end_at
    from (
        select distinct subscription_id, subscription_item_id, period_end_at
        from lines
        where usage_type = 'metered'
    ) as usage_ends

),

{%- endif %}

counted as (

    select
        lines.invoice_line_dlt_id,
        lines.invoice_line_id,
        lines.invoice_id,
        lines.invoice_status,
        lines.customer_id,
        lines.subscription_id,
        lines.subscription_item_id,
        lines.price_id,
        lines.currency,
        lines.billing_interval,
        lines.interval_count,
        lines.usage_type,
        lines.is_proration,
        lines.has_inferred_discount_duration,
        {%- if metered_mrr == 'last_period' %}
        case
            when lines.usage_type = 'metered' then lines.period_end_at
            else lines.period_start_at
        end as period_start_at,
        case
            when lines.usage_type = 'metered'
                then coalesce(usage_period_ends.next_period_end_at,
                              {{ dbt.dateadd('year', 100, 'lines.period_end_at') }})
            else lines.period_end_at
        end as period_end_at,
        {%- else %}
        lines.period_start_at,
        lines.period_end_at,
        {%- endif %}
        churn.ended_at as subscription_ended_at,
        churn.churned_at as subscription_churned_at,
        lines.quantity,
        lines.unit_amount_minor,
        lines.full_period_amount_minor,
        lines.amount_minor,
        lines.discount_minor,
        lines.finite_discount_minor,
        lines.months_numerator,
        lines.months_denominator,
        coalesce(minor_units.minor_unit_exponent, 2) as minor_unit_exponent,
        lines.gross_mrr_minor as gross_mrr_minor_native,
        lines.discount_mrr_minor as discount_mrr_minor_native,
        lines.finite_discount_mrr_minor as finite_discount_mrr_minor_native,
        cast(lines.gross_mrr_minor - lines.discount_mrr_minor as decimal(38, 10))
            as net_mrr_minor_native,
        -- what counts: net of every discount (while_active), or with the finite ones added
        -- back (exclude: finite discounts never lower MRR)
        cast(lines.gross_mrr_minor - lines.discount_mrr_minor
            {%- if mode == 'exclude' %} + lines.finite_discount_mrr_minor{% endif %}
            as decimal(38, 10)) as mrr_minor_native,
        fx.units_per_usd,
        fx.reporting_units_per_usd
    from lines
    left join churn
        on lines.subscription_id = churn.subscription_id
    left join minor_units
        on lines.currency = minor_units.currency
    left join fx
        on lines.currency = fx.currency
        and {{ revtruth.utc_date('lines.period_start_at') }} = fx.rate_day
    {%- if metered_mrr == 'last_period' %}
    left join usage_period_ends
        on lines.usage_type = 'metered'
        and lines.subscription_id = usage_period_ends.subscription_id
        and lines.subscription_item_id is not distinct from usage_period_ends.subscription_item_id
        and lines.period_end_at = usage_period_ends.period_end_at
    {%- endif %}

),

final as (

    select
        *,
        {{ revtruth.to_reporting(
            revtruth.minor_to_major('mrr_minor_native', 'minor_unit_exponent'),
            'units_per_usd', 'reporting_units_per_usd') }} as mrr_amount,
        {{ revtruth.to_reporting(
            revtruth.minor_to_major('finite_discount_mrr_minor_native', 'minor_unit_exponent'),
            'units_per_usd', 'reporting_units_per_usd') }} as finite_discount_mrr_amount
    from counted

)

select * from final
