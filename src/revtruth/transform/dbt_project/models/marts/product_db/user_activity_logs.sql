-- The product's activity log, one row per event, with its UTC date.
select
    login_event_id,
    tenant_id,
    user_id,
    event_date,
    event_type,
    occurred_at
from {{ ref('stg_product_db__user_activity_logs') }}
