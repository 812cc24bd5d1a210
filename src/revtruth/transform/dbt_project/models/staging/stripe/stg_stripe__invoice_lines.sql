with

source as (

    {{ source_columns('stripe', 'invoices__lines__data', [
        ('id', 'varchar'),
        ('_dlt_id', 'varchar'),
        ('_dlt_parent_id', 'varchar'),
        ('_dlt_list_idx', 'integer'),
        ('invoice', 'varchar'),
        ('subscription', 'varchar'),
        ('parent__subscription_item_details__subscription', 'varchar'),
        ('parent__invoice_item_details__subscription', 'varchar'),
        ('parent__subscription_item_details__subscription_item', 'varchar'),
        ('subscription_item', 'varchar'),
        ('pricing__price_details__price', 'varchar'),
        ('price__id', 'varchar'),
        ('plan__id', 'varchar'),
        ('parent__type', 'varchar'),
        ('type', 'varchar'),
        ('currency', 'varchar'),
        ('description', 'varchar'),
        ('price__recurring__interval', 'varchar'),
        ('price__recurring__usage_type', 'varchar'),
        ('plan__interval', 'varchar'),
        ('plan__usage_type', 'varchar'),
        ('amount', 'bigint'),
        ('quantity', 'bigint'),
        ('price__unit_amount', 'bigint'),
        ('price__unit_amount_decimal', 'decimal(38,12)'),
        ('plan__amount', 'bigint'),
        ('plan__amount_decimal', 'decimal(38,12)'),
        ('price__recurring__interval_count', 'integer'),
        ('plan__interval_count', 'integer'),
        ('parent__subscription_item_details__proration', 'boolean'),
        ('parent__invoice_item_details__proration', 'boolean'),
        ('proration', 'boolean'),
        ('period__start', 'bigint'),
        ('period__end', 'bigint'),
    ]) }}

),

renamed as (

    -- Current API versions describe where a line comes from in `parent` and its price in
    -- `pricing`; accounts pinned to older versions send `subscription`, `subscription_item`,
    -- `proration` and the whole `price` (and legacy `plan`) on the line. Each field reads
    -- the current shape first.
    select
        -- ids
        id as invoice_line_id,
        _dlt_id as invoice_line_dlt_id,
        _dlt_parent_id as invoice_dlt_id,
        invoice as invoice_id,
        coalesce(parent__subscription_item_details__subscription,
                 parent__invoice_item_details__subscription, subscription) as subscription_id,
        coalesce(parent__subscription_item_details__subscription_item, subscription_item)
            as subscription_item_id,
        coalesce(pricing__price_details__price, price__id, plan__id) as price_id,

        -- text
        -- subscription_item_details / invoice_item_details (current); subscription / invoiceitem (older)
        coalesce(parent__type, type) as line_type,
        lower(currency) as currency,
        description,
        -- the price as embedded in the line (older versions only; current ones refer to it by id)
        coalesce(price__recurring__interval, plan__interval) as embedded_billing_interval,
        coalesce(price__recurring__usage_type, plan__usage_type) as embedded_usage_type,

        -- numerics
        _dlt_list_idx as line_position,
        -- minor units of `currency`, before discounts, excluding tax; negative for credits
        amount as amount_minor,
        coalesce(quantity, 1) as quantity,
        coalesce(price__unit_amount_decimal, price__unit_amount,
                 plan__amount_decimal, plan__amount) as embedded_unit_amount_minor,
        coalesce(price__recurring__interval_count, plan__interval_count) as embedded_interval_count,

        -- booleans
        coalesce(parent__subscription_item_details__proration,
                 parent__invoice_item_details__proration, proration, false) as is_proration,

        -- timestamps: the service period the line bills, [start, end)
        {{ revtruth.epoch_to_timestamp('period__start') }} as period_start_at,
        {{ revtruth.epoch_to_timestamp('period__end') }} as period_end_at

    from source

)

select * from renamed
