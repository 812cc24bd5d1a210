with

source as (

    {{ source_columns('stripe', 'subscriptions__discounts', [
        ('id', 'varchar'),
        ('subscription', 'varchar'),
        ('customer', 'varchar'),
        ('source__coupon', 'varchar'),
        ('coupon__id', 'varchar'),
        ('_dlt_list_idx', 'integer'),
        ('start', 'bigint'),
        ('end', 'bigint'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as discount_id,
        subscription as subscription_id,
        customer as customer_id,
        coalesce(source__coupon, coupon__id) as coupon_id,

        -- numerics
        -- Stripe applies several discounts in the order it lists them
        _dlt_list_idx as discount_position,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('start') }} as started_at,
        {{ revtruth.epoch_to_timestamp(adapter.quote('end')) }} as ends_at

    from source

)

select * from renamed
