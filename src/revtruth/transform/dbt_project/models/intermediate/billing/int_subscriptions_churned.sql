-- One row per subscription with the instant it stops counting in MRR
-- (docs/metrics.md#churn-at): when it ended (`churn_at: ended`, the default: a subscription
-- set to cancel at period end counts until the paid period is over), or as soon as its
-- cancellation was requested, when that came first (`churn_at: requested`). The one place
-- the convention is applied: live MRR and the history both read `churned_at`.

{%- set churn_at = revtruth.choice_var('churn_at', ['ended', 'requested']) %}

with

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

final as (

    select
        subscription_id,
        canceled_at,
        ended_at,
        {%- if churn_at == 'requested' %}
        case
            when canceled_at is not null and (ended_at is null or canceled_at < ended_at)
                then canceled_at
            else ended_at
        end as churned_at
        {%- else %}
        ended_at as churned_at
        {%- endif %}
    from subscriptions

)

select * from final
