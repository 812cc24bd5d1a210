{#-
    Pricing a quantity with a tiered price (docs/metrics.md#tiered-and-metered-prices), by Stripe's rules as
    revtruth.simulate.plan.Price.amount_for states them:

    - volume: every unit at the unit amount of the tier the quantity falls in, plus that
      tier's flat amount;
    - graduated: each unit at the unit amount of its own tier, plus the flat amount of every
      tier reached; no units cost nothing.

    int_price_tiers_bounded gives each tier the units below it and what those cost under
    graduated pricing, so one tier row prices a quantity: join the tiers on
    `tier_holds_quantity(tier, quantity)` (the one tier the quantity falls in; the first tier
    for 0 units), then take `tiered_amount(tier, quantity)`, minor units per billing period.
    `tier` is the alias of the joined int_price_tiers_bounded row.
-#}
{% macro tier_holds_quantity(tier, quantity) -%}
    ({{ quantity }} > {{ tier }}.units_below or {{ tier }}.tier_number = 1)
    and ({{ tier }}.up_to is null or {{ quantity }} <= {{ tier }}.up_to)
{%- endmacro %}

{% macro tiered_amount(tier, quantity) -%}
    case
        when {{ tier }}.tiers_mode = 'volume'
            then {{ tier }}.unit_amount_minor * {{ quantity }} + {{ tier }}.flat_amount_minor
        when {{ quantity }} <= 0 then 0
        else {{ tier }}.amount_below_minor
            + {{ tier }}.unit_amount_minor * ({{ quantity }} - {{ tier }}.units_below)
            + {{ tier }}.flat_amount_minor
    end
{%- endmacro %}
