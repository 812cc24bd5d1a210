{#-
    The model has exactly `expected` rows: the key test of a one-row summary such as
    analytics.active_customer_counts, which has no key column. Returns one row (the actual
    count) when the count differs.
-#}
{% test row_count(model, expected) %}

select row_count
from (
    select count(*) as row_count
    from {{ model }}
) as counted
where row_count <> {{ expected }}

{% endtest %}
