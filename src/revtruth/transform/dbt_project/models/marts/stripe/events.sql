-- Stripe's events (it keeps them 30 days; revtruth keeps every one it has synced), with the
-- customer each is about, for reports that explain a change.
select
    event_id,
    event_type,
    object_type,
    object_id,
    customer_id,
    created_at
from {{ ref('stg_stripe__events') }}
