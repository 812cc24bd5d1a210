-- One row per subscription item with its exact monthly amount in the item's currency,
-- minor units (METRICS.md: unit amount × quantity ÷ months per interval).

with

items as (

    select * from {{ ref('stg_stripe__subscription_items') }}

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
                'unit_amount_minor * quantity * months_denominator', 'months_numerator') }}
        end as item_mrr_minor,
        -- tiered prices carry no unit amount; they are priced in a later version
        (billing_scheme = 'tiered') as is_unpriced_tiered
    from interval_fractions

)

select * from priced
