-- One row per month of the history and invoice line whose service period covers the
-- instant the month's MRR is measured at (int_month_ends): the one month-end coverage rule
-- (docs/metrics.md#mrr-history), read by the history and by its reconciliation with live
-- MRR.
--
-- A past month counts the lines covering the instant just before its boundary B:
-- start < B <= end. The as-of month counts those covering the as-of instant A itself:
-- start <= A < end. `is_subscription_counted`: the line's subscription had not churned
-- by then (int_subscriptions_churned); lines of churned subscriptions are kept, flagged,
-- so that a reconciliation can say why they do not count.

with

lines as (

    select * from {{ ref('int_invoice_lines_mrr') }}

),

month_ends as (

    select * from {{ ref('int_month_ends') }}

),

past_months as (

    select
        month_ends.month_start,
        month_ends.is_as_of_month,
        month_ends.boundary_at,
        lines.subscription_churned_at is null
            or lines.subscription_churned_at >= month_ends.boundary_at as is_subscription_counted,
        lines.*
    from lines
    inner join month_ends
        on not month_ends.is_as_of_month
        and lines.period_start_at < month_ends.boundary_at
        and lines.period_end_at >= month_ends.boundary_at

),

as_of_month as (

    select
        month_ends.month_start,
        month_ends.is_as_of_month,
        month_ends.boundary_at,
        lines.subscription_churned_at is null
            or lines.subscription_churned_at > month_ends.boundary_at as is_subscription_counted,
        lines.*
    from lines
    inner join month_ends
        on month_ends.is_as_of_month
        and lines.period_start_at <= month_ends.boundary_at
        and lines.period_end_at > month_ends.boundary_at

),

final as (

    select * from past_months
    union all
    select * from as_of_month

)

select * from final
