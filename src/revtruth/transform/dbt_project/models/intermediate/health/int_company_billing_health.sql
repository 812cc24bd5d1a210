-- One row per company with a billing customer: what billing says about its health
-- (docs/metrics.md#health-score). Seats, renewals and problems are read from the
-- subscriptions that count in MRR now; money lost is the contraction and churn movements
-- of the last three months (the as-of month and the two before), which leave FX out.

{%- set recent_months_since = dbt.dateadd(
    'month', -2, dbt.date_trunc('month', revtruth.as_of_date())) %}

with

members as (

    select * from {{ ref('identity_links') }}
    where source = 'stripe'

),

subscriptions as (

    select * from {{ ref('int_subscriptions_mrr') }}

),

items as (

    select * from {{ ref('stg_stripe__subscription_items') }}

),

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

movements as (

    select * from {{ ref('mrr_movements') }}

),

customer_months as (

    select * from {{ ref('mrr_by_customer_month') }}

),

annual_subscriptions as (

    select distinct subscription_id from items where billing_interval = 'year'

),

-- seats paid for: the quantity of every per-seat (licensed) item of a counted subscription
seats as (

    select subscriptions.customer_id, sum(items.quantity) as paid_seats
    from subscriptions
    inner join items
        on subscriptions.subscription_id = items.subscription_id
    where subscriptions.is_counted_in_mrr
        and items.usage_type = 'licensed'
    group by subscriptions.customer_id

),

subscription_facts as (

    select
        customer_id,
        count(case when subscription_status in ('past_due', 'unpaid') then 1 end)
            as overdue_subscriptions,
        min(case
            when is_counted_in_mrr
                and subscription_id in (select subscription_id from annual_subscriptions)
                then {{ dbt.datediff(revtruth.as_of_date(),
                    revtruth.utc_date('current_period_end_at'), 'day') }}
        end) as days_to_renewal
    from subscriptions
    group by customer_id

),

uncollectible as (

    select customer_id, count(*) as uncollectible_invoices_recent
    from invoices
    where invoice_status = 'uncollectible'
        and {{ revtruth.utc_date('created_at') }}
            > {{ dbt.dateadd('day', -90, revtruth.as_of_date()) }}
        and {{ revtruth.utc_date('created_at') }} <= {{ revtruth.as_of_date() }}
    group by customer_id

),

lost as (

    select customer_id, -sum(movement_amount) as mrr_lost_recently
    from movements
    where movement_type in ('contraction', 'churn')
        and month >= {{ recent_months_since }}
    group by customer_id

),

current_mrr as (

    select customer_id, sum(mrr_amount) as mrr_now
    from customer_months
    where is_as_of_month
    group by customer_id

)

select
    members.company_id,
    cast(sum(coalesce(seats.paid_seats, 0)) as bigint) as paid_seats,
    cast(sum(coalesce(subscription_facts.overdue_subscriptions, 0)) as bigint) as overdue_subscriptions,
    cast(sum(coalesce(uncollectible.uncollectible_invoices_recent, 0)) as bigint)
        as uncollectible_invoices_recent,
    min(subscription_facts.days_to_renewal) as days_to_renewal,
    coalesce(sum(lost.mrr_lost_recently), 0) as mrr_lost_recently,
    coalesce(sum(current_mrr.mrr_now), 0) as mrr_now
from members
left join seats on members.source_id = seats.customer_id
left join subscription_facts on members.source_id = subscription_facts.customer_id
left join uncollectible on members.source_id = uncollectible.customer_id
left join lost on members.source_id = lost.customer_id
left join current_mrr on members.source_id = current_mrr.customer_id
group by members.company_id
