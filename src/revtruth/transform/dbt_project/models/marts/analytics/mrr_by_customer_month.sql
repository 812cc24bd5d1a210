{{ config(schema='analytics') }}

-- MRR history rebuilt from invoice lines (METRICS.md, History): the MRR of a customer for
-- month m is the sum of the subscription lines whose service period covers the last
-- instant of m — for the current (as-of) month, the as-of instant — of subscriptions that
-- had not churned by then (ended; or cancellation requested, with `churn_at: requested`).
-- Also the previous month restated at this month's FX rates, so that movements are valued
-- at constant currency and FX drift is kept apart (`fx_*`).

{%- set mode = var('discount_duration_mode', 'while_active') %}
{%- if mode not in ['while_active', 'exclude'] %}
    {{ exceptions.raise_compiler_error(
        "discount_duration_mode must be 'while_active' or 'exclude', not '" ~ mode ~ "'") }}
{%- endif %}
{%- set reporting_currency = var('reporting_currency', 'usd') | lower %}
{%- set epoch_day = "cast('1970-01-01' as date)" %}

with recursive

lines as (

    select * from {{ ref('int_invoice_lines_mrr') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

reporting_unit as (

    {{ revtruth.reporting_exponent_select() }}

),

-- the month spine: from the month of the first service period through the as-of month,
-- both included, whatever the data holds in between
spine_bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(' ~ revtruth.utc_date('period_start_at') ~ ')') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', revtruth.as_of_date()) }} as date) as as_of_month
    from lines

),

months (month_start) as (

    select first_month
    from spine_bounds
    where first_month <= as_of_month

    union all

    select cast({{ dbt.dateadd('month', 1, 'months.month_start') }} as date)
    from months
    inner join spine_bounds
        on months.month_start < spine_bounds.as_of_month

),

-- The instant each month is measured at, as the UTC midnight that ends it: just before
-- the next month's first day for a past month; the as-of day's midnight (the instant
-- itself) for the as-of month. Built from whole days since the epoch, so the session's
-- time zone never shifts it.
month_instants as (

    select
        months.month_start,
        months.month_start = spine_bounds.as_of_month as is_as_of_month,
        case
            when months.month_start = spine_bounds.as_of_month then {{ revtruth.as_of_date() }}
            else cast({{ dbt.dateadd('month', 1, 'months.month_start') }} as date)
        end as boundary_day,
        -- the day whose FX rate applies at the instant (the month's last day, or as-of day)
        case
            when months.month_start = spine_bounds.as_of_month then {{ revtruth.as_of_date() }}
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month_start')) }} as date)
        end as rate_day
    from months
    cross join spine_bounds

),

month_boundaries as (

    select
        *,
        {{ revtruth.epoch_to_timestamp('86400 * ' ~ dbt.datediff(epoch_day, 'boundary_day', 'day')) }} as boundary_at
    from month_instants

),

-- A past month counts the lines covering the instant just before its boundary B:
-- start < B <= end, subscription not ended before B. The as-of month counts those
-- covering the as-of instant A itself: start <= A < end, subscription not ended at A.
covering_lines as (

    select
        month_boundaries.month_start,
        lines.customer_id,
        lines.subscription_id,
        lines.invoice_id,
        lines.invoice_line_id,
        lines.currency,
        lines.minor_unit_exponent,
        lines.reporting_units_per_usd,
        lines.currency_units_per_usd,
        lines.period_start_at,
        {% if mode == 'exclude' -%}
        -- finite discounts never lower MRR: add them back
        lines.mrr_minor + lines.finite_discount_mrr_minor as mrr_minor
        {%- else -%}
        -- finite discounts lower MRR while the invoice covering the instant carries them
        lines.mrr_minor
        {%- endif %}
    from lines
    inner join month_boundaries
        on (
            not month_boundaries.is_as_of_month
            and lines.period_start_at < month_boundaries.boundary_at
            and lines.period_end_at >= month_boundaries.boundary_at
            and (lines.subscription_churned_at is null or lines.subscription_churned_at >= month_boundaries.boundary_at)
        )
        or (
            month_boundaries.is_as_of_month
            and lines.period_start_at <= month_boundaries.boundary_at
            and lines.period_end_at > month_boundaries.boundary_at
            and (lines.subscription_churned_at is null or lines.subscription_churned_at > month_boundaries.boundary_at)
        )

),

-- a subscription's MRR never goes below 0: one whose covering lines net out negative
-- (a credit without its charge) counts 0
floored_subscriptions as (

    select month_start, subscription_id
    from covering_lines
    group by month_start, subscription_id
    having sum(mrr_minor) < 0

),

counted_lines as (

    select covering_lines.*
    from covering_lines
    left join floored_subscriptions
        on covering_lines.month_start = floored_subscriptions.month_start
        and covering_lines.subscription_id = floored_subscriptions.subscription_id
    where floored_subscriptions.subscription_id is null

),

-- summed natively per FX rate, then converted once per rate, so that the same native
-- MRR at the same rate is always the same reporting amount
rate_groups as (

    select
        customer_id,
        month_start,
        currency,
        minor_unit_exponent,
        reporting_units_per_usd,
        currency_units_per_usd,
        max(period_start_at) as latest_period_start_at,
        sum(mrr_minor) as mrr_minor
    from counted_lines
    group by customer_id, month_start, currency, minor_unit_exponent, reporting_units_per_usd, currency_units_per_usd

),

converted_groups as (

    select
        *,
        {{ revtruth.decimal_divide(
            revtruth.minor_to_major('mrr_minor', 'minor_unit_exponent') ~ ' * reporting_units_per_usd',
            'currency_units_per_usd') }} as mrr_amount_reporting,
        row_number() over (
            partition by customer_id, month_start, currency
            order by latest_period_start_at desc, reporting_units_per_usd, currency_units_per_usd
        ) as rate_rank
    from rate_groups

),

currency_months as (

    select
        customer_id,
        month_start,
        currency,
        max(minor_unit_exponent) as minor_unit_exponent,
        sum(mrr_minor) as mrr_minor,
        sum(mrr_amount_reporting) as mrr_amount_reporting
    from converted_groups
    group by customer_id, month_start, currency

),

-- FX of a currency in a month for a customer: the rate of its latest service period in
-- that currency, else (nothing billed in it any more) the seed's rate on the instant's day
spot_candidates as (

    select
        month_instants.month_start,
        fx_rates.currency,
        fx_rates.units_per_usd,
        row_number() over (
            partition by month_instants.month_start, fx_rates.currency
            order by
                case when fx_rates.rate_date <= month_instants.rate_day then 0 else 1 end,
                case when fx_rates.rate_date <= month_instants.rate_day then fx_rates.rate_date end desc,
                fx_rates.rate_date
        ) as rate_rank
    from month_instants
    cross join fx_rates

),

spot_rates as (

    select month_start, currency, units_per_usd
    from spot_candidates
    where rate_rank = 1

),

-- the previous month's native MRR of each currency, restated at this month's rates
restated_previous as (

    select
        previous.customer_id,
        cast({{ dbt.dateadd('month', 1, 'previous.month_start') }} as date) as month_start,
        {{ revtruth.decimal_divide(
            revtruth.minor_to_major('previous.mrr_minor', 'previous.minor_unit_exponent')
                ~ ' * coalesce(current_rate.reporting_units_per_usd, reporting_spot.units_per_usd)',
            "case when previous.currency = '" ~ reporting_currency ~ "'"
                ~ " then coalesce(current_rate.reporting_units_per_usd, reporting_spot.units_per_usd)"
                ~ " else coalesce(current_rate.currency_units_per_usd, currency_spot.units_per_usd) end") }}
            as previous_mrr_amount_at_current_rates
    from currency_months as previous
    left join converted_groups as current_rate
        on current_rate.customer_id = previous.customer_id
        and current_rate.currency = previous.currency
        and current_rate.month_start = cast({{ dbt.dateadd('month', 1, 'previous.month_start') }} as date)
        and current_rate.rate_rank = 1
    left join spot_rates as reporting_spot
        on reporting_spot.month_start = cast({{ dbt.dateadd('month', 1, 'previous.month_start') }} as date)
        and reporting_spot.currency = '{{ reporting_currency }}'
    left join spot_rates as currency_spot
        on currency_spot.month_start = cast({{ dbt.dateadd('month', 1, 'previous.month_start') }} as date)
        and currency_spot.currency = previous.currency

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

customer_totals as (

    select
        customer_id,
        month_start,
        count(distinct currency) as currency_count,
        max(currency) as currency,
        max(minor_unit_exponent) as minor_unit_exponent,
        sum(mrr_minor) as mrr_minor,
        sum(mrr_amount_reporting) as mrr_amount_reporting
    from currency_months
    group by customer_id, month_start

),

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
    where mrr_amount_reporting > 0
    group by customer_id

),

grid as (

    select first_months.customer_id, months.month_start
    from first_months
    inner join months
        on months.month_start >= first_months.first_month

),

restated_totals as (

    select
        customer_id,
        month_start,
        sum(previous_mrr_amount_at_current_rates) as previous_mrr_amount_at_current_rates
    from restated_previous
    group by customer_id, month_start

),

monthly as (

    select
        grid.customer_id,
        grid.month_start,
        customer_currencies.currency,
        customer_currencies.minor_unit_exponent,
        cast(coalesce(customer_totals.mrr_minor, 0) as decimal(38, 10)) as mrr_minor,
        cast(coalesce(customer_totals.mrr_amount_reporting, 0) as decimal(38, 10)) as mrr_amount_reporting,
        cast(coalesce(restated_totals.previous_mrr_amount_at_current_rates, 0) as decimal(38, 10))
            as previous_mrr_amount_at_current_rates,
        explained_months.invoice_lines
    from grid
    inner join customer_currencies
        on grid.customer_id = customer_currencies.customer_id
    left join customer_totals
        on grid.customer_id = customer_totals.customer_id
        and grid.month_start = customer_totals.month_start
    left join restated_totals
        on grid.customer_id = restated_totals.customer_id
        and grid.month_start = restated_totals.month_start
    left join explained_months
        on grid.customer_id = explained_months.customer_id
        and grid.month_start = explained_months.month_start

),

with_previous as (

    select
        *,
        -- the grid has every month from the first: the previous row is the previous month
        cast(coalesce(lag(mrr_amount_reporting) over (
            partition by customer_id order by month_start), 0) as decimal(38, 10)) as previous_mrr_amount_reporting
    from monthly

),

final as (

    select
        with_previous.customer_id,
        with_previous.month_start as month,
        with_previous.currency,
        case
            when with_previous.currency <> 'mixed'
                then cast({{ revtruth.minor_to_major('with_previous.mrr_minor', 'with_previous.minor_unit_exponent') }} as decimal(38, 10))
        end as mrr_amount,
        case when with_previous.currency <> 'mixed' then with_previous.mrr_minor end as mrr_minor,
        with_previous.mrr_amount_reporting,
        -- reporting major units to minor units (cents), exactly
        cast(with_previous.mrr_amount_reporting
            * {{ revtruth.minor_per_major('reporting_unit.reporting_exponent') }}
            as decimal(38, 10)) as mrr_cents_reporting,
        with_previous.previous_mrr_amount_reporting,
        with_previous.previous_mrr_amount_at_current_rates,
        cast(with_previous.previous_mrr_amount_at_current_rates - with_previous.previous_mrr_amount_reporting
            as decimal(38, 10)) as fx_amount_reporting,
        cast((with_previous.previous_mrr_amount_at_current_rates - with_previous.previous_mrr_amount_reporting)
            * {{ revtruth.minor_per_major('reporting_unit.reporting_exponent') }}
            as decimal(38, 10)) as fx_cents_reporting,
        month_boundaries.is_as_of_month,
        month_boundaries.boundary_at as month_boundary_at,
        with_previous.invoice_lines
    from with_previous
    cross join reporting_unit
    inner join month_boundaries
        on with_previous.month_start = month_boundaries.month_start

)

select * from final
