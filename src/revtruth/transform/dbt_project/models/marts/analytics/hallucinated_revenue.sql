-- One row per closed-won deal that billing does not bear out, with the amount the CRM
-- claims (docs/metrics.md#reconciliation): judged once `reconciliation_grace_days` have
-- passed since it closed, a deal is hallucinated when its company has no billing customer
-- at all, or no paid invoice (above zero) dated within that many days of the close date,
-- before or after; "payment_failed" when an invoice of that window is uncollectible or
-- still open, "no_paid_invoice" otherwise.

{%- set grace = var('reconciliation_grace_days') %}

with

deals as (

    select * from {{ ref('int_won_deals') }}
    where is_judged

),

companies as (

    select * from {{ ref('int_company_systems') }}

),

billing_members as (

    select company_id, source_id as customer_id
    from {{ ref('identity_links') }}
    where source = 'stripe'

),

invoices as (

    select
        billing_members.company_id,
        {{ revtruth.utc_date('invoices.created_at') }} as invoice_date,
        invoices.invoice_status,
        invoices.total_minor
    from {{ ref('stg_stripe__invoices') }} as invoices
    inner join billing_members
        on invoices.customer_id = billing_members.customer_id

),

-- what billing shows for each deal within the window around its close date
deal_invoices as (

    select
        deals.opportunity_id,
        max(case when invoices.invoice_status = 'paid' and invoices.total_minor > 0
            then 1 else 0 end) = 1 as has_paid_invoice,
        max(case when invoices.invoice_status in ('uncollectible', 'open')
            then 1 else 0 end) = 1 as has_failed_invoice
    from deals
    inner join invoices
        on deals.company_id = invoices.company_id
        and invoices.invoice_date >= {{ dbt.dateadd('day', -grace, 'deals.close_date') }}
        and invoices.invoice_date <= {{ dbt.dateadd('day', grace, 'deals.close_date') }}
    group by deals.opportunity_id

),

judged as (

    select
        deals.*,
        companies.company_name,
        case
            when not companies.has_billing_customer then 'no_billing_customer'
            when coalesce(deal_invoices.has_paid_invoice, false) then null
            when coalesce(deal_invoices.has_failed_invoice, false) then 'payment_failed'
            else 'no_paid_invoice'
        end as hallucination_reason
    from deals
    inner join companies
        on deals.company_id = companies.company_id
    left join deal_invoices
        on deals.opportunity_id = deal_invoices.opportunity_id

),

final as (

    select
        opportunity_id,
        opportunity_name,
        salesforce_account_id,
        company_id,
        company_name,
        close_date,
        deal_currency,
        deal_amount_native,
        deal_amount,
        hallucination_reason
    from judged
    where hallucination_reason is not null

)

select * from final
