with

source as (

    {{ source_columns('stripe', 'customers', [
        ('id', 'varchar'),
        ('email', 'varchar'),
        ('name', 'varchar'),
        ('currency', 'varchar'),
        ('address__country', 'varchar'),
        ('metadata__salesforce_account_id', 'varchar'),
        ('discount__id', 'varchar'),
        ('discount__source__coupon', 'varchar'),
        ('discount__coupon__id', 'varchar'),
        ('delinquent', 'boolean'),
        ('livemode', 'boolean'),
        ('created', 'bigint'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as customer_id,
        metadata__salesforce_account_id as metadata_salesforce_account_id,
        discount__id as discount_id,
        -- current API: discount.source.coupon; older versions: discount.coupon (an object)
        coalesce(discount__source__coupon, discount__coupon__id) as discount_coupon_id,

        -- text
        email,
        lower(trim(email)) as email_normalized,
        name as customer_name,
        lower(currency) as currency,
        address__country as country,

        -- booleans
        coalesce(delinquent, false) as is_delinquent,
        livemode as is_livemode,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('created') }} as created_at

    from source

)

select * from renamed
