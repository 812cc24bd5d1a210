with

source as (

    {{ source_columns('product_db', 'tenants', [
        ('id', 'varchar'),
        ('stripe_customer_id', 'varchar'),
        ('name', 'varchar'),
        ('slug', 'varchar'),
        ('plan_tier', 'varchar'),
        ('created_at', 'timestamp with time zone'),
    ]) }}

),

renamed as (

    select
        -- ids: UUIDs as lower-case text, the one form every relation uses
        lower(id) as tenant_id,
        nullif(trim(stripe_customer_id), '') as stripe_customer_id,

        -- text
        name as tenant_name,
        slug,
        plan_tier,

        -- timestamps
        created_at

    from source

)

select * from renamed
