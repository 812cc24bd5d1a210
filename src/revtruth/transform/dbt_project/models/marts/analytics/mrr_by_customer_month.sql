-- MRR history per Stripe customer and month (docs/metrics.md#mrr-history), rebuilt from
-- invoice lines by the billing intermediate models: one row for every month from the
-- customer's first month with MRR through the as-of month, with what it is worth in the
-- reporting currency and in its own, the previous month restated at this month's FX rates,
-- and the FX drift between the two (never a movement), and the invoice lines behind it.

with

month_ends as (

    select * from {{ ref('int_month_ends') }}

),

currency_months as (

    select * from {{ ref('int_customer_currency_months') }}

),

restated as (

    select * from {{ ref('int_customer_months_fx_restated') }}

),

counted_lines as (

    select * from {{ ref('int_invoice_lines_counted') }}

),

lines as (

    select * from {{ ref('int_invoice_lines_mrr') }}

),

reporting_unit as (

    {{ revtruth.reporting_exponent_select() }}

),

customer_totals as (

    select
        customer_id,
        month_start,
        sum(mrr_minor_native) as mrr_minor_native,
        sum(mrr_amount) as mrr_amount
    from currency_months
    group by customer_id, month_start

),

-- a customer billed in several currencies over time has no one native amount ('mixed')
customer_currencies as (

    select
        customer_id,
        case when count(distinct currency) = 1 then max(currency) else 'mixed' end as currency,
        max(minor_unit_exponent) as minor_unit_exponent
    from lines
    group by customer_id

),

-- rows from each customer's first month with MRR > 0 through the as-of month
first_months as (

    select customer_id, min(month_start) as first_month
    from customer_totals
    where mrr_amount > 0
    group by customer_id

),

grid as (

    select first_months.customer_id, month_ends.month_start
    from first_months
    inner join month_ends
        on month_ends.month_start >= first_months.first_month

),

-- the invoices and lines behind each customer-month, for people to check
invoice_line_lists as (

    select
        customer_id,
        month_start,
        invoice_id,
        invoice_id || ' [' || {{ dbt.listagg('invoice_line_id', "', '", 'order by invoice_line_id') }} || ']'
            as invoice_lines
    from counted_lines
    group by customer_id, month_start, invoice_id

),

explained_months as (

    select
        customer_id,
        month_start,
        {{ dbt.listagg('invoice_lines', "'; '", 'order by invoice_id') }} as invoice_lines
    from invoice_line_lists
    group by customer_id, month_start

),

monthly as (

    select
        grid.customer_id,
        grid.month_start,
        customer_currencies.currency,
        customer_currencies.minor_unit_exponent,
        cast(coalesce(customer_totals.mrr_minor_native, 0) as decimal(38, 10)) as mrr_minor_native,
        cast(coalesce(customer_totals.mrr_amount, 0) as decimal(38, 10)) as mrr_amount,
        cast(coalesce(restated.previous_mrr_amount_at_current_rates, 0) as decimal(38, 10))
            as previous_mrr_amount_at_current_rates,
        explained_months.invoice_lines
    from grid
    inner join customer_currencies
        on grid.customer_id = customer_currencies.customer_id
    left join customer_totals
        on grid.customer_id = customer_totals.customer_id
        and grid.month_start = customer_totals.month_start
    left join restated
        on grid.customer_id = restated.customer_id
        and grid.month_start = restated.month_start
    left join explained_months
        on grid.customer_id = explained_months.customer_id
        and grid.month_start = explained_months.month_start

),

with_previous as (

    select
        *,
        -- the grid has every month from the first: the previous row is the previous month
        cast(coalesce(lag(mrr_amount) over (partition by customer_id order by month_start), 0)
            as decimal(38, 10)) as previous_mrr_amount
    from monthly

),

final as (

    select
        with_previous.customer_id,
        with_previous.month_start as month,
        with_previous.currency,
        with_previous.mrr_amount,
        cast(with_previous.mrr_amount * {{ revtruth.minor_per_major('reporting_unit.reporting_exponent') }}
            as decimal(38, 10)) as mrr_minor,
        case
            when with_previous.currency <> 'mixed'
                then cast({{ revtruth.minor_to_major('with_previous.mrr_minor_native', 'with_previous.minor_unit_exponent') }}
                    as decimal(38, 10))
        end as mrr_amount_native,
        case when with_previous.currency <> 'mixed' then with_previous.mrr_minor_native end as mrr_minor_native,
        with_previous.previous_mrr_amount,
        with_previous.previous_mrr_amount_at_current_rates,
        cast(with_previous.previous_mrr_amount_at_current_rates - with_previous.previous_mrr_amount
            as decimal(38, 10)) as fx_amount,
        cast((with_previous.previous_mrr_amount_at_current_rates - with_previous.previous_mrr_amount)
            * {{ revtruth.minor_per_major('reporting_unit.reporting_exponent') }}
            as decimal(38, 10)) as fx_minor,
        month_ends.is_as_of_month,
        month_ends.boundary_at as month_boundary_at,
        with_previous.invoice_lines
    from with_previous
    cross join reporting_unit
    inner join month_ends
        on with_previous.month_start = month_ends.month_start

)

select * from final
