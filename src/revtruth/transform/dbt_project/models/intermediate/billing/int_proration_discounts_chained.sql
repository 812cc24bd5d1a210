-- One row per proration line whose discounts are all percentages: the share of the line's
-- full monthly rate they take, and the finite part of it (docs/metrics.md#discounts). A
-- proration bills a rounded fraction of a period, so its discount amounts are only near the
-- coupons' percentages; the shares come from the percentages themselves, applied in the
-- order Stripe lists them, each to what the previous ones left.

with recursive

lines as (

    select * from {{ ref('stg_stripe__invoice_lines') }}

),

line_discounts as (

    select * from {{ ref('stg_stripe__invoice_line_discounts') }}

),

discounts as (

    select * from {{ ref('int_discounts_classified') }}

),

line_totals as (

    select * from {{ ref('int_invoice_line_discounts_summed') }}

),

steps as (

    select
        line_discounts.invoice_line_dlt_id,
        discounts.percent_off,
        coalesce(discounts.is_finite, true) as is_finite,
        row_number() over (
            partition by line_discounts.invoice_line_dlt_id
            order by line_discounts.discount_position
        ) as step
    from line_discounts
    inner join line_totals
        on line_discounts.invoice_line_dlt_id = line_totals.invoice_line_dlt_id
    inner join lines
        on line_discounts.invoice_line_dlt_id = lines.invoice_line_dlt_id
    left join discounts
        on line_discounts.discount_id = discounts.discount_id
    where lines.is_proration
        and line_totals.is_percent_only

),

chain (invoice_line_dlt_id, step, remaining_share, discount_share, finite_discount_share) as (

    select
        invoice_line_dlt_id,
        0,
        cast(1 as decimal(38, 18)),
        cast(0 as decimal(38, 18)),
        cast(0 as decimal(38, 18))
    from steps
    where step = 1

    union all

    select
        chain.invoice_line_dlt_id,
        chain.step + 1,
        cast(chain.remaining_share * (100 - steps.percent_off) * 0.01 as decimal(38, 18)),
        cast(chain.discount_share + chain.remaining_share * steps.percent_off * 0.01 as decimal(38, 18)),
        cast(chain.finite_discount_share
            + case when steps.is_finite then chain.remaining_share * steps.percent_off * 0.01 else 0 end
            as decimal(38, 18))
    from chain
    inner join steps
        on chain.invoice_line_dlt_id = steps.invoice_line_dlt_id
        and steps.step = chain.step + 1

),

ranked as (

    select
        *,
        row_number() over (partition by invoice_line_dlt_id order by step desc) as step_rank
    from chain

),

final as (

    select invoice_line_dlt_id, discount_share, finite_discount_share
    from ranked
    where step_rank = 1

)

select * from final
