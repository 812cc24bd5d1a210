with

source as (

    {{ source_columns('stripe', 'coupons', [
        ('id', 'varchar'),
        ('name', 'varchar'),
        ('duration', 'varchar'),
        ('currency', 'varchar'),
        ('percent_off', 'decimal(9,4)'),
        ('amount_off', 'bigint'),
        ('duration_in_months', 'integer'),
        ('valid', 'boolean'),
        ('created', 'bigint'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as coupon_id,

        -- text
        name as coupon_name,
        duration,
        lower(currency) as currency,

        -- numerics
        percent_off,
        amount_off as amount_off_minor,
        duration_in_months,

        -- booleans
        valid as is_valid,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('created') }} as created_at

    from source

)

select * from renamed
