"""The probabilistic tier: a Fellegi-Sunter record-linkage model (Splink) over every record,
for the links no stored id and no shared domain can make (docs/metrics.md#identity).

What it compares, for each pair of records that share a blocking key (a name's first word,
its first four and last three letters, its first or last seven, its letters two to eight
against another's first seven, a short name's first two and last six, a name or a domain's
name, a person, an abbreviation, and for records of two systems the day they first
appeared):
- the names, reduced to what identifies the company: the same as written (four letters or
  fewer apart: initials, which many companies share); the same once abbreviations and
  plurals are written one way; a letter replaced ("Nova", "Novo": as often another name as
  a typo); one slip apart otherwise (a letter added, missing or two swapped); two letters
  apart (long names); one the other with a place added that the record is not in ("Acme
  Europe" billed in Canada); with a place added ("Acme", "Acme Japan"); the same with a
  letter off ("Faalcon Labs Canada", "FalconLabs"); with a team's name added ("Acme
  Marketing", also beside the name run together), apart when their domains are named
  alike; with other words added; one an abbreviation of the other with domains named
  alike; different, but one's domains named like the other's name or domains ("OM Labs" at
  oakmedia.us); alike (Jaro-Winkler ≥ 0.88); one an abbreviation of the other
  ("BP Financial", "NADF", "Vblabs"); the same with a letter off; a word in common;
  different. One comparison, because a company's domain is usually its name: as two,
  "Acme UK" and "Acme US" would be linked twice on one piece of evidence;
- the company domains (one an agency shares is left out): one in common, or none;
- the people each names (billing contact, CRM contacts, product users);
- whether both are records of one system (a duplicate CRM account) or of two;
- where each is: its own country, else the countries its name places it in ("(EU)",
  "Japan"), else those its domains are registered under; the same, overlapping, apart
  where one is placed by its name alone, or apart;
- when each first appeared (the same day, within 3, within 30, within 90: a deal won, a
  billing customer created and a tenant provisioned are usually days apart), for two
  systems' records; for one system's, nothing.

The model learns from the data itself, without labels: the chance two random records
match; how often each level occurs among non-matches (random pairs, with the matches among
them taken back out, see `_calibrated`); how often among matches (expectation-maximisation,
once on pairs with the same name, once on pairs first seen the same day, once on pairs
with the same primary domain, so that each session estimates the others' evidence).
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import pyarrow as pa

from revtruth.identity.clustering import BILLING_SYSTEMS

log = logging.getLogger(__name__)

# Pairs below this probability are not kept at all (neither linked nor reviewed), unless
# the caller asks for fewer (resolution keeps what could at least be reviewed).
KEEP_ABOVE = 0.05

# The model learns from at most this many records, a random sample of them when there are
# more, and then scores every record. What it learns (how often each level occurs among
# matches and non-matches, the share of pairs that match) is the same in a uniform sample,
# and training on every pair a blocking rule makes grows with the square of the records.
TRAIN_ON_AT_MOST = 20_000


# The ways an abbreviation may write a name key: the first k words by their initials, the
# rest as they are ("bright prism financial" → "bp|financial", "bpf|"); and when the first
# word is already short initials, it whole and the next words' initials ("fm global" →
# "fmg|", as "FMG" writes "FM Global"). NULL for a one-word name.
_ABBREVIATIONS_MACRO = r"""
create or replace temp macro abbreviations_of(name_key) as
case when len(string_split(name_key, ' ')) >= 2 then flatten(list_transform(
    -- the first word by its initial, or whole when it is short initials already
    list_concat(
        [name_key[1]],
        case when length(split_part(name_key, ' ', 1)) between 2 and 3
            then [split_part(name_key, ' ', 1)] else [] end),
    lambda first: list_transform(
        range(2, len(string_split(name_key, ' ')) + 1),
        lambda k: first || array_to_string(list_transform(
            string_split(name_key, ' ')[2:k], lambda w: w[1]), '')
            || '|' || array_to_string(string_split(name_key, ' ')[k + 1:], ' '))))
end;

-- A name key as such an abbreviation, when its first word is short: "bp financial" →
-- "bp|financial"; also without an inner "a", which may stand for the "and" the name key
-- drops ("NADF" for "North and Delta Foods" → "ndf|"). NULL for any other name.
create or replace temp macro as_abbreviation(name_key) as
case when length(split_part(name_key, ' ', 1)) between 2 and 5 then list_distinct(
    list_transform(
        list_concat([0], list_filter(
            range(2, length(split_part(name_key, ' ', 1))),
            lambda i: split_part(name_key, ' ', 1)[i] = 'a')),
        lambda i: case
            when i = 0 then split_part(name_key, ' ', 1)
            else split_part(name_key, ' ', 1)[:i - 1] || split_part(name_key, ' ', 1)[i + 1:]
        end
            || '|' || array_to_string(string_split(name_key, ' ')[2:], ' ')))
end
"""


def load_records(con: duckdb.DuckDBPyConnection, inputs: dict[str, pa.Table]) -> int:
    """Build the table `records` (one row per record, what the model compares) in `con`
    from the identity input models. Returns how many records there are."""
    con.register("input_nodes", inputs["int_identity_nodes"])
    for name, columns in (
        ("int_identity_domains", ("node_key", "domain")),
        ("int_identity_people", ("node_key", "person_key")),
        ("int_identity_domain_pairs", ("domain",)),
        ("int_identity_regions", ("node_key", "country_code")),
    ):
        table = inputs[name]
        con.register(name, table if table.num_rows else _empty(columns))
    con.execute(_ABBREVIATIONS_MACRO)
    con.execute(
        _RECORDS_SQL.replace("{team_names}", "|".join(TEAM_NAMES)).replace(
            "{billing_systems}", ", ".join(f"'{system}'" for system in sorted(BILLING_SYSTEMS))
        )
    )
    _drop_common_keys(con, ("names_and_stems", "people", "abbreviation_keys", "name_ends"))
    return con.execute("select count(*) from records").fetchall()[0][0]


# A blocking key more records than this share says little about any two of them (an
# abbreviation "ts" of a hundred two-word names, an accounts-payable mailbox on invoices
# of many companies) and pairs them all: with 100,000 records, one such key alone makes
# tens of millions of pairs. Such keys are left out of blocking (not of the comparisons).
MOST_RECORDS_PER_KEY = 50


def _drop_common_keys(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...]) -> None:
    """Add `<column>_blocking` for each column: its keys without those more than
    `MOST_RECORDS_PER_KEY` records share (in one pass over `records`)."""
    ctes = ",\n".join(
        f"""common_{column} as (
            select coalesce(list(key), []) as keys
            from (
                select key
                from (select unnest({column}) as key from records) as exploded
                group by key
                having count(*) > {MOST_RECORDS_PER_KEY}
            ) as counted
        )"""
        for column in columns
    )
    filtered = ",\n".join(
        f"list_filter(records.{column}, lambda key: not list_contains(common_{column}.keys, key))"
        f" as {column}_blocking"
        for column in columns
    )
    joins = "\n".join(f"cross join common_{column}" for column in columns)
    con.execute(
        f"create or replace table records as with {ctes} "
        f"select records.*, {filtered} from records {joins}"
    )


# A domain's stem is what names the company in it: "getacmehealth.co.uk" → "acmehealth"
# (the public suffix, a leading get/try/use/join/my and a trailing app/hq/online dropped),
# so that a company's several domains (acme.com, acme.io, getacme.com, acmehq.com) agree.
# Ambiguous domains (an agency's, on records whose names differ) are evidence of nothing
# and are left out of the comparisons, as the domain tier leaves them out. The record whose
# name such a domain spells still owns it (`owned_domain_stems`), which clustering reads:
# "northworkslab.com" is "The North Works Lab Inc."'s own, though a CRM account "Nw Lab
# Incorporated" shares it under a name too unlike to tell, and it is what says that
# "NorthWorksLabs UK" at northworks.co.uk is another company.
_RECORDS_SQL = r"""
create or replace table records as
with every_domain as (
    select
        domains.node_key,
        domains.domain,
        domains.domain in (select domain from int_identity_domain_pairs) as is_ambiguous,
        nodes.source in ({billing_systems}) as is_billing,
        [replace(nodes.name_key, ' ', ''), replace(nodes.name_as_written, ' ', '')]
            as own_names
    from int_identity_domains as domains
    join input_nodes as nodes on domains.node_key = nodes.node_key
),
bare as (
    select
        *,
        regexp_replace(regexp_replace(
            domain, '\.(co|com|org|net|ac|gov|ne|or)\.[a-z]{2}$', ''), '\.[a-z]+$', '') as name
    from every_domain
),
stems as (
    select
        node_key,
        domain,
        is_ambiguous,
        -- evidence in the comparisons: a domain the tier found unambiguous, and any a
        -- record that is no billing customer gives away through its own people (a CRM
        -- account's website and contacts, a workspace's users); a billing email's may be
        -- an agency's or an accountant's. "LDV", "lad ventures" and "LD VENTURES INC.",
        -- three CRM accounts on getlumendeltaventures.com, which the tier found ambiguous
        -- as it does not read the abbreviations as the name the domain spells
        not is_ambiguous or not is_billing as is_usable,
        own_names,
        regexp_replace(regexp_replace(
            case
                when regexp_matches(name, '^(get|try|use|join|my|go).{4,}$')
                    then regexp_replace(name, '^(get|try|use|join|my|go)', '')
                else name
            end,
            '(.{4,})(app|hq|online|inc)$', '\1'), '[^a-z0-9]', '', 'g') as stem
    from bare
),
usable_domains as (
    select * from stems where is_usable
),
-- the names of the domains a record owns, for clustering to tell companies apart: its
-- usable ones ("AANR LLC", a CRM account whose contacts write from
-- aravzenithnabinorthrobotics.com: another "AANR LLC" whose contacts write from another
-- domain is another company), and an ambiguous one that spells its own name
owned_stems as (
    select node_key, list(distinct stem order by 1) as owned_domain_stems
    from stems
    where is_usable or list_contains(own_names, stem)
    group by node_key
),
-- the ambiguous domains a record gives away, and those its name begins with
-- ("orbitenergy.fr" for "The Orbit Energy Grp S.A."): a domain two records whose names
-- disagree share is evidence for no one, unless it is one of theirs by name
ambiguous_lists as (
    select
        node_key,
        list(distinct domain order by domain) as ambiguous_domains,
        list(distinct domain order by domain) filter (
            where length(stem) >= 5
                and list_bool_or(list_transform(own_names, lambda n:
                    starts_with(n, stem) or starts_with(regexp_replace(n, '^the', ''), stem)))
        ) as named_for_domains
    from stems
    where is_ambiguous
    group by node_key
),
domain_lists as (
    select
        node_key,
        list(distinct domain order by domain) as domains,
        list(distinct stem order by 1) as domain_stems,
        -- the countries its domains are registered under ("acme.de", "acme.co.uk"); the
        -- two-letter endings used as generic ones (.io, .ai, .co, .me, …) place nothing
        list(distinct case suffix when 'uk' then 'GB' else upper(suffix) end order by 1)
            filter (where length(suffix) = 2 and suffix not in (
                'ai', 'io', 'co', 'me', 'tv', 'fm', 'ly', 'gg', 'to', 'sh', 'ws', 'cc', 'la',
                'so', 'vc', 'gl', 'nu', 'tk', 'ac', 'am', 'im', 'eu')) as domain_countries
    from (
        select *, regexp_extract(domain, '\.([a-z]+)$', 1) as suffix from usable_domains
    ) as suffixed
    group by node_key
),
region_lists as (
    select node_key, list(country_code order by country_code) as countries
    from int_identity_regions group by node_key
),
people_lists as (
    select node_key, list(person_key order by person_key) as people
    from int_identity_people group by node_key
),
-- the words the names write apart, four letters or more: what reads a word run together
-- in another name as two ("prismfoods" as "prism foods", as "Prism Food Svc" writes them)
name_words as (
    select distinct word
    from (
        select unnest(string_split(name_key, ' ')) as word
        from input_nodes
        where contains(name_key, ' ')
    ) as words
    where length(word) >= 4
),
key_words as (
    select
        node_key,
        unnest(string_split(name_key, ' ')) as word,
        unnest(range(1, len(string_split(name_key, ' ')) + 1)) as word_position
    from input_nodes
    where name_key is not null
),
-- each word of eight letters or more that is two such words (the second maybe a plural,
-- as the key keeps a word run together whole), at each place it splits
word_splits as (
    select key_words.node_key, key_words.word_position,
        left(key_words.word, cuts.cut) || ' ' || key_words.word[cuts.cut + 1:] as written_apart
    from key_words
    cross join range(4, 40) as cuts(cut)
    where length(key_words.word) >= 8 and cuts.cut <= length(key_words.word) - 4
        and left(key_words.word, cuts.cut) in (select word from name_words)
        and (key_words.word[cuts.cut + 1:] in (select word from name_words)
            or regexp_replace(key_words.word[cuts.cut + 1:], 's$', '')
                in (select word from name_words))
),
-- the name key with one such word split: what its abbreviations may stand for
-- ("PFS" for "Prismfoodsservices, inc.")
split_keys as (
    select
        input_nodes.node_key,
        list(distinct array_to_string(list_transform(
            string_split(input_nodes.name_key, ' '),
            lambda w, i: case when i = word_splits.word_position
                then word_splits.written_apart else w end), ' ')) as name_keys_split
    from word_splits
    join input_nodes on word_splits.node_key = input_nodes.node_key
    group by input_nodes.node_key
),
named as (
    select
        *,
        -- a leading "The" run into the name: "thepolarcloud" → "polarcloud"
        case
            when replace(name_key, ' ', '') like 'the%' and length(replace(name_key, ' ', '')) > 7
                then substr(replace(name_key, ' ', ''), 4)
            else replace(name_key, ' ', '')
        end as compact,
        regexp_replace(replace(name_as_written, ' ', ''), '^the(.{5,})$', '\1') as written,
        regexp_replace(name_as_written, '^the ', '') as written_apart
    from input_nodes
),
record_rows as (
select
    named.node_key as unique_id,
    named.source as source_dataset,
    named.display_name,
    nullif(named.name_key, '') as name_key,
    nullif(named.compact, '') as name_compact,
    case when length(named.compact) >= 8 then [right(named.compact, 7)] end as name_ends,
    nullif(named.written, '') as name_written,
    nullif(named.written_apart, '') as name_written_apart,
    -- the name without the place it ends with, run together ("faalconlab")
    nullif(replace(named.name_key_without_place, ' ', ''), '') as name_core,
    nullif(split_part(named.name_key, ' ', 1), '') as name_first_token,
    string_split(nullif(named.name_key, ''), ' ') as name_tokens,
    -- the name as an abbreviation may write it (see `abbreviations_of`): also without the
    -- place it ends with ("Nimbus Data Global Canada", "ND Global") and with the office tags
    -- it names ("Quartz Data US", "QDU")
    list_distinct(flatten([
        abbreviations_of(named.name_key),
        abbreviations_of(named.name_key_without_place),
        abbreviations_of(named.name_key_with_office_tags),
        flatten(list_transform(
            coalesce(split_keys.name_keys_split, []),
            lambda split_key: abbreviations_of(split_key)))
    ])) as name_abbreviations,
    -- and the name as such an abbreviation (see `as_abbreviation`), with and without the
    -- place it ends with ("RLGG North America")
    nullif(list_distinct(list_concat(
        as_abbreviation(named.name_key), as_abbreviation(named.name_key_without_place)
    )), []) as names_as_abbreviation,
    named.country,
    -- where the record is: its own country, else the countries its name places it in, else
    -- those its domains are registered under
    region_lists.countries is not null as name_places_it,
    -- placed by the endings of its domains alone (no country, no place in its name)
    named.country is null and region_lists.countries is null
        and domain_lists.domain_countries <> [] as domains_place_it,
    -- a name that names a place the record is not in ("Acme Europe" billed in Canada): an
    -- account for a market, not a company there (a subsidiary abroad is where it says)
    coalesce(not list_contains(region_lists.countries, named.country), false)
        as names_a_place_elsewhere,
    case
        when named.country is not null then [named.country]
        else coalesce(region_lists.countries, nullif(domain_lists.domain_countries, []))
    end as countries,
    cast(named.first_seen_at as date) as first_seen_day,
    domain_lists.domains[1] as primary_domain,
    domain_lists.domains,
    domain_lists.domain_stems,
    owned_stems.owned_domain_stems,
    people_lists.people,
    ambiguous_lists.ambiguous_domains,
    nullif(ambiguous_lists.named_for_domains, []) as named_for_domains
from named
left join domain_lists on named.node_key = domain_lists.node_key
left join owned_stems on named.node_key = owned_stems.node_key
left join ambiguous_lists on named.node_key = ambiguous_lists.node_key
left join people_lists on named.node_key = people_lists.node_key
left join region_lists on named.node_key = region_lists.node_key
left join split_keys on named.node_key = split_keys.node_key
)
select
    *,
    -- the name without the team's name it ends with, run together ("sabledynamic" for
    -- "Sable Dynamics Platform"), a leading "The" left out as in name_compact
    nullif(regexp_replace(replace(regexp_extract(
        name_key, '^(.+?) (?:{team_names})$', 1), ' ', ''), '^the(.{5,})$', '\1'), '')
        as name_without_team,
    -- the abbreviations run together ("vbl" for "vertex bio labs"), once, not per pair
    list_transform(name_abbreviations, lambda a: replace(a, '|', ''))
        as name_abbreviations_run_together,
    -- and of the name as written, its business words as they are spelled: "rntechnologies"
    -- for "Ridge Networks Technologies", as "RNTECHNOLOGIES" writes it (run together, its
    -- key keeps the word whole)
    list_transform(abbreviations_of(name_written_apart), lambda a: replace(a, '|', ''))
        as name_written_abbreviations,
    -- what blocks abbreviations with the names they abbreviate
    list_distinct(list_concat(
        coalesce(name_abbreviations, []),
        coalesce(names_as_abbreviation, [])
    )) as abbreviation_keys,
    -- a name and the names of its domains, to block "Acme Robotics" with acmerobotics.de;
    -- and the ambiguous domains it gives away, which are no evidence but pair the records
    -- that share one, to be compared on the rest: "solarsolnsglobal" and "Solra Solns
    -- Global GmbH", both at solarsolutions.com, which the tier found ambiguous as "SSG" is
    -- there too
    list_distinct(list_concat(
        case when name_compact is not null then [name_compact] else [] end,
        coalesce(domain_stems, []),
        coalesce(ambiguous_domains, [])
    )) as names_and_stems
from record_rows
"""


def _any_in_common(column: str) -> Any:
    """A level: the two lists share an element (as Splink's array intersection of size 1,
    without building the intersection for every pair)."""
    import splink.comparison_level_library as cll

    return cll.CustomLevel(
        f"list_has_any({column}_l, {column}_r)", label_for_charts=f"{column} in common"
    )


# A typo, by edit distance. DuckDB's Damerau-Levenshtein costs about 4 µs a pair and most
# blocked pairs share a first word or letters, so the levels are written in cheaper terms,
# each exactly equal to its definition (tests/identity/test_model.py checks them against
# the distances themselves):
# - one slip (a letter wrong, added, missing, or two swapped): names of one length with at
#   most one letter different (Hamming distance), or two different that are a swap (their
#   Damerau-Levenshtein distance 1); names a letter apart in length with Levenshtein
#   distance 1. A distance is computed only when the first or the last half of the shorter
#   name is intact, as one slip always leaves one of them, and then on the rest alone;
# - two letters (in a long name): Levenshtein distance at most 2, a swap counting as two,
#   computed only when the first or last third of the shorter name is intact or its middle
#   appears in the other, as two edits always leave one of those (and on the rest alone).
_A, _B = "name_compact_l", "name_compact_r"
_HAMMING = f"(case when length({_A}) = length({_B}) then hamming({_A}, {_B}) end)"
_HALF = f"(least(length({_A}), length({_B})) - 1) // 2"
_THIRD = f"(least(length({_A}), length({_B})) - 2) // 3"


def _distance_at_most(function: str, distance: int, intact: str) -> str:
    """`function` (an edit distance) of the two names at most `distance`, computed on what is
    left once an intact beginning or end of `intact` letters (the same in both) is cut off:
    a common beginning or end changes no edit distance, and the work falls with the square
    of the length."""
    return (
        f"(case when left({_A}, {intact}) = left({_B}, {intact})"
        f" then {function}({_A}[{intact} + 1:], {_B}[{intact} + 1:]) <= {distance}"
        f" when right({_A}, {intact}) = right({_B}, {intact})"
        f" then {function}(left({_A}, length({_A}) - {intact}),"
        f" left({_B}, length({_B}) - {intact})) <= {distance}"
        f" else {function}({_A}, {_B}) <= {distance} end)"
    )


_ONE_EDIT = (
    f"(case abs(length({_A}) - length({_B}))"
    f" when 0 then {_HAMMING} <= 1"
    f" or ({_HAMMING} = 2 and {_distance_at_most('damerau_levenshtein', 1, _HALF)})"
    f" when 1 then (left({_A}, {_HALF}) = left({_B}, {_HALF})"
    f" or right({_A}, {_HALF}) = right({_B}, {_HALF}))"
    f" and {_distance_at_most('levenshtein', 1, _HALF)}"
    " else false end)"
)
# one letter replaced by another: names of one length, one letter apart
_ONE_REPLACED = f"{_HAMMING} = 1"
ONE_LETTER_REPLACED = "A letter replaced"
_TWO_EDITS = (
    f"(abs(length({_A}) - length({_B})) <= 2"
    f" and (left({_A}, {_THIRD}) = left({_B}, {_THIRD})"
    f" or right({_A}, {_THIRD}) = right({_B}, {_THIRD})"
    f" or contains({_B}, {_A}[{_THIRD} + 2 : length({_A}) - {_THIRD} - 1])"
    f" or contains({_A}, {_B}[{_THIRD} + 2 : length({_B}) - {_THIRD} - 1]))"
    f" and {_distance_at_most('levenshtein', 2, _THIRD)})"
)


# Some abbreviation of one name ("at|france") and the other as an abbreviation ("at|frnce")
# with the same initials and words written out (at least four letters) a letter apart.
_ABBREVIATES_WITH_A_TYPO = (
    "len(list_filter(name_abbreviations_{r}, lambda a: len(list_filter("
    "names_as_abbreviation_{l}, lambda b: split_part(a, '|', 1) = split_part(b, '|', 1)"
    " and length(split_part(b, '|', 2)) >= 4"
    " and damerau_levenshtein(split_part(a, '|', 2), split_part(b, '|', 2)) <= 1)) > 0)) > 0"
)


# The names of teams and departments, as the name key writes them (singular, "r d" for
# "R&D"): what a business unit that is billed on its own adds to its company's name.
TEAM_NAMES = (
    "marketing", "sale", "sales", "research", "r d", "operation", "ops", "data team",
    "engineering", "product", "product team", "support", "customer success", "growth",
    "finance team", "hr", "it", "legal", "design", "procurement", "team", "department",
    "dept", "division", "business unit", "platform", "platform team",
)  # fmt: skip
_EXTENDS_BY_A_TEAM = (
    "(starts_with(name_key_{long}, name_key_{short} || ' ')"
    " and substr(name_key_{long}, length(name_key_{short}) + 2) in ("
    + ", ".join(f"'{name}'" for name in TEAM_NAMES)
    + "))"
)
# the same, where the shorter name is run together ("Sable Dynamics Platform",
# "sabledynamics k.k."): the longer without the team it ends with is the shorter
_EXTENDS_BY_A_TEAM_RUN_TOGETHER = "name_without_team_{long} = name_compact_{short}"

_TEAM_ADDED = " or ".join(
    rule.format(long=long, short=short)
    for rule in (_EXTENDS_BY_A_TEAM, _EXTENDS_BY_A_TEAM_RUN_TOGETHER)
    for long, short in (("l", "r"), ("r", "l"))
)


# the longer name is the shorter with only a place added, one the longer's record is not in
_EXTENDS_BY_A_PLACE_ELSEWHERE = (
    "(name_core_{long} = name_compact_{short} and names_a_place_elsewhere_{long})"
)


# the longer name is the shorter with only a place added, the one the longer's record is in,
# and both records are in the same places
_EXTENDS_BY_A_PLACE_IT_SHARES = (
    "(name_core_{long} = name_compact_{short} and name_compact_{long} <> name_compact_{short}"
    " and name_places_it_{long} and not names_a_place_elsewhere_{long}"
    " and countries_{long} = countries_{short})"
)


# one record's name begins with an ambiguous domain the other gives away as well
_NAMED_FOR_A_DOMAIN_OF = (
    "coalesce(list_has_any(named_for_domains_{named}, ambiguous_domains_{other}), false)"
)
NAMED_FOR_A_SHARED_DOMAIN = "A domain in common one of them is named for"


def _empty(columns: tuple[str, ...]) -> pa.Table:
    return pa.table({column: pa.array([], type=pa.string()) for column in columns})


# A name no longer than this has its first two and last six letters as a blocking key.
SHORT_RUN_TOGETHER = 10

# The same name as written; when this short, initials more often than not.
_SAME_AS_WRITTEN = "name_compact_l = name_compact_r and name_written_l = name_written_r"
SHORT_NAME = 4
SAME_SHORT_NAME = "Same short name as written"

# The same name once abbreviations and plurals are written one way, or the same letters as
# written (spaces, punctuation and case aside).
_SAME_ONCE_WRITTEN_ONE_WAY = "name_compact_l = name_compact_r or name_written_l = name_written_r"
_SAME_WITH_A_DOMAIN_AS_WRITTEN = (
    f"({_SAME_ONCE_WRITTEN_ONE_WAY}) and (list_contains(domain_stems_l, name_written_r)"
    " or list_contains(domain_stems_r, name_written_l))"
)
SAME_ONCE_WRITTEN_DOMAIN_AS_WRITTEN = (
    "Same name once words are written one way, a domain named as the other is written"
)


# One's domains named like the other's name or domains ("OM Labs" at oakmedia.us).
_DOMAINS_NAMED_ALIKE = (
    "list_has_any(domain_stems_l, domain_stems_r)"
    " or list_contains(domain_stems_r, name_compact_l)"
    " or list_contains(domain_stems_l, name_compact_r)"
)
ABBREVIATES_DOMAINS_ALIKE = "One name abbreviates the other, domains named alike"

# One name abbreviates the other: "BP Financial", "Bright Prism Financial"; also run
# together, "Vblabs" and "Vertex Bio Labs", and with its business word as written,
# "RNTECHNOLOGIES" and "Ridge Networks Technologies".
_ABBREVIATES = (
    "list_has_any(name_abbreviations_r, names_as_abbreviation_l)"
    " or list_has_any(name_abbreviations_l, names_as_abbreviation_r)"
    " or list_contains(name_abbreviations_run_together_r, name_compact_l)"
    " or list_contains(name_abbreviations_run_together_l, name_compact_r)"
    " or list_contains(name_written_abbreviations_r, name_written_l)"
    " or list_contains(name_written_abbreviations_l, name_written_r)"
)


def _settings(large: bool) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on
    from splink.blocking_rule_library import CustomRule

    name = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("name_compact"),
            # a short name (initials, "UEG LLC") weighed apart: the more companies, the
            # more of them share one, which the model learns from how often it sees it
            cll.CustomLevel(
                f"{_SAME_AS_WRITTEN} and length(name_compact_l) <= {SHORT_NAME}",
                label_for_charts=SAME_SHORT_NAME,
            ),
            # the same as written, and the same once abbreviations and plurals are written
            # one way, weighed apart: "Aurora Security" and "Aurora Securities" are as often
            # two companies as one
            cll.CustomLevel(_SAME_AS_WRITTEN, label_for_charts="Same name as written"),
            # the same, and one's company domain is named as the other's name is written:
            # "PolarTechnology" at polartechnologies.co.jp beside "POLAR TECHNOLOGIES CO.,
            # LTD.", where near twins ("Aurora Security", "Aurora Securities") each have a
            # domain of their own name
            cll.CustomLevel(
                _SAME_WITH_A_DOMAIN_AS_WRITTEN,
                label_for_charts=SAME_ONCE_WRITTEN_DOMAIN_AS_WRITTEN,
            ),
            # the same once abbreviations and plurals are written one way; or the same
            # letters as written, spaces and punctuation aside, where the words were run
            # together and so written another way ("QUILL&EVERGREENHEALTHCARELABS",
            # "Quill & Evergreen Healthcare Labs")
            cll.CustomLevel(
                _SAME_ONCE_WRITTEN_ONE_WAY,
                label_for_charts="Same name once words are written one way",
            ),
            # a typo: one letter wrong, missing, doubled or two swapped; not a similarity
            # score, which rates "Pine Analytics" and "Pioneer Analytics" as nearly the
            # same for all the letters they share. A letter replaced by another is weighed
            # apart: it is the one slip that often leaves another real word, so other
            # companies' names ("Nova Data", "Novo Data"; "Birch Media", "Burch Media")
            # are as often one letter replaced as a typo is
            cll.CustomLevel(_ONE_REPLACED, label_for_charts=ONE_LETTER_REPLACED),
            cll.CustomLevel(_ONE_EDIT, label_for_charts="A letter differs"),
            # two typos in a long name, weighed apart from one: two letters are as often
            # another word ("Ember Media", "Ember Medical") as two slips
            cll.CustomLevel(
                f"least(length(name_compact_l), length(name_compact_r)) >= 8 and {_TWO_EDITS}",
                label_for_charts="Two letters differ",
            ),
            # one name is the other with a team's name added ("Acme Marketing", "Acme Data
            # Team"): a business unit that signed up on its own, which is no company of its
            # own; "Acme Group" or "Acme Labs" may well be one, and stays on the next level.
            # Weighed apart when their domains are named alike (acme.co.uk, acme.com): an
            # agency named "Acme Marketing" has a domain of its own name
            cll.CustomLevel(
                f"list_has_any(domain_stems_l, domain_stems_r) and ({_TEAM_ADDED})",
                label_for_charts="One name extends the other by a team, domains named alike",
            ),
            cll.CustomLevel(
                _TEAM_ADDED,
                label_for_charts="One name extends the other by a team",
            ),
            # one name is the other with a place added that the longer is not in: "Acme
            # Europe" billed to a Canadian address is Acme's account for the euro market (a
            # subsidiary abroad is billed where it is, and lands on the next level). The
            # place is all that is added: "Orbit Financial Partners (EU)" is no "Orbit
            # Financial" with a place added
            cll.CustomLevel(
                f"{_EXTENDS_BY_A_PLACE_ELSEWHERE.format(long='l', short='r')}"
                f" or {_EXTENDS_BY_A_PLACE_ELSEWHERE.format(long='r', short='l')}",
                label_for_charts="One name extends the other by a place it is not in",
            ),
            # one name is the other with only the place both are in added: "Quill Systems
            # Canada" and "Quill Systems Inc", both in Canada, is a second account for the
            # same company, not a subsidiary (one abroad is where its name says, and the
            # other is not). Its own level because the model weighs name and country apart:
            # averaged with subsidiaries abroad, the place tag weighs like a different name
            cll.CustomLevel(
                f"{_EXTENDS_BY_A_PLACE_IT_SHARES.format(long='l', short='r')}"
                f" or {_EXTENDS_BY_A_PLACE_IT_SHARES.format(long='r', short='l')}",
                label_for_charts="One name extends the other by the place both are in",
            ),
            # one name is the other with words added, where the longer names a place: an
            # office tag ("Iron Robotics Deutschland") or a subsidiary abroad ("Acme Japan");
            # the countries tell them apart, and the model learns how often each occurs
            cll.CustomLevel(
                "(starts_with(name_key_l, name_key_r || ' ') and name_places_it_l)"
                " or (starts_with(name_key_r, name_key_l || ' ') and name_places_it_r)",
                label_for_charts="One name extends the other by a place",
            ),
            # one name, once the place it ends with is left out, a letter off the other
            # ("Faalcon Labs Canada", "FalconLabs"): the two slips a record may carry at once
            cll.CustomLevel(
                f"(name_core_l is not null and {_ONE_EDIT.replace(_A, 'name_core_l')})"
                f" or (name_core_r is not null and {_ONE_EDIT.replace(_B, 'name_core_r')})",
                label_for_charts="One name extends the other by a place, a letter off",
            ),
            # one name is the other with other words added ("Acme Health Platform", a
            # business unit or a subsidiary); weighed on its own, not as a near-equal name
            cll.CustomLevel(
                "starts_with(name_key_l, name_key_r || ' ')"
                " or starts_with(name_key_r, name_key_l || ' ')",
                label_for_charts="One name extends the other",
            ),
            # names that differ, but domains named alike: "OM Labs" at oakmedia.us and
            # "Oak Media Laboratories" at getoakmedia.com. A level of the name, not of the
            # domains, because a company's domain is usually its name: counted twice,
            # "Acme UK" and "Acme US" would be linked on one piece of evidence
            # one abbreviates the other and their domains are named alike ("HH Media Gmbh"
            # and "Harbor&HelixMedia GmbH", both at harborhelixmedia.de): each says what the
            # other alone leaves open
            cll.CustomLevel(
                f"({_DOMAINS_NAMED_ALIKE}) and ({_ABBREVIATES})",
                label_for_charts=ABBREVIATES_DOMAINS_ALIKE,
            ),
            cll.CustomLevel(_DOMAINS_NAMED_ALIKE, label_for_charts="Domains named alike"),
            cll.JaroWinklerLevel("name_compact", 0.88).configure(label_for_charts="Names alike"),
            cll.CustomLevel(_ABBREVIATES, label_for_charts="One name abbreviates the other"),
            # the same with a letter off in the words written out ("AT Frnce", "Apex Tech
            # France"), weighed apart
            cll.CustomLevel(
                f"{_ABBREVIATES_WITH_A_TYPO.format(l='l', r='r')}"
                f" or {_ABBREVIATES_WITH_A_TYPO.format(l='r', r='l')}",
                label_for_charts="One name abbreviates the other, a letter off",
            ),
            _any_in_common("name_tokens").configure(label_for_charts="A word in common"),
            cll.ElseLevel().configure(label_for_charts="Different names"),
        ],
        output_column_name="name",
    )
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            name,
            # a company domain both give away (one an agency shares is left out)
            cl.CustomComparison(
                comparison_levels=[
                    cll.NullLevel("domains"),
                    _any_in_common("domains"),
                    _any_in_common("domain_stems").configure(label_for_charts=NEUTRAL_LEVEL),
                    cll.ElseLevel(),
                ],
                output_column_name="domains",
            ),
            # a domain both give away that the domain tier found ambiguous (records whose
            # names disagree share it) but one of them is named for: "oe goup s.a." at
            # orbitenergy.fr, beside "The Orbit Energy Grp S.A.". An agency's domain on its
            # clients' billing emails is named for none of them
            cl.CustomComparison(
                comparison_levels=[
                    cll.CustomLevel(
                        f"{_NAMED_FOR_A_DOMAIN_OF.format(named='l', other='r')}"
                        f" or {_NAMED_FOR_A_DOMAIN_OF.format(named='r', other='l')}",
                        label_for_charts=NAMED_FOR_A_SHARED_DOMAIN,
                    ),
                    cll.ElseLevel(),
                ],
                output_column_name="named_domain",
            ),
            cl.CustomComparison(
                comparison_levels=[
                    cll.NullLevel("people"),
                    cll.CustomLevel(
                        "list_has_any(people_l, people_r)"
                        " and len(list_intersect(people_l, people_r)) >= 2",
                        label_for_charts="Two people or more in common",
                    ),
                    _any_in_common("people"),
                    cll.ElseLevel(),
                ],
                output_column_name="people",
            ),
            # two records of one system are one company less often than two of different
            # systems (a duplicate CRM account happens; most companies have none): the
            # model learns how much less
            cl.ExactMatch("source_dataset"),
            # where each is: the same country, countries one's region includes ("Acme (EU)"
            # and a German billing address), or apart ("Acme Japan", "Acme Americas")
            cl.CustomComparison(
                comparison_levels=[
                    cll.NullLevel("countries"),
                    cll.CustomLevel(
                        "len(countries_l) = 1 and countries_l = countries_r",
                        label_for_charts="Same country",
                    ),
                    _any_in_common("countries"),
                    # apart only as the endings of domains named alike say: a company
                    # registers its name under the endings of the markets it sells in
                    # (riversecurity.fr, riversecurity.de), so the ending of one is no
                    # address; weighs nothing either way (`NEUTRAL_LEVELS`)
                    cll.CustomLevel(
                        "list_has_any(domain_stems_l, domain_stems_r)"
                        " and (domains_place_it_l or domains_place_it_r)",
                        label_for_charts=DOMAIN_ENDINGS_APART,
                    ),
                    # apart, where one is placed only by a tag in its name: a workspace
                    # "Iron Tech K.K. (EU)" is the Japanese company's European team as often
                    # as a European company; weaker than two addresses apart
                    cll.CustomLevel(
                        "(name_places_it_l and country_l is null)"
                        " or (name_places_it_r and country_r is null)",
                        label_for_charts="Apart, one placed by its name alone",
                    ),
                    cll.ElseLevel(),
                ],
                output_column_name="where",
            ),
            cl.CustomComparison(
                comparison_levels=[
                    cll.NullLevel("first_seen_day"),
                    # a duplicate CRM account is opened whenever someone misses the first:
                    # when two records of one system appeared says nothing either way
                    cll.CustomLevel(
                        "source_dataset_l = source_dataset_r", label_for_charts=SAME_SYSTEM_DAYS
                    ),
                    cll.ExactMatchLevel("first_seen_day"),
                    cll.AbsoluteDateDifferenceLevel(
                        "first_seen_day", input_is_string=False, threshold=3, metric="day"
                    ),
                    cll.AbsoluteDateDifferenceLevel(
                        "first_seen_day", input_is_string=False, threshold=30, metric="day"
                    ),
                    # a trial that converts, a deal that takes a quarter to be billed
                    cll.AbsoluteDateDifferenceLevel(
                        "first_seen_day", input_is_string=False, threshold=90, metric="day"
                    ),
                    cll.ElseLevel(),
                ],
                output_column_name="first_seen_day",
            ),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name_first_token"),
            # a typo in the first word: the same first four and last three letters
            block_on("substr(name_compact, 1, 4)", "right(name_compact, 3)"),
            # a typo at the end or the start of a name run together ("copperlogistisc",
            # "coopperdata"): the first seven letters, or the last seven unless many names
            # end so (an industry word, "nalytic", would pair every analytics company)
            block_on("substr(name_compact, 1, 7)"),
            # a typo in the middle of a short name run together ("oaenergy", "oakenergy"):
            # its first two and last six letters, for names of ten letters or fewer (longer
            # ones keep the first seven or the last seven intact; with many records, this
            # key alone would pair every "Zo…analytics")
            CustomRule(
                "substr(l.name_compact, 1, 2) = substr(r.name_compact, 1, 2)"
                " and right(l.name_compact, 6) = right(r.name_compact, 6)"
                f" and length(l.name_compact) <= {SHORT_RUN_TOGETHER}"
                f" and length(r.name_compact) <= {SHORT_RUN_TOGETHER}"
            ),
            # a letter added or dropped at the start ("aacmeanalyticslabs", once "The" is
            # left out of "theaacmeanalyticslabs", beside "Acme analytics labs"): one name's
            # letters two to eight are the other's first seven
            *(
                CustomRule(
                    f"length({one}.name_compact) >= 8 and substr({one}.name_compact, 2, 7)"
                    f" = substr({other}.name_compact, 1, 7)"
                )
                for one, other in (("l", "r"), ("r", "l"))
            ),
            block_on("name_ends_blocking", arrays_to_explode=["name_ends_blocking"]),
            block_on("names_and_stems_blocking", arrays_to_explode=["names_and_stems_blocking"]),
            block_on("people_blocking", arrays_to_explode=["people_blocking"]),
            # abbreviations against the names they abbreviate
            block_on(
                "abbreviation_keys_blocking", arrays_to_explode=["abbreviation_keys_blocking"]
            ),
            # a deal won, its billing customer created, its tenant provisioned: the same day,
            # in two systems (for two records of one system the day weighs nothing); with
            # many records, the same day and initial (an abbreviation keeps it: "PAO
            # Robotics", "Prism & Onyx Robotics"), as a day alone then pairs hundreds
            CustomRule(
                "l.first_seen_day = r.first_seen_day"
                " and l.source_dataset <> r.source_dataset"
                + (
                    " and substr(l.name_compact, 1, 1) = substr(r.name_compact, 1, 1)"
                    if large
                    else ""
                )
            ),
        ],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )


# Domains named alike but none the same (acme.com, acme.de) are weighed by the name
# comparison (its level "Domains named alike"); here they count neither for nor against,
# where "no company domain in common" would count against.
NEUTRAL_LEVEL = "Domains named alike, none the same"
SAME_SYSTEM_DAYS = "Both of one system"
DOMAIN_ENDINGS_APART = "Apart by the endings of domains named alike"
NEUTRAL_LEVELS = (NEUTRAL_LEVEL, SAME_SYSTEM_DAYS, DOMAIN_ENDINGS_APART)

# No evidence is taken as impossible for the same company: a level never seen among the
# matches the model trained on still keeps this share of them (a company's second billing
# entity in another country, a CRM account on a domain nobody else used).
M_FLOOR = 0.01

# How much of a level's frequency among random pairs `_calibrated` may explain away as
# matches: at most nine tenths. The share of matches is itself an estimate, and one a little
# high takes all of a level's frequency away: "first seen the same day" then weighed as if
# no two companies ever started on one day, enough alone to join two unrelated companies.
U_KEPT = 0.1


def _calibrated(model: dict[str, Any]) -> dict[str, Any]:
    """The trained model with two corrections a small company needs.

    How often a level occurs among non-matches (u) is estimated from random pairs, and
    random pairs include matches: among a few hundred records, one pair in a few hundred
    is the same company, and those pairs share names, countries and dates. Observed
    frequency = λ·m + (1 − λ)·u, so u is taken back out of it (never below a tenth of what
    was observed, `U_KEPT`). With a hundred thousand records λ is tiny and this changes nothing;
    with a few hundred it is the difference between "same name, same country" being
    strong evidence and being none.

    m is floored at `M_FLOOR` (see there) and both are renormalised per comparison; the
    neutral levels (`NEUTRAL_LEVELS`) are set to weigh nothing.
    """
    share = model["probability_two_random_records_match"]
    for comparison in model["comparisons"]:
        levels = [
            level for level in comparison["comparison_levels"] if not level.get("is_null_level")
        ]
        for level in levels:
            m = max(level.get("m_probability") or 0.0, M_FLOOR)
            u = level.get("u_probability") or 0.0
            level["m_probability"] = m
            level["u_probability"] = max((u - share * m) / (1 - share), u * U_KEPT, 1e-6)
        for key in ("m_probability", "u_probability"):
            total = sum(level[key] for level in levels)
            for level in levels:
                level[key] /= total
        for level in levels:
            if level.get("label_for_charts") in NEUTRAL_LEVELS:
                level["u_probability"] = level["m_probability"]
    return model


# The evidence of each level of the name comparison in words, by the level's label.
_NAME_EVIDENCE = {
    SAME_SHORT_NAME: "'same short name (' || name_compact_l || ')'",
    "Same name as written": "'same name (' || name_compact_l || ')'",
    "Same name once words are written one way": "'same name once words are written one way ('"
    " || name_written_l || ' / ' || name_written_r || ')'",
    SAME_ONCE_WRITTEN_DOMAIN_AS_WRITTEN: (
        "'same name once words are written one way (' || name_written_l || ' / '"
        " || name_written_r || '), a domain named as the other is written'"
    ),
    ONE_LETTER_REPLACED: "'a letter replaced (' || names || ')'",
    "A letter differs": "'a letter differs (' || names || ')'",
    "Two letters differ": "'two letters differ (' || names || ')'",
    "One name extends the other by a place it is not in": (
        "'one name is the other with a place added that it is not in (' || names || ')'"
    ),
    "One name extends the other by the place both are in": (
        "'one name is the other with the place both are in added (' || names || ')'"
    ),
    "One name extends the other by a place": (
        "'one name is the other with words added, the longer naming a place (' || names || ')'"
    ),
    "One name extends the other by a place, a letter off": (
        "'one name is the other with a place added, a letter off (' || names || ')'"
    ),
    "One name extends the other by a team, domains named alike": (
        "'one name is the other with a team added (' || names || '), domains named alike: '"
        " || array_to_string(list_intersect(domain_stems_l, domain_stems_r), ', ')"
    ),
    "One name extends the other by a team": (
        "'one name is the other with a team added (' || names || ')'"
    ),
    "One name extends the other": "'one name is the other with words added (' || names || ')'",
    "Domains named alike": (
        "'names differ (' || names || '), domains named alike: ' || array_to_string("
        "list_intersect(list_concat([name_compact_l], domain_stems_l),"
        " list_concat([name_compact_r], domain_stems_r)), ', ')"
    ),
    "Names alike": "'names alike (' || names || ')'",
    ABBREVIATES_DOMAINS_ALIKE: (
        "'one name abbreviates the other (' || names || '), domains named alike: '"
        " || array_to_string(list_intersect(list_concat([name_compact_l], domain_stems_l),"
        " list_concat([name_compact_r], domain_stems_r)), ', ')"
    ),
    "One name abbreviates the other": "'one name abbreviates the other (' || names || ')'",
    "One name abbreviates the other, a letter off": (
        "'one name abbreviates the other, a letter off (' || names || ')'"
    ),
    "A word in common": "'a word of the name in common (' || names || ')'",
    "Different names": "'different names (' || names || ')'",
}


# The evidence of each level of the where comparison in words, by the level's label.
_WHERE_EVIDENCE = {
    "Same country": "'same country (' || countries_l[1] || ')'",
    "countries in common": (
        "'countries agree (' || array_to_string(list_intersect(countries_l, countries_r), ', ')"
        " || ')'"
    ),
    DOMAIN_ENDINGS_APART: (
        "'placed apart only by the endings of domains named alike (' || array_to_string("
        "countries_l, ', ') || ' / ' || array_to_string(countries_r, ', ') || ')'"
    ),
    "Apart, one placed by its name alone": (
        "'different countries, one placed by its name alone (' || array_to_string(countries_l,"
        " ', ') || ' / ' || array_to_string(countries_r, ', ') || ')'"
    ),
    "All other comparisons": (
        "'different countries (' || array_to_string(countries_l, ', ') || ' / '"
        " || array_to_string(countries_r, ', ') || ')'"
    ),
}


# The levels of the where comparison that place two records in different countries.
APART_LEVELS = ("Apart, one placed by its name alone", "All other comparisons")

# The levels of the name comparison that say one record is a business unit of the other's
# company: one name is the other with a team's name added (see `clustering.cluster`).
UNIT_WITH_DOMAINS_ALIKE = "One name extends the other by a team, domains named alike"
UNIT_LEVELS = (UNIT_WITH_DOMAINS_ALIKE, "One name extends the other by a team")


def _labels(model: dict[str, Any], comparison: str) -> list[str]:
    """The labels of the levels of `comparison`, the null level left out. Splink numbers
    the levels from the last (0) up, so the level labelled `labels[i]` has gamma
    `len(labels) - 1 - i`."""
    found = next(c for c in model["comparisons"] if c["output_column_name"] == comparison)
    return [
        level["label_for_charts"]
        for level in found["comparison_levels"]
        if not level.get("is_null_level")
    ]


def _levels(model: dict[str, Any], comparison: str, labels: tuple[str, ...]) -> list[int]:
    """The gamma values of the levels of `comparison` labelled `labels`."""
    ordered = _labels(model, comparison)
    return [len(ordered) - 1 - ordered.index(label) for label in labels]


def _evidence(model: dict[str, Any], comparison: str, words: dict[str, str]) -> str:
    """A SQL expression: the level of a pair in `comparison` in words (`words`, by the
    level's label), so that a level added or moved keeps its own words."""
    labels = _labels(model, comparison)
    cases = " ".join(
        f"when {len(labels) - 1 - index} then {words[label]}" for index, label in enumerate(labels)
    )
    return f"case gamma_{comparison} {cases} end"


def _name_evidence(model: dict[str, Any]) -> str:
    """The name comparison's level of a pair in words (see `_evidence`)."""
    return _evidence(model, "name", _NAME_EVIDENCE)


def _train(linker: Any, records: Any, column: str) -> Any:
    """`linker` (on the registered `records`) after one session of expectation
    maximisation on the pairs that agree on `column`; or as it was, with a warning, where
    there is nothing to learn: no two records agree on it (a company with a handful of
    records), or the session drives a level's m to nothing, which Splink refuses. A failed
    session leaves Splink's model without the comparison it blocked on, so the model is
    taken back from before it. The levels keep what the other sessions learned (`M_FLOOR`
    for those none did)."""
    from splink import Linker, block_on
    from splink.internals.exceptions import EMTrainingException  # not exported elsewhere

    before = linker.misc.save_model_to_json()
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(column))
    except (EMTrainingException, ValueError) as error:
        why = (
            "there are none"
            if isinstance(error, EMTrainingException)
            else "training drove the weight of a level to nothing, which Splink refuses"
        )
        log.warning(
            "identity: the model learns nothing from pairs of records with the same %s: %s",
            column,
            why,
        )
        return Linker(records, before, log_level=logging.ERROR)
    return linker


def score_pairs(con: duckdb.DuckDBPyConnection, keep_above: float = KEEP_ABOVE) -> pa.Table:
    """Every blocked pair of records at least `keep_above` likely the same company, with its
    probability and the evidence in words."""
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI(con)
    large = con.execute("select count(*) from records").fetchall()[0][0] > TRAIN_ON_AT_MOST
    if large:
        # a uniform sample that is the same at every run (DuckDB's sampling with a seed is
        # not, when several threads read the table): the records whose key hashes lowest
        con.execute(
            "create or replace table training_records as select * from records"
            f" order by hash(unique_id), unique_id limit {TRAIN_ON_AT_MOST}"
        )
    training_records = db_api.register("training_records" if large else "records")
    linker = Linker(training_records, _settings(large), log_level=logging.ERROR)
    training = linker.training
    training.estimate_probability_two_random_records_match([block_on("name_compact")], recall=0.6)
    training.estimate_u_using_random_sampling(max_pairs=1_000_000, seed=1)
    for column in ("name_compact", "first_seen_day", "primary_domain"):
        linker = _train(linker, training_records, column)
    model = _calibrated(linker.misc.save_model_to_json())
    name_evidence = _name_evidence(model)
    unit_levels = ", ".join(str(level) for level in _levels(model, "name", UNIT_LEVELS))
    (domains_alike_level,) = _levels(model, "name", ("Domains named alike",))
    (different_names_level,) = _levels(model, "name", ("Different names",))
    places_alike_levels = ", ".join(
        str(level) for level in _levels(model, "where", ("Same country", "countries in common"))
    )
    apart_levels = ", ".join(str(level) for level in _levels(model, "where", APART_LEVELS))
    where_evidence = _evidence(model, "where", _WHERE_EVIDENCE)
    linker = Linker(db_api.register("records"), model, log_level=logging.ERROR)
    predictions = linker.inference.predict(threshold_match_probability=keep_above)
    con.register("predictions", predictions.as_duckdbpyrelation())
    return con.sql(
        f"""
        select
            least(unique_id_l, unique_id_r) as left_key,
            greatest(unique_id_l, unique_id_r) as right_key,
            match_probability,
            match_weight,
            -- a team ("Acme Marketing"), a market the record is not in ("Acme Europe"
            -- billed in Canada, whatever level its name reached), or only the place both
            -- are in ("Birch Financial Europe", "Birch Financial GmbH", both in Germany): a
            -- business unit or a second account, no subsidiary
            gamma_name in ({unit_levels})
                or {_EXTENDS_BY_A_PLACE_ELSEWHERE.format(long="l", short="r")}
                or {_EXTENDS_BY_A_PLACE_ELSEWHERE.format(long="r", short="l")}
                or {_EXTENDS_BY_A_PLACE_IT_SHARES.format(long="l", short="r")}
                or {_EXTENDS_BY_A_PLACE_IT_SHARES.format(long="r", short="l")}
                as names_a_unit,
            -- a team, its domains named alike or not ("Harbor Dynamics Platform")
            gamma_name in ({unit_levels}) as names_a_team,
            -- names with nothing in common, and no country in common either: a pair
            -- tied by little more than the days its records appeared
            gamma_name = {different_names_level}
                and gamma_where not in ({places_alike_levels}) as names_and_places_differ,
            -- names that differ, a domain named like the other's but none in common: in two
            -- countries, what a subsidiary abroad on the parent's brand looks like ("VR
            -- Europe Ltd (UK)" at vertexrobotics.co.uk, "Vertex Robotics" in the US)
            gamma_name = {domains_alike_level} and gamma_domains <> 2 as only_a_domain_name,
            gamma_name = {domains_alike_level} and gamma_domains <> 2
                and gamma_where in ({apart_levels}) as only_a_domain_name_abroad,
            concat_ws('; ',
                {name_evidence},
                case gamma_domains
                    when 2 then 'company domain in common: '
                        || array_to_string(list_intersect(domains_l, domains_r), ', ')
                    when 0 then 'no company domain in common'
                end,
                case gamma_named_domain
                    when 1 then 'a domain in common that one is named for: '
                        || array_to_string(list_intersect(
                            list_concat(coalesce(named_for_domains_l, []),
                                coalesce(named_for_domains_r, [])),
                            list_intersect(coalesce(ambiguous_domains_l, []),
                                coalesce(ambiguous_domains_r, []))), ', ')
                end,
                case
                    when gamma_people > 0 then 'same people: '
                        || array_to_string(list_intersect(people_l, people_r), ', ')
                end,
                case gamma_source_dataset when 1 then 'both ' || source_dataset_l || ' records' end,
                {where_evidence},
                case gamma_first_seen_day
                    when 4 then 'first seen the same day'
                    when 3 then 'first seen within 3 days'
                    when 2 then 'first seen within 30 days'
                    when 1 then 'first seen within 90 days'
                end
            ) as evidence
        from (select *, name_compact_l || ' / ' || name_compact_r as names from predictions)
        order by match_probability desc, left_key, right_key
        """
    ).to_arrow_table()
