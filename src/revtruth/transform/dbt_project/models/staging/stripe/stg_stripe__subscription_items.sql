with

source as (

    {{ source_columns('stripe', 'subscriptions__items__data', [
        ('id', 'varchar'),
        ('subscription', 'varchar'),
        ('price__id', 'varchar'),
        ('price__product', 'varchar'),
        ('price__currency', 'varchar'),
        ('price__billing_scheme', 'varchar'),
        ('price__recurring__interval', 'varchar'),
        ('price__recurring__usage_type', 'varchar'),
        ('plan__id', 'varchar'),
        ('plan__product', 'varchar'),
        ('plan__currency', 'varchar'),
        ('plan__billing_scheme', 'varchar'),
        ('plan__interval', 'varchar'),
        ('plan__usage_type', 'varchar'),
        ('price__unit_amount', 'bigint'),
        ('price__unit_amount_decimal', 'decimal(38,12)'),
        ('price__recurring__interval_count', 'integer'),
        ('plan__amount', 'bigint'),
        ('plan__amount_decimal', 'decimal(38,12)'),
        ('plan__interval_count', 'integer'),
        ('quantity', 'bigint'),
        ('created', 'bigint'),
        ('current_period_start', 'bigint'),
        ('current_period_end', 'bigint'),
    ]) }}

),

renamed as (

    -- Current API versions send `price` (and a legacy copy in `plan`); accounts pinned to
    -- older versions send only `plan`. Each field reads the price first, then the plan.
    select
        -- ids
        id as subscription_item_id,
        subscription as subscription_id,
        coalesce(price__id, plan__id) as price_id,
        coalesce(price__product, plan__product) as product_id,

        -- text
        lower(coalesce(price__currency, plan__currency)) as currency,
        coalesce(price__billing_scheme, plan__billing_scheme, 'per_unit') as billing_scheme,
        coalesce(price__recurring__interval, plan__interval) as billing_interval,
        coalesce(price__recurring__usage_type, plan__usage_type, 'licensed') as usage_type,

        -- numerics
        coalesce(price__unit_amount_decimal, price__unit_amount,
                 plan__amount_decimal, plan__amount) as unit_amount_minor,
        coalesce(price__recurring__interval_count, plan__interval_count, 1) as interval_count,
        coalesce(quantity, 1) as quantity,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('created') }} as created_at,
        {{ revtruth.epoch_to_timestamp('current_period_start') }} as current_period_start_at,
        {{ revtruth.epoch_to_timestamp('current_period_end') }} as current_period_end_at

    from source

)

select * from renamed
