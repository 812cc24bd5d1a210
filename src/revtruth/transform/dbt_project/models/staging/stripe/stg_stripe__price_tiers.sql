with

source as (

    {{ source_columns('stripe', 'prices__tiers', [
        ('_dlt_id', 'varchar'),
        ('_dlt_parent_id', 'varchar'),
        ('_dlt_list_idx', 'integer'),
        ('up_to', 'bigint'),
        ('unit_amount', 'bigint'),
        ('unit_amount_decimal', 'decimal(38,12)'),
        ('flat_amount', 'bigint'),
        ('flat_amount_decimal', 'decimal(38,12)'),
    ]) }}

),

renamed as (

    -- Stripe sends a tier's amounts both as integers and as decimal strings (at most 12
    -- places); the decimal is read first. An amount the tier was not given is null.
    select
        -- ids
        _dlt_id as price_tier_dlt_id,
        -- the price's dlt key (`_dlt_parent_id`): joins stg_stripe__prices.price_dlt_id
        _dlt_parent_id as price_dlt_id,

        -- numerics
        -- position in the price's `tiers` list: tiers go up in this order
        _dlt_list_idx as tier_position,
        -- the last unit this tier prices; NULL for the last tier (`inf`)
        up_to,
        -- minor units of the price's currency
        coalesce(unit_amount_decimal, unit_amount) as unit_amount_minor,
        coalesce(flat_amount_decimal, flat_amount) as flat_amount_minor

    from source

)

select * from renamed
