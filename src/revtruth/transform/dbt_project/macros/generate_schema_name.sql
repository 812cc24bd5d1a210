{#-
    Use custom schema names as written: a model configured with schema "stripe" is built in
    `stripe`, not dbt's default `<target schema>_stripe` (`main_stripe`). Models without a
    custom schema go to the target's schema. The warehouse contract (docs/architecture.md) relies on
    these plain names.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
