with

source as (

    {{ source_columns('salesforce', 'account', [
        ('id', 'varchar'),
        ('owner_id', 'varchar'),
        ('stripe_customer_id__c', 'varchar'),
        ('name', 'varchar'),
        ('type', 'varchar'),
        ('industry', 'varchar'),
        ('website', 'varchar'),
        ('billing_country', 'varchar'),
        ('number_of_employees', 'bigint'),
        ('is_deleted', 'boolean'),
        ('created_date', 'timestamp with time zone'),
        ('system_modstamp', 'timestamp with time zone'),
    ]) }}

),

renamed as (

    select
        -- ids
        id as account_id,
        owner_id,
        nullif(trim(stripe_customer_id__c), '') as stripe_customer_id,

        -- text
        name as account_name,
        type as account_type,
        industry,
        website,
        billing_country,

        -- numerics
        number_of_employees,

        -- booleans
        coalesce(is_deleted, false) as is_deleted,

        -- timestamps
        created_date as created_at,
        system_modstamp as modified_at

    from source

)

select * from renamed
