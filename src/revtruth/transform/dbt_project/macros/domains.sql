{#-
    The registrable-looking host of a website or email, lower case, without scheme, "www."
    or path: "https://www.Acme.com/about" -> "acme.com", "jo@Acme.com" -> "acme.com".
-#}
{% macro email_domain(column) -%}
    nullif(lower(trim(split_part({{ column }}, '@', 2))), '')
{%- endmacro %}

{% macro website_domain(column) -%}
    nullif(
        regexp_replace(
            regexp_replace(
                regexp_replace(lower(trim({{ column }})), '^[a-z]+://', ''),
            '^www\.', ''),
        '[/?#:].*$', ''),
    '')
{%- endmacro %}


{#-
    A company name reduced to what identifies the company, for comparing spellings across
    systems (docs/metrics.md#identity): lower case; bracketed tags "(EU)", "&"/"and",
    punctuation, legal forms (Inc., GmbH, L.L.C., K.K., Aktiengesellschaft, …), a leading
    "The", office tags (HQ, US, EU, UK, …) removed; words people abbreviate written one way
    (technologies → tech, services → svc, solutions → soln, systems → sys,
    laboratories → lab, international/int'l → intl, software → sw, holdings → hldgs,
    group → grp, partners/ptnrs → ptnr, medical → med, financial/finance → fin,
    healthcare → health, management → mgmt, communications → comm, manufacturing → mfg,
    industries → ind); a plural as its singular ("networks" → "network"); words run
    together in CamelCase split (a mixed-case legal form such as GmbH kept whole); single
    spaces. "The Acme Technologies, Inc. (EU)" → "acme tech".
-#}
{% macro company_name_key(column, words_written_one_way=true, office_tags=false) -%}
    {#- One step a line, applied in order: a regular expression (SQL), "=>", its replacement;
        a line starting with "--" says why. Without `words_written_one_way` the steps stop
        before the abbreviations and plurals: the name as it was written, which tells
        "Aurora Security" from "Aurora Securities" where the key cannot. With `office_tags`
        the office tags stay, as an abbreviation may spell them ("QDU" for "Quartz Data
        US"). -#}
    {%- set steps -%}
-- bracketed tags: "(EU)", "(HQ)"
'\([^)]*\)' => ' '
-- initials with dots or spaces become one word: "g.m.b.h." → "gmbh", "k. k." → "kk", and
-- two with a slash: "a/s" → "as"
'\b([a-z])[. ]+([a-z])[. ]+([a-z])[. ]+([a-z])\.?(\s|$)' => '\1\2\3\4 '
'\b([a-z])[. ]+([a-z])[. ]+([a-z])\.?(\s|$)' => '\1\2\3 '
'\b([a-z])[./ ]+([a-z])\.?(\s|$)' => '\1\2 '
'[^a-z0-9 ]+' => ' '
-- "The" (also with its two first or last letters swapped, "Teh", "Hte", or a letter
-- doubled, "Thhe", "Tthe": slips too short for the respelling of longer words) and "and"
'\b(the|teh|hte|tthe|thhe|and)\b' => ' '
-- legal forms, but not as the first word, which is then the name's ("BV Technologies",
-- "AB Dynamics"): a match of the first word keeps it, a match of a legal form drops it
'^(\s*[a-z0-9]+)|\b(' || {{ revtruth.legal_forms() }} || ')\b' => '\1'
-- office tags
'\b(hq|us|usa|eu|uk|emea|apac)\b' => ' '
-- words written one way
'\btechnolog(y|ies)\b' => 'tech'
'\b(services|service|svcs)\b' => 'svc'
'\b(solutions|solution|solns)\b' => 'soln'
'\b(systems|system)\b' => 'sys'
'\b(laboratories|laboratory|labs)\b' => 'lab'
'\b(international|int l)\b' => 'intl'
'\bsoftwares?\b' => 'sw'
'\b(holdings|holding|hldg)\b' => 'hldgs'
'\bgroup\b' => 'grp'
'\b(partners|partner|ptnrs|ptnr)\b' => 'ptnr'
'\bmedical\b' => 'med'
'\b(financial|finance)\b' => 'fin'
'\bhealthcare\b' => 'health'
'\bmanagement\b' => 'mgmt'
'\b(communications|comms)\b' => 'comm'
'\bmanufacturing\b' => 'mfg'
'\b(industries|industry)\b' => 'ind'
-- a plural as its singular: "securities" → "security", "networks" → "network",
-- "ventures" → "venture"; not a word that ends so in the singular ("Nimbus", "Oasis")
'\b([a-z]{3,})ies\b' => '\1y'
'\b([a-z]{3,}[^siu])s\b' => '\1'
' +' => ' '
    {%- endset -%}
    {%- set key = namespace(sql="lower(" ~ revtruth.split_camel_case(revtruth.mixed_case_legal_forms(column)) ~ ")") -%}
    {%- set lines = steps.split('\n') -%}
    {%- if not words_written_one_way -%}
        {%- set lines = lines[:lines.index('-- words written one way')] + ["' +' => ' '"] -%}
    {%- endif -%}
    {%- if office_tags -%}
        {%- set lines = lines[:lines.index('-- office tags')] + lines[lines.index('-- office tags') + 2:] -%}
    {%- endif -%}
    {%- for line in lines if line.strip() and not line.strip().startswith('--') -%}
        {%- set pattern, replacement = line.split(' => ') -%}
        {%- set key.sql = "regexp_replace(" ~ key.sql ~ ", " ~ pattern ~ ", " ~ replacement ~ ", 'g')" -%}
    {%- endfor -%}
    trim({{ key.sql }})
{%- endmacro %}


{#-
    A name or a person's name in the letters a–z leave alone: accents dropped ("Société
    Générale" → "Societe Generale", "José" → "Jose") and the letters no accent makes
    written as their usual Latin spelling ("Øresund" → "Oresund", "Straße" → "Strasse",
    "Łódź" → "Lodz"). One system keeps the accents a company writes, another (a form, an
    import, a card network) drops them, and the keys compare a–z only: without this,
    "Société" and "Societe" would be "soci t" and "societe".
-#}
{% macro latin_letters(column) -%}
    {{ return(adapter.dispatch('latin_letters', 'revtruth')(column)) }}
{%- endmacro %}

{% macro default__latin_letters(column) -%}
    {%- set spelled = {
        'ß': 'ss', 'ẞ': 'SS', 'æ': 'ae', 'Æ': 'AE', 'œ': 'oe', 'Œ': 'OE', 'ø': 'o', 'Ø': 'O',
        'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'þ': 'th', 'Þ': 'TH', 'ı': 'i'} -%}
    {%- set sql = namespace(text=column) -%}
    {%- for letter, latin in spelled.items() -%}
        {%- set sql.text = "replace(" ~ sql.text ~ ", '" ~ letter ~ "', '" ~ latin ~ "')" -%}
    {%- endfor -%}
    strip_accents({{ sql.text }})
{%- endmacro %}

{#- How alike two name keys are, 0 to 1 (Jaro-Winkler on the keys without spaces). -#}
{% macro name_similarity(left, right) -%}
    {{ return(adapter.dispatch('name_similarity', 'revtruth')(left, right)) }}
{%- endmacro %}

{% macro default__name_similarity(left, right) -%}
    jaro_winkler_similarity(replace({{ left }}, ' ', ''), replace({{ right }}, ' ', ''))
{%- endmacro %}

{% macro snowflake__name_similarity(left, right) -%}
    (jarowinkler_similarity(replace({{ left }}, ' ', ''), replace({{ right }}, ' ', '')) / 100.0)
{%- endmacro %}


{#-
    The person an email's domain is named after, when it is a personal domain
    (docs/metrics.md#identity): the local part's letters begin the domain's name, and the
    name goes on ("liam@liamito.me", "dana@dana-kim.com" → "liamito", "danakim"). Such a
    domain says who pays, not which company: it is a person, never a company domain.
    NULL for any other address.
-#}
{% macro personal_domain_person(email) -%}
    case
        when length(regexp_replace(split_part({{ email }}, '@', 1), '[^a-z]', '', 'g')) >= 3
            and starts_with(
                regexp_replace(split_part(split_part({{ email }}, '@', 2), '.', 1), '[^a-z]', '', 'g'),
                regexp_replace(split_part({{ email }}, '@', 1), '[^a-z]', '', 'g'))
            and length(regexp_replace(split_part(split_part({{ email }}, '@', 2), '.', 1), '[^a-z]', '', 'g'))
                >= length(regexp_replace(split_part({{ email }}, '@', 1), '[^a-z]', '', 'g')) + 3
            then regexp_replace(split_part(split_part({{ email }}, '@', 2), '.', 1), '[^a-z]', '', 'g')
    end
{%- endmacro %}


{#- The legal forms a company name may end with, as a regular expression's alternatives
    (written without dots: "L.L.C." and "K. K." are run together before they are sought),
    the Americas', Europe's and Asia's usual ones: "A/S" and "ApS" (Denmark, Norway), "Oyj"
    (Finland), "KG", "UG" (Germany), "SE" (a European company), "S.L." (Spain), "s.r.o."
    (Czechia, Slovakia), "Kft." (Hungary), "Pvt" (India), "Ltda" (Brazil). -#}
{% macro legal_forms() -%}
    'inc|incorporated|llc|llp|lp|ltd|limited|gmbh|mbh|ag|kgaa|aktiengesellschaft|kg|ohg|ug|se|kk|gk|corp|corporation|co|company|sa|sas|sarl|spa|srl|sl|bv|nv|bvba|oy|oyj|ab|as|aps|kft|sro|plc|pty|pte|pvt|bhd|sdn|ltda'
{%- endmacro %}


{#- Legal forms written in mixed case, lower case and apart, so that splitting CamelCase
    keeps them whole: "Lumen GmbH" → "Lumen gmbh", not "Lumen Gmb H"; "AcmeKGaA" → "Acme
    kgaa"; "Nordlys ApS" → "Nordlys aps", not "Nordlys Ap S". -#}
{% macro mixed_case_legal_forms(column) -%}
    regexp_replace(regexp_replace(regexp_replace(regexp_replace({{ column }},
        'GmbH\b', ' gmbh ', 'g'), '\bmbH\b', ' mbh ', 'g'), 'KGaA\b', ' kgaa ', 'g'),
        'ApS\b', ' aps ', 'g')
{%- endmacro %}


{#- Words run together in CamelCase as words: "PolarSecurity" → "Polar Security",
    "MIDynamics" → "MI Dynamics". -#}
{% macro split_camel_case(column) -%}
    regexp_replace(regexp_replace({{ column }},
        '([a-z])([A-Z])', '\1 \2', 'g'), '([A-Z]+)([A-Z][a-z])', '\1 \2', 'g')
{%- endmacro %}
