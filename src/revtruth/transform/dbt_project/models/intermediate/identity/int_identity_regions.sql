-- The countries a record's name places it in, from the regions the name mentions:
-- "Acme Japan", "Acme GmbH (DE)", "Acme US HQ", "AcmeEMEA" (docs/metrics.md#identity).
-- A name that mentions several ("Acme US North America") is in the countries all of them
-- include; a name that mentions none has no rows. The record-linkage model uses these for
-- records that store no country of their own (a product tenant): "Acme Japan" and
-- "Acme Americas" are two companies, however alike the rest of their names.

with

nodes as (

    select node_key, name_region_respelled from {{ ref('int_identity_nodes') }}

),

regions as (

    select * from {{ ref('region_countries') }}

),

names as (

    select
        node_key,
        lower(name_region_respelled) as lowered,
        -- every word between single spaces, so that a region matches whole words only
        ' ' || trim(regexp_replace(
            lower({{ revtruth.split_camel_case('name_region_respelled') }}), '[^a-z]+', ' ', 'g'
        )) || ' ' as spaced_words
    from nodes

),

mentions as (

    select
        names.node_key,
        regions.region_word,
        regions.country_code
    from names
    inner join regions
        on case
            when regions.only_in_brackets
                then {{ dbt.position("'(' || regions.region_word || ')'", 'names.lowered') }}
            else {{ dbt.position("' ' || regions.region_word || ' '", 'names.spaced_words') }}
        end > 0

),

words_per_record as (

    select node_key, count(distinct region_word) as region_words
    from mentions
    group by node_key

),

words_per_country as (

    select node_key, country_code, count(distinct region_word) as region_words
    from mentions
    group by node_key, country_code

),

final as (

    select
        words_per_country.node_key,
        words_per_country.country_code
    from words_per_country
    inner join words_per_record
        on words_per_country.node_key = words_per_record.node_key
        and words_per_country.region_words = words_per_record.region_words

)

select * from final
