-- One row per currency and day: the FX rate in effect that day, and the reporting
-- currency's rate of the same day beside it (docs/metrics.md#currency-and-fx). The one place
-- the rule "the latest fx_rates row on or before the day; before a currency's first rate,
-- its earliest" is written; every model that converts reads it by day.
--
-- The days run from the first billing day to the last billing day or the as-of date,
-- whichever is later: taken from the data, never from a fixed date, so no day a billing
-- record can be converted on falls outside.

with recursive

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

invoice_lines as (

    select * from {{ ref('stg_stripe__invoice_lines') }}

),

subscription_items as (

    select * from {{ ref('stg_stripe__subscription_items') }}

),

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

-- every day a conversion can be asked for
known_days as (

    select {{ revtruth.as_of_date() }} as known_day
    union all
    select {{ revtruth.utc_date('period_start_at') }} from invoice_lines
    union all
    select {{ revtruth.utc_date('current_period_start_at') }} from subscription_items
    union all
    select {{ revtruth.utc_date('started_at') }} from subscriptions
    union all
    select {{ revtruth.utc_date('legacy_current_period_start_at') }} from subscriptions

),

bounds as (

    select min(known_day) as first_day, max(known_day) as last_day
    from known_days

),

days (rate_day) as (

    {{ revtruth.spine('days', 'rate_day', 'day', 'bounds', 'first_day', 'last_day') }}

),

-- each rate holds from its date until the currency's next rate; a currency's first rate
-- also holds for the days before it
rate_periods as (

    select
        currency,
        rate_date,
        units_per_usd,
        lead(rate_date) over (partition by currency order by rate_date) as next_rate_date,
        row_number() over (partition by currency order by rate_date) = 1 as is_first_rate
    from fx_rates

),

daily as (

    select
        rate_periods.currency,
        days.rate_day,
        rate_periods.rate_date,
        rate_periods.units_per_usd
    from days
    inner join rate_periods
        on (days.rate_day >= rate_periods.rate_date or rate_periods.is_first_rate)
        and (rate_periods.next_rate_date is null or days.rate_day < rate_periods.next_rate_date)

),

final as (

    select
        daily.currency,
        daily.rate_day,
        daily.rate_date,
        daily.units_per_usd,
        reporting.units_per_usd as reporting_units_per_usd
    from daily
    left join daily as reporting
        on reporting.rate_day = daily.rate_day
        and reporting.currency = '{{ revtruth.reporting_currency() }}'

)

select * from final
