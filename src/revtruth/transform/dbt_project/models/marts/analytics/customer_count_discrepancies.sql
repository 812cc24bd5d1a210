-- One row per company that the three answers to "how many active customers do we have?"
-- do not count alike, with every reason, in a fixed order (docs/metrics.md#reconciliation):
-- counted by billing but not the CRM, by the CRM but not billing, paying but never
-- provisioned, paying but nobody active in the product, active in the product but not
-- paying, counted more than once by one system. Summing the counts of these rows and of
-- the companies every system counts once gives the three answers exactly.

with

companies as (

    select * from {{ ref('int_company_systems') }}

),

reasons as (

    select
        *,
        billing_customers_counted > 0 and crm_accounts_counted = 0 as is_billing_not_crm,
        crm_accounts_counted > 0 and billing_customers_counted = 0 as is_crm_not_billing,
        billing_customers_counted > 0 and not is_provisioned as is_paying_never_provisioned,
        billing_customers_counted > 0 and is_provisioned and tenants_counted = 0
            as is_paying_not_active,
        tenants_counted > 0 and billing_customers_counted = 0 as is_active_not_paying,
        billing_customers_counted > 1 as is_counted_twice_by_billing,
        crm_accounts_counted > 1 as is_counted_twice_by_crm,
        tenants_counted > 1 as is_counted_twice_by_product
    from companies

),

final as (

    select
        company_id,
        company_name,
        billing_customers_counted,
        crm_accounts_counted,
        tenants_counted,
        is_provisioned,
        {{ dbt.concat([
            "case when is_billing_not_crm then 'billing_not_crm,' else '' end",
            "case when is_crm_not_billing then 'crm_not_billing,' else '' end",
            "case when is_paying_never_provisioned then 'paying_never_provisioned,' else '' end",
            "case when is_paying_not_active then 'paying_not_active,' else '' end",
            "case when is_active_not_paying then 'active_not_paying,' else '' end",
            "case when is_counted_twice_by_billing then 'counted_twice_by_billing,' else '' end",
            "case when is_counted_twice_by_crm then 'counted_twice_by_crm,' else '' end",
            "case when is_counted_twice_by_product then 'counted_twice_by_product,' else '' end",
        ]) }} as discrepancy_codes_list,
        {{ dbt.concat([
            "case when is_billing_not_crm then 'paying, but not a Customer account in the CRM; ' else '' end",
            "case when is_crm_not_billing then 'a Customer account in the CRM, but not paying; ' else '' end",
            "case when is_paying_never_provisioned then 'paying, but never provisioned in the product; ' else '' end",
            "case when is_paying_not_active then 'paying, but nobody active in the product; ' else '' end",
            "case when is_active_not_paying then 'active in the product, but not paying; ' else '' end",
            "case when is_counted_twice_by_billing then 'counted ' || cast(billing_customers_counted as " ~ dbt.type_string() ~ ") || ' times by billing (paying billing customers); ' else '' end",
            "case when is_counted_twice_by_crm then 'counted ' || cast(crm_accounts_counted as " ~ dbt.type_string() ~ ") || ' times by the CRM (Customer accounts); ' else '' end",
            "case when is_counted_twice_by_product then 'counted ' || cast(tenants_counted as " ~ dbt.type_string() ~ ") || ' times by the product (active tenants); ' else '' end",
        ]) }} as discrepancy_reason_list
    from reasons

)

select
    company_id,
    company_name,
    billing_customers_counted,
    crm_accounts_counted,
    tenants_counted,
    is_provisioned,
    -- codes for scripts, comma-separated; the same in words for people
    rtrim(discrepancy_codes_list, ',') as discrepancy_codes,
    rtrim(discrepancy_reason_list, '; ') as discrepancy_reason
from final
where discrepancy_codes_list <> ''
