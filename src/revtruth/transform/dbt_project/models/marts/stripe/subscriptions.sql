with

subscriptions_mrr as (

    select * from {{ ref('int_subscriptions_mrr') }}

),

final as (

    select
        subscription_id,
        customer_id,
        subscription_status,
        currency,
        cast(mrr_amount as decimal(38, 10)) as mrr_amount,
        cast(12 * mrr_amount as decimal(38, 10)) as arr_amount,
        cast(mrr_amount_native as decimal(38, 10)) as mrr_amount_native,
        cast(mrr_minor_native as decimal(38, 10)) as mrr_minor_native,
        cast(gross_mrr_minor_native as decimal(38, 10)) as gross_mrr_minor_native,
        is_counted_in_mrr,
        is_cancel_at_period_end,
        has_unpriced_tiered_items,
        collection_method,
        item_count,
        current_period_start_at,
        current_period_end_at,
        created_at,
        started_at,
        trial_start_at,
        trial_end_at,
        canceled_at,
        ended_at
    from subscriptions_mrr

)

select * from final
