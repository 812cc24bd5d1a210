-- One row per paying company (MRR > 0): how much it pays, whether anyone uses what it
-- pays for, and its health_score with the components that make it. Zombies pay and have
-- had no active user in the zombie window; they are red whatever their score.

with

customer_360 as (

    select * from {{ ref('customer_360') }}
    where is_paying

),

health as (

    select * from {{ ref('int_company_health') }}

),

final as (

    select
        customer_360.company_id,
        customer_360.company_name,
        customer_360.stripe_customer_id,
        customer_360.salesforce_account_id,
        customer_360.internal_tenant_id,
        customer_360.mrr_amount,
        customer_360.arr_amount,
        customer_360.recent_logins,
        customer_360.active_users_recent,
        customer_360.active_users_zombie_window,
        customer_360.last_activity_at,
        customer_360.account_health_score,
        customer_360.is_zombie,
        customer_360.health_score,
        -- red below 40, amber below 70; a zombie is red whatever its score, and no score
        -- (every weight set to 0) is no band rather than green
        case
            when customer_360.is_zombie or customer_360.health_score < 40 then 'red'
            when customer_360.health_score < 70 then 'amber'
            when customer_360.health_score >= 70 then 'green'
        end as health_band,
        health.activity_trend_score,
        health.seat_utilisation_score,
        health.breadth_score,
        health.payment_score,
        health.contraction_score,
        health.renewal_score,
        health.time_to_value_score,
        customer_360.days_to_first_activity,
        customer_360.days_to_nth_active_user,
        customer_360.identity_confidence,
        customer_360.is_identity_uncertain,
        customer_360.crm_owner_name
    from customer_360
    left join health
        on customer_360.company_id = health.company_id

)

select * from final
