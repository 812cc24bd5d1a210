with

source as (

    {{ source_columns('stripe', 'prices', [
        ('id', 'varchar'),
        ('_dlt_id', 'varchar'),
        ('product', 'varchar'),
        ('nickname', 'varchar'),
        ('lookup_key', 'varchar'),
        ('currency', 'varchar'),
        ('type', 'varchar'),
        ('billing_scheme', 'varchar'),
        ('tiers_mode', 'varchar'),
        ('recurring__interval', 'varchar'),
        ('recurring__usage_type', 'varchar'),
        ('unit_amount', 'bigint'),
        ('unit_amount_decimal', 'decimal(38,12)'),
        ('recurring__interval_count', 'integer'),
        ('active', 'boolean'),
        ('created', 'bigint'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as price_id,
        -- dlt's key of the row: the price's tiers (stg_stripe__price_tiers) point at it
        _dlt_id as price_dlt_id,
        product as product_id,

        -- text
        nickname as price_nickname,
        lookup_key,
        lower(currency) as currency,
        type as price_type,
        coalesce(billing_scheme, 'per_unit') as billing_scheme,
        -- volume or graduated for tiered prices, NULL otherwise
        tiers_mode,
        recurring__interval as billing_interval,
        coalesce(recurring__usage_type, case when recurring__interval is not null then 'licensed' end)
            as usage_type,

        -- numerics
        -- minor units of `currency`, with Stripe's decimal precision; NULL for tiered prices
        coalesce(unit_amount_decimal, unit_amount) as unit_amount_minor,
        coalesce(recurring__interval_count, case when recurring__interval is not null then 1 end)
            as interval_count,

        -- booleans
        active as is_active,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('created') }} as created_at

    from source

)

select * from renamed
