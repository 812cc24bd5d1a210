-- One row per month of the history and invoice line that counts in the month's MRR
-- (docs/metrics.md#mrr-history): the line covers the month's instant, its subscription had
-- not churned by then, and the subscription's covering lines do not net out below 0 (a
-- subscription's MRR never goes below 0: a credit without its charge counts 0).

with

covering as (

    select * from {{ ref('int_invoice_lines_covering_month_ends') }}
    where is_subscription_counted

),

floored_subscriptions as (

    select month_start, subscription_id
    from covering
    group by month_start, subscription_id
    having sum(mrr_minor_native) < 0

),

final as (

    select covering.*
    from covering
    left join floored_subscriptions
        on covering.month_start = floored_subscriptions.month_start
        and covering.subscription_id = floored_subscriptions.subscription_id
    where floored_subscriptions.subscription_id is null

)

select * from final
