-- One row per record that stands for a company in some system: a Stripe customer, a
-- Salesforce account, a product tenant (docs/metrics.md#identity). `node_key` is
-- "<source>:<id>"; the name as the system spells it and reduced to what identifies the
-- company (`name_key`); the company domain the record gives away most directly (never a
-- free-mail one); the country; and when the record first appeared, for the lifecycle
-- timing a deal, a billing customer and a tenant share.

with

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}
    where not is_deleted

),

tenants as (

    select * from {{ ref('stg_product_db__tenants') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted

),

domains as (

    select * from {{ ref('int_identity_domains') }}

),

-- the region words a name may carry at its end ("Acme Partners - Canada", "Acme GmbH
-- Deutschland")
region_words as (

    select region_word
    from {{ ref('region_countries') }}
    where not only_in_brackets

),

-- the domain most of a record's own emails share (a tenant's users, an account's website
-- first, then its contacts); ties go to the alphabetically first
primary_domains as (

    select node_key, domain
    from (
        select
            node_key,
            domain,
            row_number() over (
                partition by node_key
                order by case when is_direct then 0 else 1 end,
                    email_count desc,
                    domain
            ) as domain_rank
        from domains
    ) as ranked
    where domain_rank = 1

),

-- a CRM account appears when sales first won it, else when it was created
first_won as (

    select account_id, min(close_date) as first_won_on
    from opportunities
    where is_won
    group by account_id

),

system_records as (

    select
        'stripe:' || customer_id as node_key,
        'stripe' as source,
        customer_id as source_id,
        customer_name as display_name,
        country,
        created_at as first_seen_at
    from customers

    union all

    select
        'salesforce:' || accounts.account_id,
        'salesforce',
        accounts.account_id,
        accounts.account_name,
        accounts.billing_country,
        coalesce(cast(first_won.first_won_on as {{ dbt.type_timestamp() }}), accounts.created_at)
    from accounts
    left join first_won
        on accounts.account_id = first_won.account_id

    union all

    select
        'product_db:' || tenant_id,
        'product_db',
        tenant_id,
        tenant_name,
        cast(null as {{ dbt.type_string() }}),
        created_at
    from tenants

),

-- each name in the letters a–z leave alone ("Société Générale" → "Societe Generale"):
-- one system keeps a company's accents, another drops them; every key below starts here
records as (

    select
        *,
        {{ revtruth.latin_letters('display_name') }} as name_in_latin_letters
    from system_records

),

-- the last word and the last two words of each name, to find a region misspelled there
name_ends as (

    select node_key, name_end
    from records,
        unnest([
            regexp_extract(lower(name_in_latin_letters), '[\s-]([a-z]+)$', 1),
            regexp_extract(lower(name_in_latin_letters), '[\s-]([a-z]+ [a-z]+)$', 1)
        ]) as ends (name_end)
    where name_end <> ''

),

-- a region a letter off at the end of a name ("Quill Software Candaa", "Sable-Cloud North
-- Amrica", "DeltaHealth Nrth America") is read as that region: the tag would otherwise
-- stay in the name key, and the record be placed nowhere. Five letters or more on both
-- sides ("Spin" is no "Spain").
misspelled_regions as (

    select node_key, name_end, region_word
    from (
        select
            candidates.*,
            -- the longest end read so ("North Amrica" over "Amrica"), then the first region
            row_number() over (
                partition by node_key order by length(name_end) desc, region_word
            ) as candidate_rank
        from (
            {{ revtruth.one_slip_apart('name_ends', 'name_end', 'region_words', 'region_word', 5) }}
        ) as candidates
        -- a region itself is no misspelling of another ("Nordic", "Nordics")
        where name_end not in (select region_word from {{ ref('region_countries') }})
    ) as ranked
    where candidate_rank = 1

),

-- each name with a misspelled region at its end written right, for the name keys and the
-- regions (int_identity_regions); `display_name` stays as the system spells it
named as (

    select
        records.*,
        coalesce(
            left(
                records.name_in_latin_letters,
                length(records.name_in_latin_letters) - length(misspelled_regions.name_end)
            ) || misspelled_regions.region_word,
            records.name_in_latin_letters
        ) as name_region_respelled
    from records
    left join misspelled_regions
        on records.node_key = misspelled_regions.node_key

),

-- what comes before the longest region word each name ends with, after a space or a dash
-- (a join on the words, not one regular expression of them all, which would be compiled
-- for every row)
region_tags as (

    select
        named.node_key,
        rtrim(left(
            named.name_region_respelled,
            length(named.name_region_respelled) - max(length(region_words.region_word))
        )) as before_tag
    from named
    inner join region_words
        on ends_with(lower(named.name_region_respelled), region_words.region_word)
        and regexp_matches(
            left(
                named.name_region_respelled,
                length(named.name_region_respelled) - length(region_words.region_word)
            ),
            '[\s-]$'
        )
    group by named.node_key, named.name_region_respelled

),

-- where a company is, is no part of which company it is: a region tag after a dash or after
-- the legal form ("Pioneer Partners Ltd - Canada", "Spruce Logistics GmbH Deutschland") is
-- left out of the name key (int_identity_regions places the record there). A region word
-- inside the name ("Harbor Bio Americas Inc.") is part of the name and stays.
untagged as (

    select
        records.*,
        case
            when regexp_matches(region_tags.before_tag, '\s-$')
                then rtrim(regexp_replace(region_tags.before_tag, '\s-$', ''))
            when regexp_matches(
                region_tags.before_tag, '\b(' || {{ revtruth.legal_forms() }} || ')\.?,?$', 'i'
            )
                then region_tags.before_tag
            else records.name_region_respelled
        end as name_without_region_tag,
        region_tags.before_tag
    from named as records
    left join region_tags
        on records.node_key = region_tags.node_key

),

keyed as (

    select
        records.node_key,
        records.source,
        records.source_id,
        records.display_name,
        records.name_region_respelled,
        {{ revtruth.company_name_key('records.name_without_region_tag') }} as name_key,
        {{ revtruth.company_name_key('records.name_without_region_tag', words_written_one_way=false) }}
            as name_as_written,
        -- and without any place its name ends with ("Nimbus Data Global Canada"), which
        -- an abbreviation leaves out ("ND Global")
        {{ revtruth.company_name_key('records.before_tag') }} as name_key_without_place,
        -- and with the office tags it names ("Quartz Data US"), which an abbreviation may
        -- spell ("QDU")
        {{ revtruth.company_name_key('records.name_without_region_tag', office_tags=true) }}
            as name_key_with_office_tags,
        upper(nullif(trim(records.country), '')) as country,
        records.first_seen_at,
        primary_domains.domain
    from untagged as records
    left join primary_domains
        on records.node_key = primary_domains.node_key

),

-- the words a key writes one way or leaves out, as the key writes them ("technologies" →
-- "tech", "incorporated" → ""): each after a first word, as a legal form only leaves a key
-- there
name_words as (

    select
        spelling,
        trim(substr({{ revtruth.company_name_key("'name ' || spelling") }}, 5)) as written_as
    from {{ ref('company_name_words') }}

),

{#- the keys whose misspelled words are read as the words they miss -#}
{%- set respelled_keys = [
    'name_key', 'name_as_written', 'name_key_without_place', 'name_key_with_office_tags'
] %}

-- each word of the keys at its place
key_words as (

    select
        node_key,
        key_name,
        unnest(string_split(name_key, ' ')) as word,
        unnest(range(1, len(string_split(name_key, ' ')) + 1)) as word_position
    from keyed
    unpivot (
        name_key for key_name in ({{ respelled_keys | join(', ') }})
    )

),

-- a word one letter off such a word ("technnology", "incorpporated", "limitde") is read
-- as it: a typo there would otherwise hide the rest of the name ("RR Technnology" for
-- "Redwood Robotics Technology"). The name as written keeps its words, and loses a legal
-- form however spelled. Five letters or more (of the words five letters long, only
-- "group" is in the seed: see its description).
misspelled_words as (

    select
        node_key,
        key_name,
        word_position,
        min(written_as) as written_as
    from (
        {{ revtruth.one_slip_apart('key_words', 'word', 'name_words', 'spelling', 5) }}
    ) as candidates
    where key_name <> 'name_as_written' or written_as = ''
    group by node_key, key_name, word_position

),

-- a word that runs a name into such a word ("thenortsolution", "riversoftware",
-- "stellarcommercetechnology") is read as the two ("thenort soln", "river sw",
-- "stellarcommerce tech"), the longest such word it ends with, three letters or more
-- before it; not in the name as written. A join on the word's ends of each length the
-- words have, not a test of every word against every spelling.
run_together_words as (

    select
        long_words.node_key,
        long_words.key_name,
        long_words.word_position,
        arg_max(
            rtrim(
                left(long_words.word, length(long_words.word) - long_words.end_length)
                || ' ' || name_words.written_as
            ),
            long_words.end_length
        ) as written_as
    from (
        select key_words.*, end_lengths.end_length
        from key_words
        inner join (select distinct length(spelling) as end_length from name_words) as end_lengths
            on length(key_words.word) >= end_lengths.end_length + 3
        where key_words.key_name <> 'name_as_written'
    ) as long_words
    inner join name_words
        on right(long_words.word, long_words.end_length) = name_words.spelling
    group by long_words.node_key, long_words.key_name, long_words.word_position

),

-- each word read otherwise, misspelled or run together
rewritten_words as (

    select node_key, key_name, word_position, min(written_as) as written_as
    from (
        select * from misspelled_words
        union all
        select * from run_together_words
    ) as both_kinds
    group by node_key, key_name, word_position

),

-- the keys of the records with such a word, written again
respelled as (

    select
        key_words.node_key,
        {%- for key in respelled_keys %}
        string_agg(coalesce(rewritten_words.written_as, key_words.word), ' ' order by key_words.word_position)
            filter (where key_words.key_name = '{{ key }}') as {{ key }}{{ ',' if not loop.last }}
        {%- endfor %}
    from key_words
    left join rewritten_words
        on key_words.node_key = rewritten_words.node_key
        and key_words.key_name = rewritten_words.key_name
        and key_words.word_position = rewritten_words.word_position
    where key_words.node_key in (select node_key from rewritten_words)
        and coalesce(rewritten_words.written_as, key_words.word) <> ''
    group by key_words.node_key

),

final as (

    select
        keyed.node_key,
        keyed.source,
        keyed.source_id,
        keyed.display_name,
        keyed.name_region_respelled,
        {%- for key in respelled_keys %}
        case when respelled.node_key is null then keyed.{{ key }} else respelled.{{ key }} end
            as {{ key }},
        {%- endfor %}
        keyed.country,
        keyed.first_seen_at,
        keyed.domain
    from keyed
    left join respelled
        on keyed.node_key = respelled.node_key

)

select * from final
