with

source as (

    {{ source_columns('stripe', 'invoices__lines__data__discount_amounts', [
        ('_dlt_parent_id', 'varchar'),
        ('_dlt_list_idx', 'integer'),
        ('discount', 'varchar'),
        ('amount', 'bigint'),
    ]) }}

),

renamed as (

    select
        -- ids
        _dlt_parent_id as invoice_line_dlt_id,
        discount as discount_id,

        -- numerics
        _dlt_list_idx as discount_position,
        -- minor units of the line's currency taken off the line by this discount
        amount as discount_amount_minor

    from source

)

select * from renamed
