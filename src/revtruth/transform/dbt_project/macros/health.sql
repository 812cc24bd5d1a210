{#-
    The account health label from the number of activity rows in the recent window:
    none is a zombie risk, fewer than `low_adoption_below` is low adoption.
-#}
{% macro account_health_label(recent_events) -%}
    case
        when {{ recent_events }} = 0 then 'High Churn Risk (Zombie)'
        when {{ recent_events }} < {{ var('low_adoption_below') }} then 'Medium Risk (Low Adoption)'
        else 'Healthy'
    end
{%- endmacro %}
