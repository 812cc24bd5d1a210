with

source as (

    {{ source_columns('stripe', 'deletions', [
        ('object', 'varchar'),
        ('id', 'varchar'),
        ('deleted_at', 'bigint'),
        ('seen_by', 'varchar'),
    ]) }}

),

renamed as (

    select
        -- ids
        object as object_type,
        id as object_id,

        -- text
        seen_by as deletion_seen_by,

        -- timestamps
        {{ revtruth.epoch_to_timestamp('deleted_at') }} as deleted_at

    from source

)

select * from renamed
