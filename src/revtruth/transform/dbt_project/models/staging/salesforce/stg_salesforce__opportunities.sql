with

source as (

    {{ source_columns('salesforce', 'opportunity', [
        ('id', 'varchar'),
        ('account_id', 'varchar'),
        ('owner_id', 'varchar'),
        ('name', 'varchar'),
        ('stage_name', 'varchar'),
        ('type', 'varchar'),
        ('currency_iso_code', 'varchar'),
        ('amount', 'decimal(18,2)'),
        ('probability', 'decimal(18,4)'),
        ('is_closed', 'boolean'),
        ('is_won', 'boolean'),
        ('is_deleted', 'boolean'),
        ('close_date', 'date'),
        ('created_date', 'timestamp with time zone'),
        ('system_modstamp', 'timestamp with time zone'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as opportunity_id,
        account_id,
        owner_id,

        -- text
        name as opportunity_name,
        stage_name,
        type as opportunity_type,
        lower(currency_iso_code) as currency,

        -- numerics
        amount,
        probability,

        -- booleans
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        coalesce(is_deleted, false) as is_deleted,

        -- dates and timestamps
        close_date,
        created_date as created_at,
        system_modstamp as modified_at

    from source

)

select * from renamed
