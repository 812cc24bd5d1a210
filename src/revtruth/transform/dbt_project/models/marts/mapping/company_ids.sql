-- One row per real company with its id in each system. Where a company has several
-- records in one system, the oldest-keyed one is shown here and all of them are in
-- mapping.identity_links.

with

members as (

    select * from {{ ref('identity_links') }}

),

per_company as (

    select
        company_id,
        min(case when source = 'salesforce' then display_name end) as crm_name,
        min(case when source = 'stripe' then display_name end) as billing_name,
        min(case when source = 'product_db' then display_name end) as product_name,
        min(case when source = 'stripe' then source_id end) as stripe_customer_id,
        min(case when source = 'product_db' then source_id end) as internal_tenant_id,
        min(case when source = 'salesforce' then source_id end) as salesforce_account_id,
        count(*) as record_count,
        min(domain) as domain
    from members
    group by company_id

)

select
    company_id,
    -- the CRM's spelling first: it is the one sales and finance read
    coalesce(crm_name, billing_name, product_name) as company_name,
    stripe_customer_id,
    internal_tenant_id,
    salesforce_account_id,
    cast(null as varchar) as hubspot_company_id,
    domain,
    record_count
from per_company
