-- One row per subscription line of a standing invoice (not draft, not void) at a recurring
-- price, with the monthly amount it bills in its own currency, minor units
-- (docs/metrics.md#mrr-history): what the line charges for its service period, net of its
-- discounts, normalised to a month with the fractions of int_subscription_items_priced.
--
-- Proration lines (mid-period changes) count at their price's full monthly rate (a tiered
-- price's tiers price the line's quantity), signed like the line, less the share their
-- discounts take, so that over their service period a credit cancels the old rate and a
-- charge adds the new one. Metered lines count 0 (`metered_mrr: zero`, the default) or
-- what they billed, per month (`last_period`). One-time prices are never MRR.

{%- set metered_mrr = revtruth.choice_var('metered_mrr', ['zero', 'last_period']) %}
{#- a metered line counts what it billed, per month (last_period), or nothing (zero) -#}
{%- set zero = 'cast(0 as decimal(38, 10))' %}
{%- set metered = metered_mrr == 'last_period' %}

with

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

lines as (

    select * from {{ ref('stg_stripe__invoice_lines') }}

),

prices as (

    select * from {{ ref('stg_stripe__prices') }}

),

price_tiers as (

    select * from {{ ref('int_price_tiers_bounded') }}

),

line_discounts as (

    select * from {{ ref('int_invoice_line_discounts_summed') }}

),

proration_shares as (

    select * from {{ ref('int_proration_discounts_chained') }}

),

subscription_lines as (

    select
        lines.invoice_line_dlt_id,
        lines.invoice_line_id,
        invoices.invoice_id,
        invoices.invoice_status,
        invoices.customer_id,
        lines.subscription_id,
        lines.subscription_item_id,
        lines.price_id,
        coalesce(lines.currency, invoices.currency) as currency,
        lines.is_proration,
        lines.amount_minor,
        lines.quantity,
        lines.period_start_at,
        lines.period_end_at,
        coalesce(prices.billing_interval, lines.embedded_billing_interval) as billing_interval,
        coalesce(prices.interval_count, lines.embedded_interval_count, 1) as interval_count,
        coalesce(prices.usage_type, lines.embedded_usage_type, 'licensed') as usage_type,
        coalesce(prices.unit_amount_minor, lines.embedded_unit_amount_minor) as unit_amount_minor,
        -- what the line's quantity costs for a whole billing period at its price: the tiers'
        -- price of it for a tiered price (NULL when its tiers did not arrive)
        case
            when prices.billing_scheme = 'tiered'
                then {{ revtruth.tiered_amount('price_tiers', 'lines.quantity') }}
            else coalesce(prices.unit_amount_minor, lines.embedded_unit_amount_minor) * lines.quantity
        end as full_period_amount_minor,
        coalesce(line_discounts.discount_minor, 0) as discount_minor,
        coalesce(line_discounts.finite_discount_minor, 0) as finite_discount_minor,
        coalesce(line_discounts.has_inferred_discount_duration, false) as has_inferred_discount_duration,
        proration_shares.discount_share as percent_discount_share,
        proration_shares.finite_discount_share as percent_finite_discount_share
    from lines
    inner join invoices
        on lines.invoice_dlt_id = invoices.invoice_dlt_id
    left join prices
        on lines.price_id = prices.price_id
    left join price_tiers
        on prices.billing_scheme = 'tiered'
        and lines.price_id = price_tiers.price_id
        and {{ revtruth.tier_holds_quantity('price_tiers', 'lines.quantity') }}
    left join line_discounts
        on lines.invoice_line_dlt_id = line_discounts.invoice_line_dlt_id
    left join proration_shares
        on lines.invoice_line_dlt_id = proration_shares.invoice_line_dlt_id
    where invoices.invoice_status not in ('draft', 'void')
        and lines.subscription_id is not null
        and (lines.subscription_item_id is not null or lines.is_proration)

),

-- months per billing period as a fraction: monthly = amount × denominator ÷ numerator
interval_fractions as (

    select
        *,
        {{ revtruth.months_numerator('billing_interval', 'interval_count') }} as months_numerator,
        {{ revtruth.months_denominator('billing_interval') }} as months_denominator
    from subscription_lines
    where billing_interval in ('day', 'week', 'month', 'year')

),

gross as (

    select
        *,
        case
            when usage_type = 'metered' then {{ revtruth.per_month('amount_minor') if metered else zero }}
            when is_proration and amount_minor = 0 then cast(0 as decimal(38, 10))
            -- a proration bills part of a period: its rate is the price's, signed like the line
            when is_proration then sign(amount_minor) * {{ revtruth.per_month('full_period_amount_minor') }}
            else {{ revtruth.per_month('amount_minor') }}
        end as gross_mrr_minor,
        -- the share of a proration line its discounts take, applied to its full rate: the
        -- coupons' percentages, else (an amount off) the share of the line they took
        cast(case
            when not is_proration or amount_minor = 0 then null
            when percent_discount_share is not null then percent_discount_share
            when discount_minor = 0 then 0
            else {{ revtruth.decimal_divide('abs(discount_minor)', 'abs(amount_minor)', 12) }}
        end as decimal(38, 12)) as proration_discount_share,
        cast(case
            when not is_proration or amount_minor = 0 then null
            when percent_finite_discount_share is not null then percent_finite_discount_share
            when finite_discount_minor = 0 then 0
            else {{ revtruth.decimal_divide('abs(finite_discount_minor)', 'abs(amount_minor)', 12) }}
        end as decimal(38, 12)) as proration_finite_discount_share
    from interval_fractions

),

final as (

    select
        *,
        case
            when usage_type = 'metered' then {{ revtruth.per_month('discount_minor') if metered else zero }}
            when is_proration
                then cast(round(coalesce(gross_mrr_minor * proration_discount_share, 0), 10) as decimal(38, 10))
            else {{ revtruth.per_month('discount_minor') }}
        end as discount_mrr_minor,
        case
            when usage_type = 'metered' then {{ revtruth.per_month('finite_discount_minor') if metered else zero }}
            when is_proration
                then cast(round(coalesce(gross_mrr_minor * proration_finite_discount_share, 0), 10) as decimal(38, 10))
            else {{ revtruth.per_month('finite_discount_minor') }}
        end as finite_discount_mrr_minor
    from gross

)

select * from final
