-- The two ways of computing current MRR must agree (docs/metrics.md#current-mrr-vs-history):
-- from billing history (mrr_by_customer_month, as-of month) and from the live
-- subscriptions (stripe.subscriptions). One row per customer where they differ by 0.01 of
-- a minor unit or more, with the cause read from the data, subscription by subscription.

{%- set mode = revtruth.choice_var('discount_duration_mode', ['while_active', 'exclude']) %}
{#- reporting major units to minor units -#}
{%- set to_minor = revtruth.minor_per_major('reporting_unit.reporting_exponent') %}

with

customer_months as (

    select * from {{ ref('mrr_by_customer_month') }}

),

live_subscriptions as (

    select * from {{ ref('subscriptions') }}

),

-- the lines covering the as-of instant (the one month-end coverage rule), also those of
-- subscriptions that have stopped counting, to tell why they do not count
as_of_lines as (

    select * from {{ ref('int_invoice_lines_covering_month_ends') }}
    where is_as_of_month

),

reporting_unit as (

    {{ revtruth.reporting_exponent_select() }}

),

{%- set if_counted = "case when is_subscription_counted then {} else 0 end" %}

covering as (

    select
        customer_id,
        subscription_id,
        count(*) as covering_lines,
        sum(case when is_subscription_counted then 1 else 0 end) as counted_lines,
        sum({{ if_counted.format('gross_mrr_minor_native') }}) as gross_mrr_minor,
        sum({{ if_counted.format('net_mrr_minor_native') }}) as net_mrr_minor,
        sum({{ if_counted.format('finite_discount_mrr_minor_native') }}) as finite_discount_mrr_minor,
        sum({{ if_counted.format('mrr_amount') }}) as history_mrr_amount
    from as_of_lines
    group by customer_id, subscription_id

),

subscription_pairs as (

    select
        coalesce(live_subscriptions.customer_id, covering.customer_id) as customer_id,
        coalesce(live_subscriptions.subscription_id, covering.subscription_id) as subscription_id,
        live_subscriptions.subscription_id is not null as is_live,
        live_subscriptions.subscription_status,
        live_subscriptions.is_counted_in_mrr,
        coalesce(live_subscriptions.mrr_amount, 0) as live_mrr_amount,
        coalesce(live_subscriptions.mrr_minor_native, 0) as live_mrr_minor_native,
        coalesce(live_subscriptions.gross_mrr_minor_native, 0) as live_gross_mrr_minor_native,
        coalesce(covering.covering_lines, 0) as covering_lines,
        coalesce(covering.counted_lines, 0) as counted_lines,
        coalesce(covering.history_mrr_amount, 0) as history_mrr_amount,
        coalesce(covering.gross_mrr_minor, 0) as history_gross_mrr_minor_native,
        coalesce(covering.net_mrr_minor, 0) as history_net_mrr_minor_native,
        coalesce(covering.finite_discount_mrr_minor, 0) as history_finite_discount_mrr_minor_native
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
            when history_finite_discount_mrr_minor_native > 0
                and abs(history_net_mrr_minor_native + history_finite_discount_mrr_minor_native - live_mrr_minor_native) < 0.01
                then 'finite discount ended inside the current billing period: the invoice covering now was discounted (while_active)'
            {%- else %}
            when history_finite_discount_mrr_minor_native > 0
                and abs(history_net_mrr_minor_native - live_mrr_minor_native) < 0.01
                then 'finite discount added back in history (exclude) but still applied by the live subscription'
            {%- endif %}
            when abs(history_gross_mrr_minor_native - live_gross_mrr_minor_native) >= 0.01
                then 'price or quantity changed after the invoice covering now'
            when abs(history_net_mrr_minor_native - live_mrr_minor_native) >= 0.01
                then 'discounts differ between the invoice covering now and the live subscription'
            when abs(history_mrr_amount - live_mrr_amount) * {{ to_minor }} >= 0.01
                then 'same native amount converted at different FX rate dates'
        end as cause
    from subscription_pairs
    cross join reporting_unit
    where abs(history_mrr_amount - live_mrr_amount) * {{ to_minor }} >= 0.01

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

    select customer_id, mrr_amount as history_mrr_amount
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
        cast(compared.history_mrr_amount * {{ to_minor }} as decimal(38, 10)) as history_mrr_minor,
        cast(compared.live_mrr_amount * {{ to_minor }} as decimal(38, 10)) as live_mrr_minor,
        cast((compared.history_mrr_amount - compared.live_mrr_amount) * {{ to_minor }} as decimal(38, 10))
            as difference_minor,
        coalesce(customer_causes.cause, 'unexplained') as cause
    from compared
    cross join reporting_unit
    left join customer_causes
        on compared.customer_id = customer_causes.customer_id
    where abs(compared.history_mrr_amount - compared.live_mrr_amount) * {{ to_minor }} >= 0.01

)

select * from final
