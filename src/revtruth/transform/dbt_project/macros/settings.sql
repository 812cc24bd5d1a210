{#-
    Settings as the models read them. revtruth checks every setting before dbt runs and
    passes all of them as vars (their defaults live in revtruth.config.settings); these
    guards only matter when someone runs the project by hand with a wrong var.
-#}

{#- The value of var `name`, which must be one of `allowed`. -#}
{% macro choice_var(name, allowed) -%}
    {%- set value = var(name) -%}
    {%- if value not in allowed -%}
        {{ exceptions.raise_compiler_error(
            name ~ " must be " ~ (allowed | join(" or ")) ~ ", not '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The reporting currency, lower case, as the seeds and Stripe write currencies. -#}
{% macro reporting_currency() -%}
    {{ return(var('reporting_currency') | lower) }}
{%- endmacro %}
