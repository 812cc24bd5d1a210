-- The MRR bridge (docs/metrics.md#movements): for every month, MRR(m) = MRR(m−1) + Σ movements(m) + fx(m),
-- exact to 0.0000001 in the reporting currency's major units. MRR(m−1) is read from the
-- previous month's own rows (0 before the first month), not from a column of month m, so
-- a customer who vanished from the history or a movement that was dropped or double
-- counted fails it. Returns the months where the bridge does not close.

with

customer_months as (

    select * from {{ ref('mrr_by_customer_month') }}

),

movements as (

    select * from {{ ref('mrr_movements') }}

),

monthly_mrr as (

    select
        month,
        sum(mrr_amount) as mrr,
        sum(fx_amount) as fx
    from customer_months
    group by month

),

monthly_movements as (

    select month, sum(movement_amount) as movements
    from movements
    group by month

),

bridge as (

    select
        monthly_mrr.month,
        monthly_mrr.mrr,
        coalesce(previous.mrr, 0) as previous_mrr,
        coalesce(monthly_movements.movements, 0) as movements,
        monthly_mrr.fx
    from monthly_mrr
    left join monthly_mrr as previous
        on previous.month = cast({{ dbt.dateadd('month', -1, 'monthly_mrr.month') }} as date)
    left join monthly_movements
        on monthly_mrr.month = monthly_movements.month

),

-- movements in a month that has no MRR row at all cannot be bridged either
orphan_movements as (

    select
        monthly_movements.month,
        cast(null as decimal(38, 10)) as mrr,
        cast(null as decimal(38, 10)) as previous_mrr,
        monthly_movements.movements,
        cast(null as decimal(38, 10)) as fx
    from monthly_movements
    left join monthly_mrr
        on monthly_movements.month = monthly_mrr.month
    where monthly_mrr.month is null

)

select *
from bridge
where abs(mrr - (previous_mrr + movements + fx)) > 0.0000001
    or mrr is null

union all

select * from orphan_movements
