{#-
    Every row satisfies a boolean SQL expression over the model's columns, e.g.
    `arr_amount = 12 * mrr_amount` or `not is_zombie or active_users_zombie_window = 0`
    (an implication written as "not A or B"). A row where the expression is NULL fails too:
    a money rule that cannot be checked is not a rule that holds. Failing rows are returned
    whole, so `dbt test --store-failures` shows which ones broke it. It may sit under a
    column too (`column_name` is then passed but not used): put it where the rule belongs.

    models:
      - name: subscriptions
        data_tests:
          - expression_is_true:
              arguments:
                expression: "arr_amount = 12 * mrr_amount"
-#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
