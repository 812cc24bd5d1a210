-- One row per Stripe discount, wherever it is described (an invoice's expanded discounts,
-- a subscription's discounts, a legacy single `discount`, a customer's discount), with its
-- coupon's terms and whether it is finite (docs/metrics.md#discounts): a coupon of duration
-- `once` or `repeating` is finite, `forever` is not. When the coupon is unknown (a bare id
-- Stripe could not expand), a discount with an end, or one no longer attached to any
-- subscription or customer, has ended: finite too (`is_duration_inferred`).

with

invoice_discounts as (

    select * from {{ ref('stg_stripe__invoice_discounts') }}

),

subscription_discounts as (

    select * from {{ ref('stg_stripe__subscription_discounts') }}

),

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

coupons as (

    select * from {{ ref('stg_stripe__coupons') }}

),

-- every place a discount is described; `is_attached`: still on a subscription or customer
described_discounts as (

    select discount_id, coupon_id, embedded_coupon_duration, ends_at, false as is_attached
    from invoice_discounts

    union all

    select discount_id, coupon_id, cast(null as {{ dbt.type_string() }}), ends_at, true
    from subscription_discounts

    union all

    select
        legacy_discount_id,
        legacy_discount_coupon_id,
        cast(null as {{ dbt.type_string() }}),
        legacy_discount_end_at,
        true
    from subscriptions
    where legacy_discount_id is not null

    union all

    select
        discount_id,
        discount_coupon_id,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_timestamp() }}),
        true
    from customers
    where discount_id is not null

),

terms as (

    select
        described_discounts.discount_id,
        max(coalesce(coupons.duration, described_discounts.embedded_coupon_duration)) as coupon_duration,
        max(coupons.percent_off) as percent_off,
        max(case when described_discounts.ends_at is not null then 1 else 0 end) = 1 as has_end,
        max(case when described_discounts.is_attached then 1 else 0 end) = 1 as is_attached
    from described_discounts
    left join coupons
        on described_discounts.coupon_id = coupons.coupon_id
    group by described_discounts.discount_id

),

final as (

    select
        discount_id,
        coupon_duration,
        percent_off,
        coupon_duration is null as is_duration_inferred,
        case
            when coupon_duration in ('once', 'repeating') then true
            when coupon_duration = 'forever' then false
            else has_end or not is_attached
        end as is_finite
    from terms

)

select * from final
