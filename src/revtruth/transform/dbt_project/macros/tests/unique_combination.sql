{#-
    No two rows share the same values in all of `columns` (a composite key), e.g. a
    company member is identified by (source, source_id). Rows where any of the columns is
    NULL are compared too (NULLs group together), so pair it with `not_null` tests on the
    columns when NULL is not allowed. Returns one row per duplicated combination.

    models:
      - name: company_members
        data_tests:
          - unique_combination:
              arguments:
                columns: [source, source_id]
-#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as n_records
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
