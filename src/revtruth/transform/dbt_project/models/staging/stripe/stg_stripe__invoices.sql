with

source as (

    {{ source_columns('stripe', 'invoices', [
        ('id', 'varchar'),
        ('_dlt_id', 'varchar'),
        ('customer', 'varchar'),
        ('subscription', 'varchar'),
        ('parent__subscription_details__subscription', 'varchar'),
        ('number', 'varchar'),
        ('status', 'varchar'),
        ('billing_reason', 'varchar'),
        ('collection_method', 'varchar'),
        ('currency', 'varchar'),
        ('subtotal', 'bigint'),
        ('total', 'bigint'),
        ('amount_due', 'bigint'),
        ('amount_paid', 'bigint'),
        ('livemode', 'boolean'),
        ('created', 'bigint'),
        ('period_start', 'bigint'),
        ('period_end', 'bigint'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as invoice_id,
        -- dlt's key of the row: the invoice's child tables (lines, discounts) point at it
        _dlt_id as invoice_dlt_id,
        customer as customer_id,
        -- current API: parent.subscription_details.subscription; older versions: subscription
        coalesce(parent__subscription_details__subscription, subscription) as subscription_id,

        -- text
        number as invoice_number,
        status as invoice_status,
        billing_reason,
        collection_method,
        lower(currency) as currency,

        -- numerics (minor units of `currency`)
        subtotal as subtotal_minor,
        total as total_minor,
        amount_due as amount_due_minor,
        amount_paid as amount_paid_minor,

        -- booleans
        livemode as is_livemode,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('created') }} as created_at,
        {{ revtruth.epoch_to_timestamp('period_start') }} as period_start_at,
        {{ revtruth.epoch_to_timestamp('period_end') }} as period_end_at

    from source

)

select * from renamed
