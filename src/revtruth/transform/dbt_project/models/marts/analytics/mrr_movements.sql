-- MRR movements per customer and month (docs/metrics.md#movements): p = the previous
-- month's MRR restated at this month's FX rates (constant currency), c = this month's MRR.
-- FX drift is not a movement: it is mrr_by_customer_month.fx_amount, so that
-- MRR(m) = MRR(m−1) + Σ movements(m) + fx(m) holds exactly.


with

customer_months as (

    select * from {{ ref('mrr_by_customer_month') }}

),

reporting_unit as (

    {{ revtruth.reporting_exponent_select() }}

),

compared as (

    select
        customer_id,
        month,
        previous_mrr_amount_at_current_rates as previous_amount,
        mrr_amount as current_amount,
        -- any earlier month with MRR: a return is a reactivation, not a new customer
        coalesce(max(case when mrr_amount > 0 then 1 else 0 end) over (
            partition by customer_id order by month
            rows between unbounded preceding and 1 preceding), 0) = 1 as had_mrr_before,
        lag(invoice_lines) over (partition by customer_id order by month) as previous_invoice_lines,
        is_as_of_month,
        invoice_lines
    from customer_months

),

-- p = 0 is tested before any comparison, so a return after a churn month is a
-- reactivation and never an expansion (the known bug of testing expansion first)
classified as (

    select
        *,
        case
            when previous_amount = 0 and current_amount > 0 and had_mrr_before then 'reactivation'
            when previous_amount = 0 and current_amount > 0 then 'new'
            when previous_amount > 0 and current_amount = 0 then 'churn'
            when current_amount > previous_amount then 'expansion'
            when current_amount < previous_amount then 'contraction'
        end as movement_type
    from compared

),

final as (

    select
        classified.month,
        classified.customer_id,
        classified.movement_type,
        cast(classified.current_amount - classified.previous_amount as decimal(38, 10))
            as movement_amount,
        cast((classified.current_amount - classified.previous_amount)
            * {{ revtruth.minor_per_major('reporting_unit.reporting_exponent') }}
            as decimal(38, 10)) as movement_minor,
        classified.previous_amount as previous_mrr_amount_at_current_rates,
        classified.current_amount as mrr_amount,
        -- the billing records behind the movement: the invoices [lines] covering each instant
        {{ dbt.concat([
            "substr(cast(" ~ dbt.dateadd('month', -1, 'classified.month') ~ " as " ~ dbt.type_string() ~ "), 1, 7)",
            "' month end: '",
            "coalesce(classified.previous_invoice_lines, 'no invoice')",
            "' -> '",
            "case when classified.is_as_of_month then cast(" ~ revtruth.as_of_date() ~ " as " ~ dbt.type_string() ~ ") || ' (as of)'"
                ~ " else substr(cast(classified.month as " ~ dbt.type_string() ~ "), 1, 7) || ' month end' end",
            "': '",
            "coalesce(classified.invoice_lines, 'no invoice')",
        ]) }} as explained_by
    from classified
    cross join reporting_unit
    where classified.movement_type is not null

)

select * from final
