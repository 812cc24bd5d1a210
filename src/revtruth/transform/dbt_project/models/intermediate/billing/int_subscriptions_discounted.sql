-- One row per subscription with items: what its items cost per month, and what is left
-- after its discounts (docs/metrics.md#discounts), in its own currency, minor units. Each
-- discount is one step x → x × (1 − percent/100) − amount_off ÷ months per interval, in the
-- order Stripe lists them (int_subscription_discounts_ordered), never below 0. An amount off
-- in another currency cannot apply (Stripe refuses it too); with `discount_duration_mode:
-- exclude` finite discounts do not apply either.

{%- set mode = revtruth.choice_var('discount_duration_mode', ['while_active', 'exclude']) %}

with recursive

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

items as (

    select * from {{ ref('int_subscription_items_priced') }}

),

discounts as (

    select * from {{ ref('int_subscription_discounts_ordered') }}

),

item_totals as (

    select
        subscription_id,
        sum(item_mrr_minor) as gross_mrr_minor,
        -- every item of a subscription shares one interval (Stripe enforces it)
        max(months_numerator) as months_numerator,
        max(months_denominator) as months_denominator,
        max(current_period_start_at) as item_period_start_at,
        max(current_period_end_at) as item_period_end_at,
        count(*) as item_count,
        sum(case when is_unpriced_tiered then 1 else 0 end) as unpriced_tiered_items
    from items
    group by subscription_id

),

applicable_discounts as (

    select
        discounts.subscription_id,
        discounts.application_order,
        coalesce(discounts.percent_off, 0) as percent_off,
        case
            when discounts.amount_off_minor is null then cast(0 as decimal(38, 10))
            else {{ revtruth.decimal_divide(
                'discounts.amount_off_minor * item_totals.months_denominator',
                'item_totals.months_numerator') }}
        end as amount_off_monthly_minor
    from discounts
    inner join item_totals
        on discounts.subscription_id = item_totals.subscription_id
    inner join subscriptions
        on discounts.subscription_id = subscriptions.subscription_id
    where (discounts.amount_off_minor is null
        or discounts.amount_off_currency = subscriptions.currency)
    {%- if mode == 'exclude' %}
        and discounts.duration = 'forever'
    {%- endif %}

),

-- numbered after the filter, so a skipped discount leaves no gap in the chain of steps
discount_steps as (

    select
        subscription_id,
        row_number() over (partition by subscription_id order by application_order) as application_order,
        percent_off,
        amount_off_monthly_minor
    from applicable_discounts

),

discounted (subscription_id, application_order, mrr_minor) as (

    select subscription_id, 0, cast(gross_mrr_minor as decimal(38, 10))
    from item_totals

    union all

    select
        discounted.subscription_id,
        discounted.application_order + 1,
        cast(greatest(
            discounted.mrr_minor * (100 - discount_steps.percent_off) * 0.01
                - discount_steps.amount_off_monthly_minor,
            0
        ) as decimal(38, 10))
    from discounted
    inner join discount_steps
        on discounted.subscription_id = discount_steps.subscription_id
        and discount_steps.application_order = discounted.application_order + 1

),

last_steps as (

    select
        subscription_id,
        mrr_minor,
        row_number() over (partition by subscription_id order by application_order desc) as step_rank
    from discounted

),

final as (

    select
        item_totals.subscription_id,
        item_totals.item_count,
        item_totals.unpriced_tiered_items,
        item_totals.item_period_start_at,
        item_totals.item_period_end_at,
        item_totals.months_numerator,
        item_totals.months_denominator,
        item_totals.gross_mrr_minor as gross_mrr_minor_native,
        last_steps.mrr_minor as net_mrr_minor_native
    from item_totals
    inner join last_steps
        on item_totals.subscription_id = last_steps.subscription_id
        and last_steps.step_rank = 1

)

select * from final
