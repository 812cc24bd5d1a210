-- One row per subscription item with its exact monthly amount in the item's currency,
-- minor units (METRICS.md: unit amount × quantity ÷ months per interval; a tiered price
-- prices the quantity with its tiers).

with

items as (

    select * from {{ ref('stg_stripe__subscription_items') }}

),

price_tiers as (

    select * from {{ ref('int_price_tiers_bounded') }}

),

-- months per interval as a fraction, so that a week (12/52 of a month) stays exact:
-- item_mrr = amount × months_denominator ÷ months_numerator
interval_fractions as (

    select
        *,
        case billing_interval
            when 'month' then interval_count
            when 'year' then 12 * interval_count
            when 'week' then 12 * interval_count
            when 'day' then 12 * interval_count
        end as months_numerator,
        case billing_interval
            when 'week' then 52
            when 'day' then 365
            else 1
        end as months_denominator
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
    from interval_fractions
    left join price_tiers
        on interval_fractions.billing_scheme = 'tiered'
        and interval_fractions.price_id = price_tiers.price_id
        and {{ revtruth.tier_holds_quantity('price_tiers', 'interval_fractions.quantity') }}

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
            -- usage-based amounts are not committed recurring revenue (METRICS.md default)
            when usage_type = 'metered' then cast(0 as decimal(38, 10))
            else {{ revtruth.decimal_divide(
                'period_amount_minor * months_denominator', 'months_numerator') }}
        end as item_mrr_minor,
        -- a tiered price whose tiers are unknown (not synced) cannot be priced
        (usage_type <> 'metered' and billing_scheme = 'tiered' and period_amount_minor is null)
            as is_unpriced_tiered
    from period_amounts

)

select * from priced
