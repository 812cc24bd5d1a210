{#-
    The model has exactly as many rows as `compare_model`: a grain test for a model that
    must keep one row per row of its input, e.g. stripe.subscriptions has one row per
    staged Stripe subscription, so a join or filter that silently drops or duplicates
    subscriptions fails the build. Returns one row with both counts when they differ.

    models:
      - name: subscriptions
        data_tests:
          - same_row_count:
              arguments:
                compare_model: ref('stg_stripe__subscriptions')
-#}
{% test same_row_count(model, compare_model) %}

select model_rows, compare_model_rows
from (
    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ compare_model }}) as compare_model_rows
) as counts
where model_rows <> compare_model_rows

{% endtest %}
