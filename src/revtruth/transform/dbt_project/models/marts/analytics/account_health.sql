-- One row per paying company (MRR > 0): how much it pays and whether anyone uses what it
-- pays for. Zombies pay and have had no active user in the zombie window.

with

customer_360 as (

    select * from {{ ref('customer_360') }}

)

select
    company_id,
    company_name,
    stripe_customer_id,
    salesforce_account_id,
    internal_tenant_id,
    mrr_amount,
    arr_amount,
    recent_logins,
    active_users_recent,
    active_users_zombie_window,
    last_activity_at,
    account_health_score,
    is_zombie,
    identity_confidence,
    is_identity_uncertain,
    crm_owner_name
from customer_360
where is_paying
