with

source as (

    {{ source_columns('product_db', 'users', [
        ('id', 'varchar'),
        ('tenant_id', 'varchar'),
        ('email', 'varchar'),
        ('full_name', 'varchar'),
        ('role', 'varchar'),
        ('created_at', 'timestamp with time zone'),
    ]) }}

),

renamed as (

    select
        -- ids
        lower(id) as user_id,
        lower(tenant_id) as tenant_id,

        -- text
        email,
        lower(trim(email)) as email_normalized,
        full_name,
        role as user_role,

        -- timestamps
        created_at

    from source

)

select * from renamed
