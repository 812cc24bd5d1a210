-- Fails (one row) when the reporting currency has no row in the fx_rates seed: without it no
-- amount can be converted, and every reporting-currency MRR would be empty.
select '{{ revtruth.reporting_currency() }}' as missing_reporting_currency
where not exists (
    select 1 from {{ ref('fx_rates') }}
    where currency = '{{ revtruth.reporting_currency() }}'
)
