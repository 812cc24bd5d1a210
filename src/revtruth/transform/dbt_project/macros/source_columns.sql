{#-
    Select the named columns of a raw table, each cast to its type, with NULL for columns
    the table does not have (yet).

    dlt creates a column only once some record carries a value for it, and Stripe accounts
    pinned to old API versions send other fields than current ones, so a staging model
    cannot assume every column exists. A missing table gives an empty result of the same
    shape. `columns` is a list of (column name, SQL type) pairs.
-#}
{% macro source_columns(source_name, table_name, columns) -%}
    {%- set src = source(source_name, table_name) -%}
    {%- set existing = [] -%}
    {%- set relation = none -%}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(
            database=src.database, schema=src.schema, identifier=src.identifier) -%}
        {%- if relation is not none -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do existing.append(column.name | lower) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif %}
    select
    {%- for name, data_type in columns %}
        {% if name | lower in existing -%}
            cast({{ adapter.quote(name) }} as {{ data_type }})
        {%- else -%}
            cast(null as {{ data_type }})
        {%- endif %} as {{ adapter.quote(name) }}{{ "," if not loop.last }}
    {%- endfor %}
    {% if relation is not none or not execute -%}
    from {{ src }}
    {%- else -%}
    where 1 = 0
    {%- endif %}
{%- endmacro %}
