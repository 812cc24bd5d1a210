with

source as (

    {{ source_columns('stripe', 'subscriptions', [
        ('id', 'varchar'),
        ('customer', 'varchar'),
        ('status', 'varchar'),
        ('currency', 'varchar'),
        ('collection_method', 'varchar'),
        ('latest_invoice', 'varchar'),
        ('discount__id', 'varchar'),
        ('discount__coupon__id', 'varchar'),
        ('discount__start', 'bigint'),
        ('discount__end', 'bigint'),
        ('cancel_at_period_end', 'boolean'),
        ('livemode', 'boolean'),
        ('created', 'bigint'),
        ('start_date', 'bigint'),
        ('current_period_start', 'bigint'),
        ('current_period_end', 'bigint'),
        ('trial_start', 'bigint'),
        ('trial_end', 'bigint'),
        ('cancel_at', 'bigint'),
        ('canceled_at', 'bigint'),
        ('ended_at', 'bigint'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as subscription_id,
        customer as customer_id,
        latest_invoice as latest_invoice_id,
        -- accounts pinned to older API versions get one `discount` here instead of a list
        discount__id as legacy_discount_id,
        discount__coupon__id as legacy_discount_coupon_id,

        -- text
        status as subscription_status,
        lower(currency) as currency,
        collection_method,

        -- booleans
        coalesce(cancel_at_period_end, false) as is_cancel_at_period_end,
        livemode as is_livemode,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('created') }} as created_at,
        {{ revtruth.epoch_to_timestamp('start_date') }} as started_at,
        -- older API versions only: current ones keep periods on the items
        {{ revtruth.epoch_to_timestamp('current_period_start') }} as legacy_current_period_start_at,
        {{ revtruth.epoch_to_timestamp('current_period_end') }} as legacy_current_period_end_at,
        {{ revtruth.epoch_to_timestamp('trial_start') }} as trial_start_at,
        {{ revtruth.epoch_to_timestamp('trial_end') }} as trial_end_at,
        {{ revtruth.epoch_to_timestamp('cancel_at') }} as cancel_at,
        {{ revtruth.epoch_to_timestamp('canceled_at') }} as canceled_at,
        {{ revtruth.epoch_to_timestamp('ended_at') }} as ended_at,
        {{ revtruth.epoch_to_timestamp('discount__start') }} as legacy_discount_start_at,
        {{ revtruth.epoch_to_timestamp('discount__end') }} as legacy_discount_end_at

    from source

)

select * from renamed
