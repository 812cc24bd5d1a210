-- One row per record that stands for a company in some system: a Stripe customer, a
-- Salesforce account, a product tenant. `node_key` is "<source>:<id>"; `domain` is the
-- company web domain the record gives away, if any (never a free-mail one).

with

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

tenants as (

    select * from {{ ref('stg_product_db__tenants') }}

),

product_users as (

    select * from {{ ref('stg_product_db__users') }}

),

free_mail as (

    select domain from {{ ref('free_mail_domains') }}

),

-- a tenant's domain: the one most of its users' work emails share (owners first on ties)
tenant_domains as (

    select tenant_id, domain
    from (
        select
            tenant_id,
            {{ revtruth.email_domain('email_normalized') }} as domain,
            row_number() over (
                partition by tenant_id
                order by count(*) desc,
                    min(case when user_role = 'owner' then 0 else 1 end),
                    {{ revtruth.email_domain('email_normalized') }}
            ) as domain_rank
        from product_users
        where {{ revtruth.email_domain('email_normalized') }} not in (select domain from free_mail)
        group by tenant_id, {{ revtruth.email_domain('email_normalized') }}
    ) as ranked
    where domain_rank = 1

),

stripe_nodes as (

    select
        'stripe:' || customer_id as node_key,
        'stripe' as source,
        customer_id as source_id,
        customer_name as display_name,
        case
            when {{ revtruth.email_domain('email_normalized') }} in (select domain from free_mail) then null
            else {{ revtruth.email_domain('email_normalized') }}
        end as domain
    from customers

),

salesforce_nodes as (

    select
        'salesforce:' || account_id,
        'salesforce',
        account_id,
        account_name,
        {{ revtruth.website_domain('website') }}
    from accounts
    where not is_deleted

),

product_nodes as (

    select
        'product_db:' || tenants.tenant_id,
        'product_db',
        tenants.tenant_id,
        tenants.tenant_name,
        tenant_domains.domain
    from tenants
    left join tenant_domains
        on tenants.tenant_id = tenant_domains.tenant_id

)

select * from stripe_nodes
union all
select * from salesforce_nodes
union all
select * from product_nodes
