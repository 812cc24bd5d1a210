-- One row per tier of a tiered price, keyed by the price's id, with the units below the
-- tier and what they cost under graduated pricing: one row then prices any quantity that
-- falls in the tier (macros tier_holds_quantity and tiered_amount).

with

prices as (

    select * from {{ ref('stg_stripe__prices') }}

),

tiers as (

    select * from {{ ref('stg_stripe__price_tiers') }}

),

-- a tier belongs to the price row dlt loaded it with
price_tiers as (

    select
        prices.price_id,
        prices.tiers_mode,
        prices.currency,
        tiers.tier_position,
        tiers.up_to,
        -- an amount Stripe leaves null is one the tier does not charge
        cast(coalesce(tiers.unit_amount_minor, 0) as decimal(38, 12)) as unit_amount_minor,
        cast(coalesce(tiers.flat_amount_minor, 0) as decimal(38, 12)) as flat_amount_minor
    from tiers
    inner join prices
        on tiers.price_dlt_id = prices.price_dlt_id
    where prices.tiers_mode in ('volume', 'graduated')

),

numbered as (

    select
        *,
        row_number() over (partition by price_id order by tier_position) as tier_number,
        -- the tier prices units above the previous tier's `up_to`
        coalesce(lag(up_to) over (partition by price_id order by tier_position), 0) as units_below
    from price_tiers

),

bounded as (

    select
        *,
        -- graduated: every unit below the tier at its own tier's amount, flat amounts included
        cast(coalesce(sum(unit_amount_minor * (up_to - units_below) + flat_amount_minor) over (
            partition by price_id
            order by tier_position
            rows between unbounded preceding and 1 preceding
        ), 0) as decimal(38, 12)) as amount_below_minor
    from numbered

)

select * from bounded
