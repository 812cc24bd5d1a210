"""Tiered and metered prices through the Stripe source: tiers are asked for (Stripe sends them
only when expanded) and land in dlt's child table `prices__tiers`; usage types land on the
prices and metered items arrive without a quantity."""

from __future__ import annotations

import pytest

from revtruth.simulate.fixtures import API_KEY, tiered_billing_plan
from revtruth.simulate.stripe.server import StripeServer
from revtruth.sources.stripe import stripe_source

from .conftest import Warehouse

DATASET = "raw_stripe"


@pytest.fixture
def loaded(warehouse: Warehouse) -> Warehouse:
    with StripeServer(tiered_billing_plan(), API_KEY) as server:
        warehouse.run(stripe_source(api_key=API_KEY, base_url=server.base_url), DATASET)
    return warehouse


def tiers_by_price(warehouse: Warehouse) -> dict[str, list[tuple]]:
    rows = warehouse.sql(
        "select p.id, t._dlt_list_idx, t.up_to, t.unit_amount, t.unit_amount_decimal, "
        "t.flat_amount, t.flat_amount_decimal "
        f"from {DATASET}.prices__tiers t join {DATASET}.prices p on t._dlt_parent_id = p._dlt_id "
        "order by p.id, t._dlt_list_idx"
    )
    out: dict[str, list[tuple]] = {}
    for price_id, *tier in rows:
        out.setdefault(price_id, []).append(tuple(tier))
    return out


def test_tiered_prices_land_with_their_tiers_in_order(loaded: Warehouse) -> None:
    # (position, up_to, unit_amount, unit_amount_decimal, flat_amount, flat_amount_decimal);
    # Stripe's decimal strings stay strings, `up_to` is null for the last tier.
    expected = [
        (0, 5, 1000, "1000", None, None),
        (1, 10, 800, "800", None, None),
        (2, None, 500, "500", 2000, "2000"),
    ]
    assert tiers_by_price(loaded) == {"price_seats_grad": expected, "price_seats_vol": expected}


def test_prices_carry_their_billing_scheme_tiers_mode_and_usage_type(loaded: Warehouse) -> None:
    rows = loaded.sql(
        "select id, billing_scheme, tiers_mode, recurring__usage_type, unit_amount "
        f"from {DATASET}.prices where id in "
        "('price_seats_grad', 'price_seats_vol', 'price_api_calls', 'price_pro_m') order by id"
    )
    assert rows == [
        ("price_api_calls", "per_unit", None, "metered", 2),
        ("price_pro_m", "per_unit", None, "licensed", 5000),
        ("price_seats_grad", "tiered", "graduated", "licensed", None),
        ("price_seats_vol", "tiered", "volume", "licensed", None),
    ]


def test_a_metered_item_arrives_without_a_quantity(loaded: Warehouse) -> None:
    rows = loaded.sql(
        "select id, quantity, price__recurring__usage_type"
        f" from {DATASET}.subscriptions__items__data "
        "where subscription = 'sub_8' order by id"
    )
    assert rows == [
        ("si_8_api", None, "metered"),
        ("si_8_grad", 12, "licensed"),
        ("si_8_vol", 12, "licensed"),
    ]


def test_a_second_run_replaces_the_tiers_instead_of_adding_them(loaded: Warehouse) -> None:
    with StripeServer(tiered_billing_plan(), API_KEY) as server:
        loaded.run(stripe_source(api_key=API_KEY, base_url=server.base_url), DATASET)
    assert loaded.sql(f"select count(*) from {DATASET}.prices__tiers") == [(6,)]
    assert {k: len(v) for k, v in tiers_by_price(loaded).items()} == {
        "price_seats_grad": 3,
        "price_seats_vol": 3,
    }
