-- One row per record and company domain it gives away (docs/metrics.md#identity), with how
-- many of its addresses use it: a Stripe
-- customer's billing email, a Salesforce account's website and its contacts' emails, a
-- product tenant's users' emails. Free-mail domains (gmail.com, …) and a billing email's
-- personal domain (liam@liamito.me) say nothing about a company and are left out.

with

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}
    where not is_deleted

),

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}
    where not is_deleted

),

product_users as (

    select * from {{ ref('stg_product_db__users') }}

),

free_mail as (

    select domain from {{ ref('free_mail_domains') }}

),

seen as (

    select
        'stripe:' || customer_id as node_key,
        {{ revtruth.email_domain('email_normalized') }} as domain,
        'billing_email' as origin
    from customers
    -- a personal domain names the person who pays (int_identity_people), not a company
    where {{ revtruth.personal_domain_person('email_normalized') }} is null

    union all

    select 'salesforce:' || account_id, {{ revtruth.website_domain('website') }}, 'website'
    from accounts

    union all

    select 'salesforce:' || contacts.account_id, {{ revtruth.email_domain('contacts.email_normalized') }}, 'contact_email'
    from contacts
    inner join accounts
        on contacts.account_id = accounts.account_id

    union all

    select 'product_db:' || tenant_id, {{ revtruth.email_domain('email_normalized') }}, 'user_email'
    from product_users

),

final as (

    select
        node_key,
        domain,
        -- the record's own address for itself: a website, a billing email
        max(case when origin in ('website', 'billing_email') then 1 else 0 end) = 1 as is_direct,
        count(*) as email_count
    from seen
    where domain is not null
        and domain not in (select domain from free_mail)
    group by node_key, domain

)

select * from final
