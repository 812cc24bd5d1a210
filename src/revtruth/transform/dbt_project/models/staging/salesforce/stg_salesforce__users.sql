with

source as (

    {{ source_columns('salesforce', 'user', [
        ('id', 'varchar'),
        ('name', 'varchar'),
        ('email', 'varchar'),
        ('is_active', 'boolean'),
        ('created_date', 'timestamp with time zone'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as user_id,

        -- text
        name as user_name,
        email,

        -- booleans
        coalesce(is_active, false) as is_active,

        -- timestamps
        created_date as created_at

    from source

)

select * from renamed
