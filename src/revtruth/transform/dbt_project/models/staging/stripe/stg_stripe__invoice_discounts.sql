with

source as (

    {{ source_columns('stripe', 'invoices__discounts', [
        ('_dlt_parent_id', 'varchar'),
        ('_dlt_list_idx', 'integer'),
        ('id', 'varchar'),
        ('value', 'varchar'),
        ('customer', 'varchar'),
        ('subscription', 'varchar'),
        ('source__coupon', 'varchar'),
        ('coupon__id', 'varchar'),
        ('coupon__duration', 'varchar'),
        ('start', 'bigint'),
        ('end', 'bigint'),
    ]) }}

),

renamed as (

    -- `discounts` is expanded when synced; a discount Stripe could not expand stays a bare
    -- id, which dlt stores in `value`.
    select
        -- ids
        _dlt_parent_id as invoice_dlt_id,
        coalesce(id, value) as discount_id,
        customer as customer_id,
        subscription as subscription_id,
        -- current API: source.coupon; older versions: the whole coupon object
        coalesce(source__coupon, coupon__id) as coupon_id,

        -- text
        coupon__duration as embedded_coupon_duration,

        -- numerics
        _dlt_list_idx as discount_position,

        -- booleans
        (id is not null) as is_expanded,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('start') }} as started_at,
        {{ revtruth.epoch_to_timestamp(adapter.quote('end')) }} as ends_at

    from source

)

select * from renamed
