-- One row per subscription item with its exact monthly amount in the item's currency,
-- minor units (docs/metrics.md#mrr-of-a-subscription-item: unit amount × quantity ÷ months per interval; a tiered price
-- prices the quantity with its tiers). A metered item is 0 (`metered_mrr: zero`, the
-- default), or with `metered_mrr: last_period` what its last closed period billed: its usage
-- lines of standing invoices whose service period ended by the as-of instant, the latest
-- such period (its lines summed), net of their discounts, normalised to a month.

{%- set metered_mrr = revtruth.choice_var('metered_mrr', ['zero', 'last_period']) %}

with

items as (

    select * from {{ ref('stg_stripe__subscription_items') }}

),

price_tiers as (

    select * from {{ ref('int_price_tiers_bounded') }}

),

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

invoice_lines as (

    select * from {{ ref('stg_stripe__invoice_lines') }}

),

invoice_line_discounts as (

    select * from {{ ref('stg_stripe__invoice_line_discounts') }}

),

{%- if metered_mrr == 'last_period' %}

line_discount_totals as (

    select invoice_line_dlt_id, sum(discount_amount_minor) as discount_minor
    from invoice_line_discounts
    group by invoice_line_dlt_id

),

-- the items' lines of standing invoices (not draft, not void) whose service period has
-- ended by the as-of instant, net of their discounts
closed_usage_lines as (

    select
        invoice_lines.subscription_item_id,
        invoice_lines.period_end_at,
        invoice_lines.amount_minor - coalesce(line_discount_totals.discount_minor, 0) as net_amount_minor,
        rank() over (
            partition by invoice_lines.subscription_item_id
            order by invoice_lines.period_end_at desc
        ) as period_rank
    from invoice_lines
    inner join invoices
        on invoice_lines.invoice_dlt_id = invoices.invoice_dlt_id
    left join line_discount_totals
        on invoice_lines.invoice_line_dlt_id = line_discount_totals.invoice_line_dlt_id
    where invoices.invoice_status not in ('draft', 'void')
        and invoice_lines.subscription_item_id is not null
        and invoice_lines.period_end_at <= {{ revtruth.as_of_instant() }}

),

-- what each item's last closed period billed
last_closed_periods as (

    select subscription_item_id, sum(net_amount_minor) as last_period_amount_minor
    from closed_usage_lines
    where period_rank = 1
    group by subscription_item_id

),

{%- endif %}

-- months per interval as a fraction, so that a week (12/52 of a month) stays exact:
-- item_mrr = amount × months_denominator ÷ months_numerator
interval_fractions as (

    select
        *,
        {{ revtruth.months_numerator('billing_interval', 'interval_count') }} as months_numerator,
        {{ revtruth.months_denominator('billing_interval') }} as months_denominator
    from items

),

-- what the item costs per billing period: unit amount × quantity, or the tiers' price of
-- the quantity (NULL for a tiered price whose tiers did not arrive)
period_amounts as (

    select
        interval_fractions.*,
        case
            when interval_fractions.billing_scheme = 'tiered'
                then {{ revtruth.tiered_amount('price_tiers', 'interval_fractions.quantity') }}
            else interval_fractions.unit_amount_minor * interval_fractions.quantity
        end as period_amount_minor
        {%- if metered_mrr == 'last_period' %},
        coalesce(last_closed_periods.last_period_amount_minor, 0) as last_period_amount_minor
        {%- endif %}
    from interval_fractions
    left join price_tiers
        on interval_fractions.billing_scheme = 'tiered'
        and interval_fractions.price_id = price_tiers.price_id
        and {{ revtruth.tier_holds_quantity('price_tiers', 'interval_fractions.quantity') }}
    {%- if metered_mrr == 'last_period' %}
    left join last_closed_periods
        on interval_fractions.usage_type = 'metered'
        and interval_fractions.subscription_item_id = last_closed_periods.subscription_item_id
    {%- endif %}

),

priced as (

    select
        subscription_item_id,
        subscription_id,
        price_id,
        product_id,
        currency,
        billing_interval,
        interval_count,
        usage_type,
        billing_scheme,
        quantity,
        unit_amount_minor,
        months_numerator,
        months_denominator,
        current_period_start_at,
        current_period_end_at,
        case
            {%- if metered_mrr == 'last_period' %}
            -- usage-based: what the last closed period billed, per month
            when usage_type = 'metered' then {{ revtruth.decimal_divide(
                'last_period_amount_minor * months_denominator', 'months_numerator') }}
            {%- else %}
            -- usage-based amounts are not committed recurring revenue (docs/metrics.md#tiered-and-metered-prices)
            when usage_type = 'metered' then cast(0 as decimal(38, 10))
            {%- endif %}
            else {{ revtruth.decimal_divide(
                'period_amount_minor * months_denominator', 'months_numerator') }}
        end as item_mrr_minor,
        -- a tiered price whose tiers are unknown (not synced) cannot be priced
        (usage_type <> 'metered' and billing_scheme = 'tiered' and period_amount_minor is null)
            as is_unpriced_tiered
    from period_amounts

)

select * from priced
