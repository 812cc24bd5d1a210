with

source as (

    {{ source_columns('stripe', 'events', [
        ('id', 'varchar'),
        ('type', 'varchar'),
        ('api_version', 'varchar'),
        ('data', 'json'),
        ('created', 'bigint'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as event_id,
        {{ revtruth.json_text('data', 'object.id') }} as object_id,
        -- the customer the event is about: the object's own id when it is a customer
        case
            when {{ revtruth.json_text('data', 'object.object') }} = 'customer'
                then {{ revtruth.json_text('data', 'object.id') }}
            else {{ revtruth.json_text('data', 'object.customer') }}
        end as customer_id,

        -- text
        type as event_type,
        {{ revtruth.json_text('data', 'object.object') }} as object_type,
        api_version,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('created') }} as created_at

    from source

)

select * from renamed
