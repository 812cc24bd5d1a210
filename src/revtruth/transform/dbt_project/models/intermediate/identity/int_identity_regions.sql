-- The countries a record's name places it in, from the regions the name mentions:
-- "Acme Japan", "Acme GmbH (DE)", "Acme US HQ", "AcmeEMEA" (docs/metrics.md#identity).
-- A name that mentions several ("Acme US North America") is in the countries all of them
-- include; where they include none in common, the last is the tag and the others are part
-- of the name ("Solar Media Canada Europe" is Solar Media Canada's European account); a
-- name that mentions none has no rows. The record-linkage model uses these for
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
        regions.country_code,
        -- where the region is mentioned: the last one is the tag
        case
            when regions.only_in_brackets
                then {{ dbt.position("'(' || regions.region_word || ')'", 'names.lowered') }}
            else {{ dbt.position("' ' || regions.region_word || ' '", 'names.spaced_words') }}
        end as mentioned_at
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

in_every_region as (

    select
        words_per_country.node_key,
        words_per_country.country_code
    from words_per_country
    inner join words_per_record
        on words_per_country.node_key = words_per_record.node_key
        and words_per_country.region_words = words_per_record.region_words

),

last_mentioned as (

    select
        node_key,
        region_word,
        row_number() over (
            partition by node_key order by mentioned_at desc, region_word
        ) as from_the_end
    from (select distinct node_key, region_word, mentioned_at from mentions) as distinct_mentions

),

in_the_last_region as (

    select mentions.node_key, mentions.country_code
    from mentions
    inner join last_mentioned
        on mentions.node_key = last_mentioned.node_key
        and mentions.region_word = last_mentioned.region_word
        and last_mentioned.from_the_end = 1
    where mentions.node_key not in (select node_key from in_every_region)

),

final as (

    select node_key, country_code from in_every_region
    union all
    select distinct node_key, country_code from in_the_last_region

)

select * from final
