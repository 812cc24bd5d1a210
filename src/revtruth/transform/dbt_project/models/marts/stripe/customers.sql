with

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

deletions as (

    select * from {{ ref('stg_stripe__deletions') }}
    where object_type = 'customer'

),

subscriptions as (

    select * from {{ ref('subscriptions') }}

),

customer_mrr as (

    select
        customer_id,
        sum(mrr_amount) as mrr_amount,
        count(*) as subscription_count,
        sum(case when subscription_status = 'active' then 1 else 0 end) as active_subscription_count
    from subscriptions
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.email,
        customers.customer_name as name,
        customers.created_at,
        customers.currency,
        customers.country,
        customers.metadata_salesforce_account_id,
        {{ revtruth.email_domain('customers.email_normalized') }} as email_domain,
        customers.is_delinquent,
        coalesce(customer_mrr.mrr_amount, 0) as mrr_amount,
        coalesce(customer_mrr.subscription_count, 0) as subscription_count,
        cast(coalesce(customer_mrr.active_subscription_count, 0) as bigint) as active_subscription_count,
        deletions.deleted_at,
        deletions.deleted_at is not null as is_deleted
    from customers
    left join customer_mrr
        on customers.customer_id = customer_mrr.customer_id
    left join deletions
        on customers.customer_id = deletions.object_id

)

select * from final
