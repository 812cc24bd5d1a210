"""The worked examples of docs/metrics.md#worked-examples through the whole pipeline:
scenario file → simulated Stripe → dlt → DuckDB → dbt → `stripe.subscriptions`, with the
expected numbers written out."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from revtruth.demo import run_demo
from revtruth.simulate.fixtures import scenario_path

pytestmark = pytest.mark.slow

SCENARIO = scenario_path("metrics_examples")

EXPECTED_MRR = {  # docs/metrics.md#worked-examples, in dollars
    "cus_ex1": Decimal(800),  # 1: $12,000/year, 20% forever → $800 (ARR $9,600)
    "cus_ex3": Decimal(100),  # 3: $1,200/year → $100
    "cus_ex4": Decimal(100),  # 4: $300 every 3 months → $100
    "cus_ex6": Decimal(150),  # 6: $25 × 8 seats, $50 forever amount off → $150
    "cus_ex7": Decimal(240),  # 7: $3,000/year, $120 forever amount off → $240
    "cus_ex8_trialing": Decimal(0),  # 8: $500/month trialing → $0
    "cus_ex8_past_due": Decimal(100),  # 8: $100 past_due → $100
    "cus_ex8_unpaid": Decimal(0),  # 8: $100 unpaid → $0
    "cus_ex8_taxed": Decimal(100),  # 8: $100 + $20 tax → $100 (tax is never revenue)
    "cus_ex12": Decimal(80),  # 12: ¥12,000/month at 150 JPY/USD → $80.00
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    directory = tmp_path_factory.mktemp("metrics")
    # a scenario describes billing alone: Stripe is served, the billing marts are built
    run_demo(directory, scenario=SCENARIO, select="+tag:billing")
    con = duckdb.connect(str(directory / "revtruth.duckdb"), read_only=True)
    yield con
    con.close()


def _mrr(con) -> dict[str, Decimal]:
    rows = con.execute(
        "select customer_id, sum(mrr_amount), sum(arr_amount) from stripe.subscriptions group by 1"
    ).fetchall()
    return {customer: (mrr, arr) for customer, mrr, arr in rows}


def test_examples_1_3_4_6_7_8_12_give_the_documented_mrr(warehouse):
    mrr = _mrr(warehouse)
    assert {k: mrr[k][0] for k in EXPECTED_MRR} == EXPECTED_MRR


def test_example_1_arr_is_twelve_times_mrr(warehouse):
    assert _mrr(warehouse)["cus_ex1"][1] == Decimal(9600)


def test_example_5_weekly_price_is_43_33_shown_rounded_only_for_display(warehouse):
    mrr = _mrr(warehouse)["cus_ex5"][0]
    assert mrr == Decimal("43.3333333333")  # 10 × 52 ÷ 12, exact to 10 decimals
    assert mrr.quantize(Decimal("0.01")) == Decimal("43.33")


def test_example_8_tax_reaches_the_invoices_but_not_mrr(warehouse):
    taxed = warehouse.execute(
        "select min(total - subtotal), max(total - subtotal) from raw_stripe.invoices "
        "where customer = 'cus_ex8_taxed' and subtotal > 0"
    ).fetchone()
    assert taxed == (2000, 2000)
    history = warehouse.execute(
        "select distinct mrr_amount from analytics.mrr_by_customer_month "
        "where customer_id = 'cus_ex8_taxed'"
    ).fetchall()
    assert history == [(Decimal(100),)]
