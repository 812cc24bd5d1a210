{#-
    numerator ÷ denominator as DECIMAL(38, scale), rounded half away from zero at `scale`.

    Money stays decimal until it is shown. Most warehouses divide decimals as decimals;
    DuckDB returns a DOUBLE, so there the division is done on scaled 128-bit integers.
    Both operands may carry up to 12 decimals (prices, FX rates, fractions of a cent).
-#}
{% macro decimal_divide(numerator, denominator, scale=10) -%}
    {{ return(adapter.dispatch('decimal_divide', 'revtruth')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__decimal_divide(numerator, denominator, scale=10) -%}
    cast(round(cast({{ numerator }} as numeric(38, 18)) / cast({{ denominator }} as numeric(38, 18)), {{ scale }}) as numeric(38, {{ scale }}))
{%- endmacro %}

{% macro duckdb__decimal_divide(numerator, denominator, scale=10) -%}
    {#- both sides scaled by 10^12 to integers; the quotient then carries `scale` decimals -#}
    {%- set n -%} cast(round(cast({{ numerator }} as decimal(38, 12)) * 1000000000000) as hugeint) * cast(1{{ '0' * scale }} as hugeint) {%- endset -%}
    {%- set d -%} cast(round(cast({{ denominator }} as decimal(38, 12)) * 1000000000000) as hugeint) {%- endset -%}
    (cast(
        sign({{ n }}) * sign({{ d }})
        * ((abs({{ n }}) * 2 + abs({{ d }})) // (abs({{ d }}) * 2))
     as decimal(38, 0)) * cast(0.{{ '0' * (scale - 1) }}1 as decimal(38, {{ scale }})))
{%- endmacro %}


{#-
    Minor units to major units for a currency: ÷100 for most, ÷1 for zero-decimal currencies
    such as JPY, ÷1000 for three-decimal ones (the `currency_minor_units` seed lists them).
-#}
{% macro minor_to_major(amount, exponent) -%}
    ({{ amount }} * case {{ exponent }} when 0 then 1 when 3 then 0.001 else 0.01 end)
{%- endmacro %}


{#-
    An amount in major units of a currency, converted to the reporting currency with the
    rates of int_fx_rates_daily (units of each per US dollar): amount × reporting units ÷
    currency units. A record in the reporting currency has both rates equal, so it converts
    at exactly 1 (docs/metrics.md#currency-and-fx).
-#}
{% macro to_reporting(amount_major, units_per_usd, reporting_units_per_usd) -%}
    {{ revtruth.decimal_divide(
        '(' ~ amount_major ~ ') * ' ~ reporting_units_per_usd, units_per_usd) }}
{%- endmacro %}


{#-
    Months per billing interval as an exact fraction numerator ÷ denominator, so that a week
    (12/52 of a month) stays exact: monthly amount = amount × denominator ÷ numerator.
-#}
{% macro months_numerator(interval, interval_count) -%}
    case {{ interval }}
        when 'month' then {{ interval_count }}
        when 'year' then 12 * {{ interval_count }}
        when 'week' then 12 * {{ interval_count }}
        when 'day' then 12 * {{ interval_count }}
    end
{%- endmacro %}

{#- An amount of a billing period per month, with the fraction columns above:
    amount × months_denominator ÷ months_numerator, exactly to 10 decimals. -#}
{% macro per_month(amount, numerator='months_numerator', denominator='months_denominator') -%}
    {{ revtruth.decimal_divide('(' ~ amount ~ ') * ' ~ denominator, numerator) }}
{%- endmacro %}

{% macro months_denominator(interval) -%}
    case {{ interval }}
        when 'week' then 52
        when 'day' then 365
        else 1
    end
{%- endmacro %}


{#- The reporting currency's minor-unit exponent (2 unless `currency_minor_units` says 0 or
    3), as a one-row select for a CTE, and the minor units in one major unit. -#}
{% macro reporting_exponent_select() -%}
    select coalesce(max(minor_unit_exponent), 2) as reporting_exponent
    from {{ ref('currency_minor_units') }}
    where currency = '{{ revtruth.reporting_currency() }}'
{%- endmacro %}

{% macro minor_per_major(exponent) -%}
    case {{ exponent }} when 0 then 1 when 3 then 1000 else 100 end
{%- endmacro %}
