"""The simulated company's price list and coupons: fixed, so every seed sells the same things.

Amounts are chosen the way real SaaS price pages choose them (annual = 12 × a round monthly
figure, whole euros, yen in thousands) — which also keeps most MRR figures whole minor units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from revtruth.simulate.company.plan import Coupon, Price, PriceTier, Product

# Units of each currency per one US dollar: the FX seed the warehouse ships with as well.
FX_UNITS_PER_USD: dict[str, Decimal] = {
    "usd": Decimal(1),
    "eur": Decimal("0.8"),
    "jpy": Decimal(150),
}
ZERO_DECIMAL_CURRENCIES = frozenset({"jpy", "krw", "vnd", "clp", "isk", "ugx", "xof", "xaf"})


@dataclass(frozen=True)
class PriceSpec:
    key: str
    product: str
    currency: str
    unit_amount: int
    interval: str
    interval_count: int = 1
    tiers_mode: str | None = None
    tiers: tuple[tuple[int | None, int, int], ...] = ()  # (up_to, unit_amount, flat_amount)
    usage_type: str = "licensed"


PRODUCTS = {
    "starter": ("Starter", "For small teams getting started"),
    "growth": ("Growth", "For growing teams that need analytics"),
    "scale": ("Scale", "For organisations with many workspaces"),
    "seats": ("Extra seats", "Additional seats beyond the plan's included users"),
    "api": ("API calls", "Metered API usage, billed in arrears"),
}

PRICE_SPECS = (
    PriceSpec("starter_month_usd", "starter", "usd", 4_900, "month"),
    PriceSpec("starter_year_usd", "starter", "usd", 58_800, "year"),
    PriceSpec("starter_week_usd", "starter", "usd", 1_500, "week"),
    PriceSpec("growth_month_usd", "growth", "usd", 19_900, "month"),
    PriceSpec("growth_year_usd", "growth", "usd", 238_800, "year"),
    PriceSpec("scale_month_usd", "scale", "usd", 79_900, "month"),
    PriceSpec("scale_quarter_usd", "scale", "usd", 239_700, "month", 3),
    PriceSpec("scale_year_usd", "scale", "usd", 958_800, "year"),
    PriceSpec("seats_month_usd", "seats", "usd", 1_500, "month"),
    # volume-discounted seats: each seat priced in its own tier (graduated), a platform fee
    # once the third tier is reached
    PriceSpec(
        "seats_tiered_usd",
        "seats",
        "usd",
        0,
        "month",
        tiers_mode="graduated",
        tiers=((10, 1_500, 0), (50, 1_200, 0), (None, 900, 5_000)),
    ),
    PriceSpec("api_metered_usd", "api", "usd", 2, "month", usage_type="metered"),
    PriceSpec("starter_month_eur", "starter", "eur", 4_800, "month"),
    PriceSpec("growth_month_eur", "growth", "eur", 19_600, "month"),
    PriceSpec("growth_year_eur", "growth", "eur", 235_200, "year"),
    PriceSpec("seats_month_eur", "seats", "eur", 1_600, "month"),
    PriceSpec("growth_month_jpy", "growth", "jpy", 30_000, "month"),
    PriceSpec("scale_year_jpy", "scale", "jpy", 1_440_000, "year"),
)


@dataclass(frozen=True)
class CouponSpec:
    key: str
    name: str
    duration: str
    percent_off: Decimal | None = None
    amount_off: int | None = None
    currency: str | None = None
    duration_in_months: int | None = None


COUPON_SPECS = (
    CouponSpec("partner20", "Partner 20% forever", "forever", percent_off=Decimal(20)),
    CouponSpec("nonprofit25", "Non-profit 25%", "forever", percent_off=Decimal(25)),
    CouponSpec(
        "launch10x3", "Launch 10% for 3 months", "repeating", Decimal(10), duration_in_months=3
    ),
    CouponSpec(
        "save50x2", "Retention 50% for 2 months", "repeating", Decimal(50), duration_in_months=2
    ),
    CouponSpec("welcome25", "Welcome: 25% off the first invoice", "once", Decimal(25)),
    CouponSpec("usd50off", "$50 off every month", "forever", amount_off=5_000, currency="usd"),
    CouponSpec(
        "usd120off_year", "$120 off every year", "forever", amount_off=12_000, currency="usd"
    ),
    CouponSpec("eur20off", "€20 off every month", "forever", amount_off=2_000, currency="eur"),
)


def build_catalogue(
    created_at: datetime, product_ids: list[str], price_ids: list[str], coupon_ids: list[str]
) -> tuple[list[Product], dict[str, Price], dict[str, Coupon]]:
    """Products, prices by spec key and coupons by spec key, with the ids the caller drew."""
    products = {}
    for (key, (name, description)), product_id in zip(PRODUCTS.items(), product_ids, strict=True):
        products[key] = Product(product_id, name, created_at, description)
    prices = {
        spec.key: Price(
            price_id=price_id,
            product_id=products[spec.product].product_id,
            currency=spec.currency,
            unit_amount=spec.unit_amount,
            interval=spec.interval,
            interval_count=spec.interval_count,
            created_at=created_at,
            nickname=spec.key.replace("_", " "),
            lookup_key=spec.key,
            usage_type=spec.usage_type,
            tiers_mode=spec.tiers_mode,
            tiers=[PriceTier(*tier) for tier in spec.tiers],
        )
        for spec, price_id in zip(PRICE_SPECS, price_ids, strict=True)
    }
    coupons = {
        spec.key: Coupon(
            coupon_id=coupon_id,
            name=spec.name,
            duration=spec.duration,
            created_at=created_at,
            percent_off=spec.percent_off,
            amount_off=spec.amount_off,
            currency=spec.currency,
            duration_in_months=spec.duration_in_months,
        )
        for spec, coupon_id in zip(COUPON_SPECS, coupon_ids, strict=True)
    }
    return list(products.values()), prices, coupons
