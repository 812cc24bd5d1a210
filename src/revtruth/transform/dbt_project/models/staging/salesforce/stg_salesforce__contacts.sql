with

source as (

    {{ source_columns('salesforce', 'contact', [
        ('id', 'varchar'),
        ('account_id', 'varchar'),
        ('first_name', 'varchar'),
        ('last_name', 'varchar'),
        ('email', 'varchar'),
        ('title', 'varchar'),
        ('is_deleted', 'boolean'),
        ('created_date', 'timestamp with time zone'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as contact_id,
        account_id,

        -- text
        first_name,
        last_name,
        email,
        lower(trim(email)) as email_normalized,
        title,

        -- booleans
        coalesce(is_deleted, false) as is_deleted,

        -- timestamps
        created_date as created_at

    from source

)

select * from renamed
