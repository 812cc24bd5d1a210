{#- Unix seconds (Stripe's timestamps) to a timestamp with time zone. -#}
{% macro epoch_to_timestamp(column) -%}
    {{ return(adapter.dispatch('epoch_to_timestamp', 'revtruth')(column)) }}
{%- endmacro %}

{% macro default__epoch_to_timestamp(column) -%}
    to_timestamp({{ column }})
{%- endmacro %}

{% macro snowflake__epoch_to_timestamp(column) -%}
    to_timestamp_tz({{ column }})
{%- endmacro %}

{% macro bigquery__epoch_to_timestamp(column) -%}
    timestamp_seconds({{ column }})
{%- endmacro %}


{#- The UTC calendar date of a timestamp with time zone, whatever the session's zone. -#}
{% macro utc_date(column) -%}
    {{ return(adapter.dispatch('utc_date', 'revtruth')(column)) }}
{%- endmacro %}

{% macro default__utc_date(column) -%}
    cast(({{ column }} at time zone 'UTC') as date)
{%- endmacro %}

{% macro duckdb__utc_date(column) -%}
    cast(timezone('UTC', {{ column }}) as date)
{%- endmacro %}

{% macro snowflake__utc_date(column) -%}
    cast(convert_timezone('UTC', {{ column }}) as date)
{%- endmacro %}

{% macro bigquery__utc_date(column) -%}
    date({{ column }}, 'UTC')
{%- endmacro %}


{#-
    The day the metrics are computed for: the `as_of_date` var, which revtruth always sets
    (today's UTC date unless configured). Windows such as "the last 30 days" count back
    from it, inclusive: as_of_date − 30 … as_of_date.
-#}
{% macro as_of_date() -%}
    {%- if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}


{#-
    The first day of a window of `days` days that ends on the as-of date, both included:
    as_of_date − days … as_of_date (the health windows, docs/metrics.md#account-health-and-zombies).
-#}
{% macro window_start(days) -%}
    {{ dbt.dateadd('day', -days, revtruth.as_of_date()) }}
{%- endmacro %}


{#-
    The UTC midnight that starts a date, as a timestamp with time zone, built from whole days
    since the epoch so that the session's time zone never shifts it.
-#}
{% macro utc_midnight(date_expression) -%}
    {{ revtruth.epoch_to_timestamp(
        '86400 * ' ~ dbt.datediff("cast('1970-01-01' as date)", date_expression, 'day')) }}
{%- endmacro %}


{#- The as-of instant: the UTC midnight that starts the as-of date. Live MRR is measured at
    it, and so is the as-of month of the history (docs/metrics.md#mrr-history). -#}
{% macro as_of_instant() -%}
    {{ revtruth.utc_midnight(revtruth.as_of_date()) }}
{%- endmacro %}


{#- A text field of a JSON column by path, e.g. json_text('data', 'object.customer'). -#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'revtruth')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    ({{ column }}::json #>> '{{ "{" ~ path.replace(".", ",") ~ "}" }}')
{%- endmacro %}

{% macro duckdb__json_text(column, path) -%}
    json_extract_string({{ column }}, '$.{{ path }}')
{%- endmacro %}

{% macro snowflake__json_text(column, path) -%}
    {{ column }}:{{ path }}::varchar
{%- endmacro %}

{% macro bigquery__json_text(column, path) -%}
    json_value({{ column }}, '$.{{ path }}')
{%- endmacro %}


{#-
    The body of a recursive CTE `name (column)` listing every `datepart` (day, month) from
    `first` to `last`, both included, read from the one-row CTE `bounds`: a spine that
    starts and ends where the data says, never at a fixed date. The model's `with` must be
    `with recursive`.
-#}
{% macro spine(name, column, datepart, bounds, first, last) -%}
    select {{ first }}
    from {{ bounds }}
    where {{ first }} <= {{ last }}

    union all

    select cast({{ dbt.dateadd(datepart, 1, name ~ '.' ~ column) }} as date)
    from {{ name }}
    inner join {{ bounds }}
        on {{ name }}.{{ column }} < {{ bounds }}.{{ last }}
{%- endmacro %}
