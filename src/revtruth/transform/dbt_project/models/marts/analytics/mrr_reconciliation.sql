{{ config(schema='analytics') }}

-- The two ways of computing current MRR must agree (METRICS.md, History): from billing
-- history (mrr_by_customer_month, as-of month) and from the live subscriptions
-- (stripe.subscriptions). One row per customer where they differ by 0.01 cent or more,
-- with the cause read from the data, subscription by subscription.

{%- set mode = var('discount_duration_mode', 'while_active') %}
{%- set epoch_day = "cast('1970-01-01' as date)" %}
{#- reporting major units to minor units (cents) -#}
{%- set to_cents = revtruth.minor_per_major('reporting_unit.reporting_exponent') %}

with

customer_months as (

    select * from {{ ref('mrr_by_customer_month') }}

),

live_subscriptions as (

    select * from {{ ref('subscriptions') }}

),

lines as (

    select * from {{ ref('int_invoice_lines_mrr') }}

),

reporting_unit as (

    {{ revtruth.reporting_exponent_select() }}

),

as_of_instant as (

    select {{ revtruth.epoch_to_timestamp('86400 * ' ~ dbt.datediff(epoch_day, revtruth.as_of_date(), 'day')) }} as as_of_at

),

-- each subscription's lines covering the as-of instant (mrr_by_customer_month's rule),
-- also those of subscriptions that have ended, to tell why they do not count
covering as (

    select
        lines.customer_id,
        lines.subscription_id,
        count(*) as covering_lines,
        sum(case when lines.subscription_churned_at is null or lines.subscription_churned_at > as_of_instant.as_of_at
            then 1 else 0 end) as counted_lines,
        sum(case when lines.subscription_churned_at is null or lines.subscription_churned_at > as_of_instant.as_of_at
            then lines.gross_mrr_minor else 0 end) as gross_mrr_minor,
        sum(case when lines.subscription_churned_at is null or lines.subscription_churned_at > as_of_instant.as_of_at
            then lines.mrr_minor else 0 end) as net_mrr_minor,
        sum(case when lines.subscription_churned_at is null or lines.subscription_churned_at > as_of_instant.as_of_at
            then lines.finite_discount_mrr_minor else 0 end) as finite_discount_mrr_minor,
        sum(case when lines.subscription_churned_at is null or lines.subscription_churned_at > as_of_instant.as_of_at
            then lines.mrr_amount_reporting {% if mode == 'exclude' %}+ lines.finite_discount_mrr_amount_reporting{% endif %}
            else 0 end) as history_mrr_amount
    from lines
    cross join as_of_instant
    where lines.period_start_at <= as_of_instant.as_of_at
        and lines.period_end_at > as_of_instant.as_of_at
    group by lines.customer_id, lines.subscription_id

),

subscription_pairs as (

    select
        coalesce(live_subscriptions.customer_id, covering.customer_id) as customer_id,
        coalesce(live_subscriptions.subscription_id, covering.subscription_id) as subscription_id,
        live_subscriptions.subscription_id is not null as is_live,
        live_subscriptions.subscription_status,
        live_subscriptions.is_counted_in_mrr,
        coalesce(live_subscriptions.mrr_amount, 0) as live_mrr_amount,
        coalesce(live_subscriptions.mrr_minor_native, 0) as live_mrr_minor,
        coalesce(live_subscriptions.gross_mrr_minor_native, 0) as live_gross_mrr_minor,
        coalesce(covering.covering_lines, 0) as covering_lines,
        coalesce(covering.counted_lines, 0) as counted_lines,
        coalesce(covering.history_mrr_amount, 0) as history_mrr_amount,
        coalesce(covering.gross_mrr_minor, 0) as history_gross_mrr_minor,
        coalesce(covering.net_mrr_minor, 0) as history_net_mrr_minor,
        coalesce(covering.finite_discount_mrr_minor, 0) as history_finite_discount_mrr_minor
    from live_subscriptions
    full outer join covering
        on live_subscriptions.subscription_id = covering.subscription_id

),

-- why one subscription's two answers differ (native minor units, 0.01 tolerance)
subscription_causes as (

    select
        subscription_pairs.customer_id,
        subscription_pairs.subscription_id,
        case
            when not is_live
                then 'an invoice covers now but the subscription is not in the live data'
            when live_mrr_amount > 0 and counted_lines = 0 and covering_lines = 0
                then 'live subscription has no invoice covering now'
            when live_mrr_amount > 0 and counted_lines = 0
                then 'subscription stopped counting in its history (ended, or cancellation requested) but still counts live'
            when history_mrr_amount > 0 and subscription_status = 'canceled'
                then 'subscription ended but its last invoice covers now'
            when history_mrr_amount > 0 and not is_counted_in_mrr
                then {{ dbt.concat(["'live status '", "subscription_status", "' does not count, but an invoice covers now'"]) }}
            {%- if mode == 'while_active' %}
            when history_finite_discount_mrr_minor > 0
                and abs(history_net_mrr_minor + history_finite_discount_mrr_minor - live_mrr_minor) < 0.01
                then 'finite discount ended inside the current billing period: the invoice covering now was discounted (while_active)'
            {%- else %}
            when history_finite_discount_mrr_minor > 0
                and abs(history_net_mrr_minor - live_mrr_minor) < 0.01
                then 'finite discount added back in history (exclude) but still applied by the live subscription'
            {%- endif %}
            when abs(history_gross_mrr_minor - live_gross_mrr_minor) >= 0.01
                then 'price or quantity changed after the invoice covering now'
            when abs(history_net_mrr_minor - live_mrr_minor) >= 0.01
                then 'discounts differ between the invoice covering now and the live subscription'
            when abs(history_mrr_amount - live_mrr_amount) * {{ to_cents }} >= 0.01
                then 'same native amount converted at different FX rate dates'
        end as cause
    from subscription_pairs
    cross join reporting_unit
    where abs(history_mrr_amount - live_mrr_amount) * {{ to_cents }} >= 0.01

),

customer_causes as (

    select
        customer_id,
        {{ dbt.listagg('cause', "'; '", 'order by cause') }} as cause
    from (
        select distinct customer_id, cause
        from subscription_causes
        where cause is not null
    ) as distinct_causes
    group by customer_id

),

history as (

    select customer_id, mrr_amount_reporting as history_mrr_amount
    from customer_months
    where is_as_of_month

),

live as (

    select customer_id, sum(mrr_amount) as live_mrr_amount
    from live_subscriptions
    group by customer_id

),

compared as (

    select
        coalesce(history.customer_id, live.customer_id) as customer_id,
        cast(coalesce(history.history_mrr_amount, 0) as decimal(38, 10)) as history_mrr_amount,
        cast(coalesce(live.live_mrr_amount, 0) as decimal(38, 10)) as live_mrr_amount
    from history
    full outer join live
        on history.customer_id = live.customer_id

),

final as (

    select
        compared.customer_id,
        compared.history_mrr_amount,
        compared.live_mrr_amount,
        cast(compared.history_mrr_amount - compared.live_mrr_amount as decimal(38, 10)) as difference_amount,
        cast(compared.history_mrr_amount * {{ to_cents }} as decimal(38, 10)) as history_mrr_cents,
        cast(compared.live_mrr_amount * {{ to_cents }} as decimal(38, 10)) as live_mrr_cents,
        cast((compared.history_mrr_amount - compared.live_mrr_amount) * {{ to_cents }} as decimal(38, 10))
            as difference_cents,
        coalesce(customer_causes.cause, 'unexplained') as cause
    from compared
    cross join reporting_unit
    left join customer_causes
        on compared.customer_id = customer_causes.customer_id
    where abs(compared.history_mrr_amount - compared.live_mrr_amount) * {{ to_cents }} >= 0.01

)

select * from final
