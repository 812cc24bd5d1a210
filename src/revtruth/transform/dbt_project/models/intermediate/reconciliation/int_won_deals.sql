-- One row per closed-won deal of a CRM account that is not deleted, with the company the
-- account belongs to, what the CRM claims it is worth (in the deal's currency and in the
-- reporting currency at the as-of date's rate) and whether it can be judged yet: a deal is
-- judged once `reconciliation_grace_days` have passed since it closed, time enough to be
-- billed and provisioned (docs/metrics.md#reconciliation).

{%- set judged_until = dbt.dateadd('day', -var('reconciliation_grace_days'), revtruth.as_of_date()) %}

with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}
    where is_won and not is_deleted and close_date <= {{ revtruth.as_of_date() }}

),

accounts as (

    select * from {{ ref('identity_links') }}
    where source = 'salesforce'

),

-- a claim is weighed at today's value: the rate of the as-of date
rates as (

    select * from {{ ref('int_fx_rates_daily') }}
    where rate_day = {{ revtruth.as_of_date() }}

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.opportunity_name,
        opportunities.account_id as salesforce_account_id,
        accounts.company_id,
        opportunities.close_date,
        opportunities.currency as deal_currency,
        opportunities.amount as deal_amount_native,
        {{ revtruth.to_reporting(
            'opportunities.amount', 'rates.units_per_usd', 'rates.reporting_units_per_usd'
        ) }} as deal_amount,
        opportunities.close_date <= {{ judged_until }} as is_judged
    from opportunities
    inner join accounts
        on opportunities.account_id = accounts.source_id
    left join rates
        on opportunities.currency = rates.currency

)

select * from final
