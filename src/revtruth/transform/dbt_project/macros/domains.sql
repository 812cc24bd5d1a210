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
