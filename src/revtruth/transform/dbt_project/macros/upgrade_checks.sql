{#-
    Run before every build (on-run-start): stop with a clear message when the warehouse was
    synced by an older revtruth in a shape this version no longer reads, instead of building
    marts from a source that looks empty.

    Since the product database became `product_db` in every layer, sync writes
    `<prefix>product_db`. A warehouse that still has only `<prefix>product` would build every
    paying company as a zombie (no activity found), a wrong answer shown as right.
-#}
{% macro check_raw_schemas() %}
    {%- if execute -%}
        {%- set prefix = var('dataset_prefix') -%}
        {%- set old = adapter.get_relation(
            database=target.database, schema=prefix ~ 'product', identifier='tenants') -%}
        {%- set new = adapter.get_relation(
            database=target.database, schema=prefix ~ 'product_db', identifier='tenants') -%}
        {%- if old is not none and new is none -%}
            {{ exceptions.raise_compiler_error(
                "the product database's raw tables are in " ~ prefix ~ "product, the schema older "
                ~ "revtruth versions wrote; this version reads " ~ prefix ~ "product_db. Run "
                ~ "`revtruth sync product_db` once, then build again (CHANGELOG.md).") }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
