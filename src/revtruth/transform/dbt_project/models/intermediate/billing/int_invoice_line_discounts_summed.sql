-- One row per invoice line that carries discounts: what they took off the line in total
-- and how much of it was finite (docs/metrics.md#discounts), minor units of the line's
-- currency. A discount Stripe does not describe anywhere else has ended: finite, with its
-- duration inferred (int_discounts_classified).

with

line_discounts as (

    select * from {{ ref('stg_stripe__invoice_line_discounts') }}

),

discounts as (

    select * from {{ ref('int_discounts_classified') }}

),

classified as (

    select
        line_discounts.invoice_line_dlt_id,
        line_discounts.discount_amount_minor,
        discounts.percent_off,
        coalesce(discounts.is_duration_inferred, true) as is_duration_inferred,
        coalesce(discounts.is_finite, true) as is_finite
    from line_discounts
    left join discounts
        on line_discounts.discount_id = discounts.discount_id

),

final as (

    select
        invoice_line_dlt_id,
        sum(discount_amount_minor) as discount_minor,
        sum(case when is_finite then discount_amount_minor else 0 end) as finite_discount_minor,
        max(case when is_duration_inferred then 1 else 0 end) = 1 as has_inferred_discount_duration,
        -- every discount on the line is a percentage (int_proration_discounts_chained)
        count(*) = count(percent_off) as is_percent_only
    from classified
    group by invoice_line_dlt_id

)

select * from final
