-- The discounts that apply to each subscription, in the order Stripe lists them, with the
-- coupon's terms. Reads both API shapes: a list of discounts (current) or a single
-- `discount` (accounts pinned to older versions). A customer-level discount applies to
-- every subscription of that customer that has none of its own (docs/metrics.md#discounts).

with

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

listed_discounts as (

    select * from {{ ref('stg_stripe__subscription_discounts') }}

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

coupons as (

    select * from {{ ref('stg_stripe__coupons') }}

),

subscription_level as (

    select subscription_id, discount_id, coupon_id, discount_position, 'subscription' as discount_level
    from listed_discounts

    union all

    select subscription_id, legacy_discount_id, legacy_discount_coupon_id, 0, 'subscription'
    from subscriptions
    where legacy_discount_coupon_id is not null

),

customer_level as (

    select
        subscriptions.subscription_id,
        customers.discount_id,
        customers.discount_coupon_id as coupon_id,
        0 as discount_position,
        'customer' as discount_level
    from subscriptions
    inner join customers
        on subscriptions.customer_id = customers.customer_id
    where customers.discount_coupon_id is not null
        and subscriptions.subscription_id not in (select subscription_id from subscription_level)

),

all_discounts as (

    select * from subscription_level
    union all
    select * from customer_level

),

final as (

    select
        all_discounts.subscription_id,
        all_discounts.discount_id,
        all_discounts.coupon_id,
        all_discounts.discount_level,
        row_number() over (
            partition by all_discounts.subscription_id
            order by all_discounts.discount_position, all_discounts.discount_id
        ) as application_order,
        coupons.duration,
        coupons.percent_off,
        coupons.amount_off_minor,
        coupons.currency as amount_off_currency
    from all_discounts
    left join coupons
        on all_discounts.coupon_id = coupons.coupon_id

)

select * from final
