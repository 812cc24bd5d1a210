-- Company-level SaaS metrics per month (docs/metrics.md#company-and-portfolio-metrics),
-- from the MRR history and its
-- movements. Amounts in the reporting currency, major units; movement sums are signed
-- like the movements (churn and contraction negative); ratios are DECIMAL fractions
-- (0.2 = 20%), NULL when their denominator is 0.

with

customer_months as (

    select * from {{ ref('mrr_by_customer_month') }}

),

movements as (

    select * from {{ ref('mrr_movements') }}

),

-- every month from the first with any MRR through the as-of month: each customer keeps a
-- row for every month after its first, so no month in between is missing
months as (

    select
        month,
        sum(mrr_amount) as mrr,
        sum(case when mrr_amount > 0 then 1 else 0 end) as customers,
        sum(previous_mrr_amount) as starting_mrr,
        sum(case when previous_mrr_amount > 0 then 1 else 0 end) as starting_customers,
        sum(fx_amount) as fx
    from customer_months
    group by month

),

movement_sums as (

    select
        month,
        sum(case when movement_type = 'new' then movement_amount else 0 end) as new_mrr,
        sum(case when movement_type = 'expansion' then movement_amount else 0 end) as expansion_mrr,
        sum(case when movement_type = 'contraction' then movement_amount else 0 end) as contraction_mrr,
        sum(case when movement_type = 'churn' then movement_amount else 0 end) as churned_mrr,
        sum(case when movement_type = 'reactivation' then movement_amount else 0 end) as reactivation_mrr,
        sum(case when movement_type = 'churn' then 1 else 0 end) as churned_customers
    from movements
    group by month

),

-- trailing 12 months: S = customers with MRR > 0 at the end of m − 12, followed to m
-- (new customers never enter S; reactivated ones in S count)
retention as (

    select
        current_month.month,
        sum(current_month.mrr_amount) as cohort_mrr_now,
        sum(case
                when current_month.mrr_amount < year_ago.mrr_amount
                    then current_month.mrr_amount
                else year_ago.mrr_amount
            end) as cohort_capped_mrr_now,
        sum(year_ago.mrr_amount) as cohort_mrr_year_ago
    from customer_months as current_month
    inner join customer_months as year_ago
        on current_month.customer_id = year_ago.customer_id
        and year_ago.month = cast({{ dbt.dateadd('month', -12, 'current_month.month') }} as date)
    where year_ago.mrr_amount > 0
    group by current_month.month

),

joined as (

    select
        months.month,
        months.mrr,
        months.customers,
        months.starting_mrr,
        months.starting_customers,
        months.fx,
        coalesce(movement_sums.new_mrr, 0) as new_mrr,
        coalesce(movement_sums.expansion_mrr, 0) as expansion_mrr,
        coalesce(movement_sums.contraction_mrr, 0) as contraction_mrr,
        coalesce(movement_sums.churned_mrr, 0) as churned_mrr,
        coalesce(movement_sums.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(movement_sums.churned_customers, 0) as churned_customers,
        coalesce(retention.cohort_mrr_now, 0) as cohort_mrr_now,
        coalesce(retention.cohort_capped_mrr_now, 0) as cohort_capped_mrr_now,
        coalesce(retention.cohort_mrr_year_ago, 0) as cohort_mrr_year_ago
    from months
    left join movement_sums
        on months.month = movement_sums.month
    left join retention
        on months.month = retention.month

),

final as (

    select
        month,
        cast(mrr as decimal(38, 10)) as mrr_amount,
        cast(12 * mrr as decimal(38, 10)) as arr_amount,
        cast(customers as bigint) as customers,
        cast(new_mrr as decimal(38, 10)) as new_mrr_amount,
        cast(expansion_mrr as decimal(38, 10)) as expansion_mrr_amount,
        cast(contraction_mrr as decimal(38, 10)) as contraction_mrr_amount,
        cast(churned_mrr as decimal(38, 10)) as churned_mrr_amount,
        cast(reactivation_mrr as decimal(38, 10)) as reactivation_mrr_amount,
        cast(fx as decimal(38, 10)) as fx_amount,
        cast(starting_mrr as decimal(38, 10)) as starting_mrr_amount,
        cast(starting_customers as bigint) as starting_customers,
        cast(churned_customers as bigint) as churned_customers,
        case when cohort_mrr_year_ago <> 0
            then {{ revtruth.decimal_divide('cohort_mrr_now', 'cohort_mrr_year_ago') }} end as nrr_12m,
        case when cohort_mrr_year_ago <> 0
            then {{ revtruth.decimal_divide('cohort_capped_mrr_now', 'cohort_mrr_year_ago') }} end as grr_12m,
        case when starting_customers <> 0
            then {{ revtruth.decimal_divide('churned_customers', 'starting_customers') }} end as logo_churn_rate,
        case when customers <> 0
            then {{ revtruth.decimal_divide('mrr', 'customers') }} end as arpa_amount,
        -- churn and contraction are negative movements: their magnitudes are − amount
        case when starting_mrr <> 0
            then {{ revtruth.decimal_divide('(0 - churned_mrr - contraction_mrr)', 'starting_mrr') }} end
            as gross_mrr_churn_rate,
        case when starting_mrr <> 0
            then {{ revtruth.decimal_divide(
                '(0 - churned_mrr - contraction_mrr - expansion_mrr - reactivation_mrr)', 'starting_mrr') }} end
            as net_mrr_churn_rate
    from joined

)

select * from final
