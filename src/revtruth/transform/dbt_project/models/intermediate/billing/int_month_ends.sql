-- One row per month of the MRR history, with the instant its MRR is measured at
-- (docs/metrics.md#mrr-history): from the month of the first service period an MRR line
-- counts from through the as-of month, both included, whatever the data holds in between (no spine
-- that starts at a fixed date, none that misses the current month).
--
-- A past month is measured just before the UTC midnight that ends it (`boundary_at`, the
-- next month's first instant); the as-of month at the as-of instant itself (the UTC
-- midnight that starts the as-of date). `rate_day` is the day whose FX rates hold at that
-- instant: the month's last day, or the as-of date.

with recursive

lines as (

    select * from {{ ref('int_invoice_lines_mrr') }}

),

spine_bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(' ~ revtruth.utc_date('period_start_at') ~ ')') }} as date)
            as first_month,
        cast({{ dbt.date_trunc('month', revtruth.as_of_date()) }} as date) as as_of_month
    from lines

),

months (month_start) as (

    {{ revtruth.spine('months', 'month_start', 'month', 'spine_bounds', 'first_month', 'as_of_month') }}

),

month_days as (

    select
        months.month_start,
        months.month_start = spine_bounds.as_of_month as is_as_of_month,
        case
            when months.month_start = spine_bounds.as_of_month then {{ revtruth.as_of_date() }}
            else cast({{ dbt.dateadd('month', 1, 'months.month_start') }} as date)
        end as boundary_day,
        case
            when months.month_start = spine_bounds.as_of_month then {{ revtruth.as_of_date() }}
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month_start')) }} as date)
        end as rate_day
    from months
    cross join spine_bounds

),

final as (

    select
        month_start,
        is_as_of_month,
        {{ revtruth.utc_midnight('boundary_day') }} as boundary_at,
        rate_day
    from month_days

)

select * from final
