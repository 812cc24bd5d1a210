with

source as (

    {{ source_columns('product_db', 'user_activity_logs', [
        ('id', 'bigint'),
        ('tenant_id', 'varchar'),
        ('user_id', 'varchar'),
        ('event_type', 'varchar'),
        ('occurred_at', 'timestamp with time zone'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as login_event_id,
        lower(tenant_id) as tenant_id,
        lower(user_id) as user_id,

        -- text
        event_type,

        -- dates and timestamps
        occurred_at,
        -- the UTC date, whatever the warehouse session's time zone
        {{ revtruth.utc_date('occurred_at') }} as event_date

    from source

)

select * from renamed
