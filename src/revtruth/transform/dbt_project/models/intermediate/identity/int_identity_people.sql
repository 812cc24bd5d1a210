-- One row per record and person it names (docs/metrics.md#identity): a Stripe customer's
-- billing contact (from the billing email's local part, even on free mail: the same person
-- often pays and uses the product), a Salesforce account's contacts, a tenant's users.
-- `person_key` is the name's letters only, lower case ("Noah Moreau", noah.moreau@…,
-- noahmoreau977@gmail.com → "noahmoreau"). Role addresses (finance@, billing@, …) name no
-- one and are left out.

{%- set role_words = [
    'accounts?', 'accounting', 'billing', 'finance', 'invoices?', 'invoicing', 'payments?',
    'payables?', 'receivables?', 'admin', 'office', 'hello', 'contact', 'support', 'team',
    'purchasing', 'procurement', 'bookkeeping', 'noreply', 'donotreply', 'info', 'sales',
    'dept', 'department'] %}

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

named as (

    select
        'stripe:' || customer_id as node_key,
        split_part(email_normalized, '@', 1) as person_name
    from customers

    union all

    -- a billing email on a personal domain names its owner: liam@liamito.me → liamito
    select 'stripe:' || customer_id, {{ revtruth.personal_domain_person('email_normalized') }}
    from customers
    where {{ revtruth.personal_domain_person('email_normalized') }} is not null

    union all

    select 'salesforce:' || contacts.account_id, contacts.first_name || ' ' || contacts.last_name
    from contacts
    inner join accounts
        on contacts.account_id = accounts.account_id

    union all

    select 'product_db:' || tenant_id, full_name
    from product_users

),

keyed as (

    select
        node_key,
        regexp_replace(lower({{ revtruth.latin_letters('person_name') }}), '[^a-z]', '', 'g') as person_key
    from named

),

final as (

    select distinct node_key, person_key
    from keyed
    where length(person_key) >= 6
        -- a role mailbox names no one: finance@, accounts-payable@, billing.team@ (any run
        -- of role words)
        and not regexp_matches(person_key, '^({{ role_words | join("|") }})+$')

)

select * from final
