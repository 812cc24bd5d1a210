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
    systems (docs/metrics.md#identity): lower case; bracketed tags "(EU)", "&" as "and",
    punctuation, legal forms (Inc., GmbH, LLC, …), a leading "The", office and country
    tags (HQ, US, EU, UK, …) removed; common long words shortened as people abbreviate them
    (technologies → tech, international → intl); single spaces.
    "The Acme Technologies, Inc. (EU)" → "acme tech".
-#}
{% macro company_name_key(column) -%}
    trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        regexp_replace(lower({{ column }}), '\([^)]*\)', ' ', 'g'),
        '&', ' and ', 'g'),
        '[^a-z0-9 ]+', ' ', 'g'),
        '\b(the|inc|incorporated|llc|ltd|limited|gmbh|ag|corp|corporation|co|company|sa|plc|bv|pty|hq|us|eu|uk|emea|apac)\b', ' ', 'g'),
        '\btechnolog(y|ies)\b', 'tech', 'g'),
        '\binternational\b', 'intl', 'g'),
        ' +', ' ', 'g'))
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
