-- One row per subscription invoice line with the monthly amount it bills (METRICS.md,
-- History): what the line charges for its service period, net of its discounts, normalised
-- to a month with the same fractions as int_subscription_items_priced. Proration lines
-- (mid-period changes) count at their price's full monthly rate (a tiered price's tiers
-- price the line's quantity), negative for credits, less their coupons' percentages, so
-- that over their service period a credit cancels the old rate and a charge adds the new
-- one. Converted to the reporting currency at the FX rate of the service-period start.
-- Metered lines count 0 (`metered_mrr: zero`, the default); with `metered_mrr: last_period`
-- a usage line counts what it billed, net of its discounts, per month, from the end of its
-- service period until the next usage line of its item replaces it: period_start_at and
-- period_end_at are then that interval [end, next line's end), open-ended (100 years) for
-- the latest line, which the subscription's end stops (subscription_churned_at).

{%- set reporting_currency = var('reporting_currency', 'usd') | lower %}
{%- set metered_mrr = var('metered_mrr', 'zero') %}
{%- if metered_mrr not in ['zero', 'last_period'] %}
    {{ exceptions.raise_compiler_error(
        "metered_mrr must be 'zero' or 'last_period', not '" ~ metered_mrr ~ "'") }}
{%- endif %}

with recursive

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

lines as (

    select * from {{ ref('stg_stripe__invoice_lines') }}

),

line_discounts as (

    select * from {{ ref('stg_stripe__invoice_line_discounts') }}

),

invoice_discounts as (

    select * from {{ ref('stg_stripe__invoice_discounts') }}

),

subscription_discounts as (

    select * from {{ ref('stg_stripe__subscription_discounts') }}

),

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}

),

coupons as (

    select * from {{ ref('stg_stripe__coupons') }}

),

prices as (

    select * from {{ ref('stg_stripe__prices') }}

),

price_tiers as (

    select * from {{ ref('int_price_tiers_bounded') }}

),

minor_units as (

    select * from {{ ref('currency_minor_units') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

-- every place a discount is described: the invoices' expanded discounts, and the
-- discounts still attached to a subscription or customer (`is_attached`)
described_discounts as (

    select discount_id, coupon_id, embedded_coupon_duration, ends_at, false as is_attached
    from invoice_discounts

    union all

    select discount_id, coupon_id, cast(null as varchar), ends_at, true
    from subscription_discounts

    union all

    select legacy_discount_id, legacy_discount_coupon_id, cast(null as varchar), legacy_discount_end_at, true
    from subscriptions
    where legacy_discount_id is not null

    union all

    select discount_id, discount_coupon_id, cast(null as varchar), cast(null as {{ dbt.type_timestamp() }}), true
    from customers
    where discount_id is not null

),

-- A discount's terms. Finite when its coupon's duration is `once` or `repeating`; when the
-- coupon is unknown (a bare id Stripe could not expand), a discount with an end, or one that
-- is no longer attached to any subscription or customer, has ended: finite too.
discount_terms as (

    select
        described_discounts.discount_id,
        max(coalesce(coupons.duration, described_discounts.embedded_coupon_duration)) as coupon_duration,
        max(coupons.percent_off) as percent_off,
        max(case when described_discounts.ends_at is not null then 1 else 0 end) = 1 as has_end,
        max(case when described_discounts.is_attached then 1 else 0 end) = 1 as is_attached
    from described_discounts
    left join coupons
        on described_discounts.coupon_id = coupons.coupon_id
    group by described_discounts.discount_id

),

line_discount_terms as (

    select
        line_discounts.invoice_line_dlt_id,
        line_discounts.discount_position,
        line_discounts.discount_amount_minor,
        discount_terms.percent_off,
        discount_terms.coupon_duration is null as is_duration_inferred,
        case
            when discount_terms.coupon_duration in ('once', 'repeating') then true
            when discount_terms.coupon_duration = 'forever' then false
            else coalesce(discount_terms.has_end, false) or not coalesce(discount_terms.is_attached, false)
        end as is_finite
    from line_discounts
    left join discount_terms
        on line_discounts.discount_id = discount_terms.discount_id

),

line_discount_totals as (

    select
        invoice_line_dlt_id,
        sum(discount_amount_minor) as discount_minor,
        sum(case when is_finite then discount_amount_minor else 0 end) as finite_discount_minor,
        max(case when is_duration_inferred then 1 else 0 end) = 1 as has_inferred_discount_duration,
        count(*) = count(percent_off) as is_percent_only
    from line_discount_terms
    group by invoice_line_dlt_id

),

-- A proration line bills a rounded fraction of a period, so its discount amounts are only
-- near the coupons' percentages: the shares of its full rate come from the percentages
-- themselves, applied in order (each to what the previous ones left).
percent_steps as (

    select
        line_discount_terms.*,
        row_number() over (
            partition by line_discount_terms.invoice_line_dlt_id
            order by line_discount_terms.discount_position
        ) as step
    from line_discount_terms
    inner join line_discount_totals
        on line_discount_terms.invoice_line_dlt_id = line_discount_totals.invoice_line_dlt_id
    inner join lines
        on line_discount_terms.invoice_line_dlt_id = lines.invoice_line_dlt_id
    where lines.is_proration
        and line_discount_totals.is_percent_only

),

percent_chain (invoice_line_dlt_id, step, remaining_share, discount_share, finite_discount_share) as (

    select
        invoice_line_dlt_id,
        0,
        cast(1 as decimal(38, 18)),
        cast(0 as decimal(38, 18)),
        cast(0 as decimal(38, 18))
    from percent_steps
    where step = 1

    union all

    select
        percent_chain.invoice_line_dlt_id,
        percent_chain.step + 1,
        cast(percent_chain.remaining_share * (100 - percent_steps.percent_off) * 0.01 as decimal(38, 18)),
        cast(percent_chain.discount_share
            + percent_chain.remaining_share * percent_steps.percent_off * 0.01 as decimal(38, 18)),
        cast(percent_chain.finite_discount_share
            + case when percent_steps.is_finite
                then percent_chain.remaining_share * percent_steps.percent_off * 0.01
                else 0 end as decimal(38, 18))
    from percent_chain
    inner join percent_steps
        on percent_chain.invoice_line_dlt_id = percent_steps.invoice_line_dlt_id
        and percent_steps.step = percent_chain.step + 1

),

percent_shares as (

    select
        invoice_line_dlt_id,
        discount_share,
        finite_discount_share
    from (
        select
            *,
            row_number() over (partition by invoice_line_dlt_id order by step desc) as step_rank
        from percent_chain
    ) as steps
    where step_rank = 1

),

-- lines of standing invoices that bill a subscription: its items and its prorations
subscription_lines as (

    select
        lines.invoice_line_dlt_id,
        lines.invoice_line_id,
        invoices.invoice_id,
        invoices.invoice_status,
        invoices.customer_id,
        lines.subscription_id,
        lines.subscription_item_id,
        lines.price_id,
        coalesce(lines.currency, invoices.currency) as currency,
        lines.is_proration,
        lines.amount_minor,
        lines.quantity,
        lines.period_start_at,
        lines.period_end_at,
        coalesce(prices.billing_interval, lines.embedded_billing_interval) as billing_interval,
        coalesce(prices.interval_count, lines.embedded_interval_count, 1) as interval_count,
        coalesce(prices.usage_type, lines.embedded_usage_type, 'licensed') as usage_type,
        coalesce(prices.unit_amount_minor, lines.embedded_unit_amount_minor) as unit_amount_minor,
        -- what the line's quantity costs for a whole billing period at its price: the tiers'
        -- price of it for a tiered price (NULL when its tiers did not arrive)
        case
            when prices.billing_scheme = 'tiered'
                then {{ revtruth.tiered_amount('price_tiers', 'lines.quantity') }}
            else coalesce(prices.unit_amount_minor, lines.embedded_unit_amount_minor) * lines.quantity
        end as full_period_amount_minor,
        coalesce(line_discount_totals.discount_minor, 0) as discount_minor,
        coalesce(line_discount_totals.finite_discount_minor, 0) as finite_discount_minor,
        coalesce(line_discount_totals.has_inferred_discount_duration, false) as has_inferred_discount_duration,
        percent_shares.discount_share as percent_discount_share,
        percent_shares.finite_discount_share as percent_finite_discount_share
    from lines
    inner join invoices
        on lines.invoice_dlt_id = invoices.invoice_dlt_id
    left join prices
        on lines.price_id = prices.price_id
    left join price_tiers
        on prices.billing_scheme = 'tiered'
        and lines.price_id = price_tiers.price_id
        and {{ revtruth.tier_holds_quantity('price_tiers', 'lines.quantity') }}
    left join line_discount_totals
        on lines.invoice_line_dlt_id = line_discount_totals.invoice_line_dlt_id
    left join percent_shares
        on lines.invoice_line_dlt_id = percent_shares.invoice_line_dlt_id
    where invoices.invoice_status not in ('draft', 'void')
        and lines.subscription_id is not null
        and (lines.subscription_item_id is not null or lines.is_proration)

),

-- months per billing period as a fraction (int_subscription_items_priced):
-- monthly = amount × months_denominator ÷ months_numerator
interval_fractions as (

    select
        *,
        {{ revtruth.months_numerator('billing_interval', 'interval_count') }} as months_numerator,
        {{ revtruth.months_denominator('billing_interval') }} as months_denominator
    from subscription_lines
    -- a one-time price is never MRR (METRICS.md)
    where billing_interval in ('day', 'week', 'month', 'year')

),

gross as (

    select
        *,
        case
            {%- if metered_mrr == 'last_period' %}
            -- usage-based: what the usage line billed, per month
            when usage_type = 'metered'
                then {{ revtruth.decimal_divide('amount_minor * months_denominator', 'months_numerator') }}
            {%- else %}
            -- usage-based amounts are not committed recurring revenue (METRICS.md default)
            when usage_type = 'metered' then cast(0 as decimal(38, 10))
            {%- endif %}
            when is_proration and amount_minor = 0 then cast(0 as decimal(38, 10))
            -- a proration bills part of a period: its rate is the price's, signed like the line
            when is_proration then sign(amount_minor) * {{ revtruth.decimal_divide(
                'full_period_amount_minor * months_denominator', 'months_numerator') }}
            else {{ revtruth.decimal_divide('amount_minor * months_denominator', 'months_numerator') }}
        end as gross_mrr_minor,
        -- the share of a proration line its discounts take, applied to its full rate: the
        -- coupons' percentages, else (an amount off) the share of the line they took
        cast(case
            when not is_proration or amount_minor = 0 then null
            when percent_discount_share is not null then percent_discount_share
            when discount_minor = 0 then 0
            else {{ revtruth.decimal_divide('abs(discount_minor)', 'abs(amount_minor)', 12) }}
        end as decimal(38, 12)) as proration_discount_share,
        cast(case
            when not is_proration or amount_minor = 0 then null
            when percent_finite_discount_share is not null then percent_finite_discount_share
            when finite_discount_minor = 0 then 0
            else {{ revtruth.decimal_divide('abs(finite_discount_minor)', 'abs(amount_minor)', 12) }}
        end as decimal(38, 12)) as proration_finite_discount_share
    from interval_fractions

),

valued as (

    select
        *,
        case
            {%- if metered_mrr == 'last_period' %}
            when usage_type = 'metered'
                then {{ revtruth.decimal_divide('discount_minor * months_denominator', 'months_numerator') }}
            {%- else %}
            when usage_type = 'metered' then cast(0 as decimal(38, 10))
            {%- endif %}
            when is_proration then cast(round(coalesce(gross_mrr_minor * proration_discount_share, 0), 10) as decimal(38, 10))
            else {{ revtruth.decimal_divide('discount_minor * months_denominator', 'months_numerator') }}
        end as discount_mrr_minor,
        case
            {%- if metered_mrr == 'last_period' %}
            when usage_type = 'metered'
                then {{ revtruth.decimal_divide('finite_discount_minor * months_denominator', 'months_numerator') }}
            {%- else %}
            when usage_type = 'metered' then cast(0 as decimal(38, 10))
            {%- endif %}
            when is_proration then cast(round(coalesce(gross_mrr_minor * proration_finite_discount_share, 0), 10) as decimal(38, 10))
            else {{ revtruth.decimal_divide('finite_discount_minor * months_denominator', 'months_numerator') }}
        end as finite_discount_mrr_minor
    from gross

),

{%- if metered_mrr == 'last_period' %}

-- the ends of each metered item's usage periods, each with the next one: a usage line
-- counts from its period's end until the next usage line's period ends
usage_period_ends as (

    select
        subscription_id,
        subscription_item_id,
        period_end_at,
        lead(period_end_at) over (
            partition by subscription_id, subscription_item_id
            order by period_end_at
        ) as next_period_end_at
    from (
        select distinct subscription_id, subscription_item_id, period_end_at
        from valued
        where usage_type = 'metered'
    ) as usage_ends

),

{%- endif %}

-- METRICS.md: reporting values use the FX rate at the start of the service period — the
-- latest rate on or before that day (or the earliest rate, for periods before any rate).
-- Ranked once per currency and day, not per line.
rate_days as (

    select distinct currency, {{ revtruth.utc_date('period_start_at') }} as rate_day
    from valued

),

fx_candidates as (

    select
        rate_days.currency as line_currency,
        rate_days.rate_day,
        fx_rates.currency,
        fx_rates.units_per_usd,
        row_number() over (
            partition by rate_days.currency, rate_days.rate_day, fx_rates.currency
            order by
                case when fx_rates.rate_date <= rate_days.rate_day then 0 else 1 end,
                case when fx_rates.rate_date <= rate_days.rate_day then fx_rates.rate_date end desc,
                fx_rates.rate_date
        ) as rate_rank
    from rate_days
    inner join fx_rates
        on fx_rates.currency in (rate_days.currency, '{{ reporting_currency }}')

),

day_fx as (

    select
        line_currency,
        rate_day,
        max(case when currency = '{{ reporting_currency }}' then units_per_usd end) as reporting_units_per_usd,
        max(case when currency <> '{{ reporting_currency }}' then units_per_usd end) as other_units_per_usd
    from fx_candidates
    where rate_rank = 1
    group by line_currency, rate_day

),

final as (

    select
        valued.invoice_line_dlt_id,
        valued.invoice_line_id,
        valued.invoice_id,
        valued.invoice_status,
        valued.customer_id,
        valued.subscription_id,
        valued.subscription_item_id,
        valued.price_id,
        valued.currency,
        valued.billing_interval,
        valued.interval_count,
        valued.usage_type,
        valued.is_proration,
        valued.has_inferred_discount_duration,
        {%- if metered_mrr == 'last_period' %}
        -- a usage line counts over [its period's end, the next usage line's period end)
        case
            when valued.usage_type = 'metered' then valued.period_end_at
            else valued.period_start_at
        end as period_start_at,
        case
            when valued.usage_type = 'metered'
                then coalesce(usage_period_ends.next_period_end_at,
                              {{ dbt.dateadd('year', 100, 'valued.period_end_at') }})
            else valued.period_end_at
        end as period_end_at,
        {%- else %}
        valued.period_start_at,
        valued.period_end_at,
        {%- endif %}
        subscriptions.ended_at as subscription_ended_at,
        -- when the subscription stops counting: when it ended (churn_at `ended`), or as soon
        -- as its cancellation was requested (churn_at `requested`)
        {%- if var('churn_at', 'ended') == 'requested' %}
        case
            when subscriptions.canceled_at is not null
                and (subscriptions.ended_at is null or subscriptions.canceled_at < subscriptions.ended_at)
                then subscriptions.canceled_at
            else subscriptions.ended_at
        end as subscription_churned_at,
        {%- else %}
        subscriptions.ended_at as subscription_churned_at,
        {%- endif %}
        valued.quantity,
        valued.unit_amount_minor,
        valued.full_period_amount_minor,
        valued.amount_minor,
        valued.discount_minor,
        valued.finite_discount_minor,
        valued.months_numerator,
        valued.months_denominator,
        coalesce(minor_units.minor_unit_exponent, 2) as minor_unit_exponent,
        valued.gross_mrr_minor,
        valued.discount_mrr_minor,
        valued.finite_discount_mrr_minor,
        cast(valued.gross_mrr_minor - valued.discount_mrr_minor as decimal(38, 10)) as mrr_minor,
        -- a line in the reporting currency converts at 1, whatever the seed says
        case
            when valued.currency = '{{ reporting_currency }}' then day_fx.reporting_units_per_usd
            else day_fx.other_units_per_usd
        end as currency_units_per_usd,
        day_fx.reporting_units_per_usd
    from valued
    left join subscriptions
        on valued.subscription_id = subscriptions.subscription_id
    left join minor_units
        on valued.currency = minor_units.currency
    left join day_fx
        on valued.currency = day_fx.line_currency
        and {{ revtruth.utc_date('valued.period_start_at') }} = day_fx.rate_day
    {%- if metered_mrr == 'last_period' %}
    left join usage_period_ends
        on valued.usage_type = 'metered'
        and valued.subscription_id = usage_period_ends.subscription_id
        and valued.subscription_item_id is not distinct from usage_period_ends.subscription_item_id
        and valued.period_end_at = usage_period_ends.period_end_at
    {%- endif %}

)

select
    *,
    -- native major units × (reporting units per USD) ÷ (native units per USD)
    {{ revtruth.decimal_divide(
        revtruth.minor_to_major('mrr_minor', 'minor_unit_exponent') ~ ' * reporting_units_per_usd',
        'currency_units_per_usd') }} as mrr_amount_reporting,
    {{ revtruth.decimal_divide(
        revtruth.minor_to_major('finite_discount_mrr_minor', 'minor_unit_exponent') ~ ' * reporting_units_per_usd',
        'currency_units_per_usd') }} as finite_discount_mrr_amount_reporting
from final
