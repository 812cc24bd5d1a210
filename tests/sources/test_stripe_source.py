"""The Stripe source through the real `stripe` library against the simulated Stripe API,
loaded by real dlt pipelines into DuckDB."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import stripe
from dlt.pipeline.exceptions import PipelineStepFailed

from revtruth.config import load_settings
from revtruth.simulate.company.plan import BillingPlan, StripeEvent
from revtruth.simulate.fixtures import API_KEY, tiny_billing_plan
from revtruth.simulate.stripe.errors import mask_key
from revtruth.simulate.stripe.server import StripeServer
from revtruth.sources.quarantine import QUARANTINE_TABLE
from revtruth.sources.stripe import stripe_source
from revtruth.sync import sync

from .conftest import Warehouse, stripe_counts_of

DATASET = "raw_stripe"

# The hand-made plan, table by table: 19 subscription items (one subscription has 12, more
# than the 10 Stripe embeds), 18 invoice lines (one invoice has 12), 1 subscription discount.
TINY_COUNTS = {
    "products": 3,
    "prices": 16,
    "coupons": 3,
    "customers": 7,
    "subscriptions": 7,
    "subscriptions__items__data": 19,
    "subscriptions__discounts": 1,
    "invoices": 5,
    "invoices__lines__data": 18,
    "events": 5,
}


def loaded_counts(warehouse: Warehouse) -> dict[str, int]:
    counts = warehouse.row_counts(DATASET)
    return {table: counts.get(table) for table in TINY_COUNTS}


def ids(warehouse: Warehouse, table: str) -> list[str]:
    return sorted(row[0] for row in warehouse.sql(f"select id from {DATASET}.{table}"))


@pytest.fixture
def plan() -> BillingPlan:
    return tiny_billing_plan()


@pytest.fixture
def server(plan: BillingPlan) -> Iterator[StripeServer]:
    with StripeServer(plan, API_KEY) as running:
        yield running


def source_for(server: StripeServer, **kwargs: object) -> object:
    return stripe_source(api_key=API_KEY, base_url=server.base_url, **kwargs)


@dataclass
class Loaded:
    plan: BillingPlan
    warehouse: Warehouse
    normalized: dict[str, int]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """The tiny plan loaded once with the default page size, for tests that only read."""
    plan, directory = tiny_billing_plan(), tmp_path_factory.mktemp("stripe")
    warehouse = Warehouse(directory / "warehouse.duckdb", directory / "dlt")
    with StripeServer(plan, API_KEY) as server:
        normalized = warehouse.run(source_for(server), DATASET)
    return Loaded(plan, warehouse, normalized)


def test_tiny_plan_counts_are_what_the_plan_holds(plan: BillingPlan) -> None:
    assert stripe_counts_of(plan) == TINY_COUNTS


def test_every_object_type_lands_with_the_plans_row_counts(loaded: Loaded) -> None:
    plan, warehouse = loaded.plan, loaded.warehouse

    assert {t: loaded.normalized.get(t) for t in TINY_COUNTS} == TINY_COUNTS
    assert loaded_counts(warehouse) == TINY_COUNTS
    assert ids(warehouse, "customers") == sorted(c.customer_id for c in plan.customers)
    assert ids(warehouse, "subscriptions") == sorted(s.subscription_id for s in plan.subscriptions)
    assert ids(warehouse, "invoices") == sorted(i.invoice_id for i in plan.invoices)
    assert ids(warehouse, "events") == sorted(e.event_id for e in plan.events)
    # status=all: canceled subscriptions are not silently left out.
    assert warehouse.sql(
        f"select count(*) from {DATASET}.subscriptions where status = 'canceled'"
    ) == [(2,)]
    assert warehouse.sql(f"select id, subscription from {DATASET}.subscriptions__discounts") == [
        ("di_sub1", "sub_1")
    ]
    assert QUARANTINE_TABLE not in warehouse.row_counts(DATASET)


def test_second_run_adds_no_rows_anywhere(server: StripeServer, warehouse: Warehouse) -> None:
    warehouse.run(source_for(server), DATASET)
    after_first = warehouse.row_counts(DATASET)

    warehouse.run(source_for(server), DATASET)

    # The plan's events are older than Stripe keeps them, so the second run lists
    # everything again: merged on `id`, nothing is added.
    assert warehouse.row_counts(DATASET) == after_first
    assert loaded_counts(warehouse) == TINY_COUNTS
    for table in ("customers", "subscriptions", "invoices", "events"):
        assert warehouse.sql(f"select count(*) - count(distinct id) from {DATASET}.{table}") == [
            (0,)
        ], table


def test_new_events_are_appended_on_the_next_run_even_in_the_last_synced_second(
    plan: BillingPlan, warehouse: Warehouse
) -> None:
    with StripeServer(plan, API_KEY) as first:
        warehouse.run(source_for(first), DATASET)
    last = max(plan.events, key=lambda e: e.created_at)
    plan.events += [
        # Same second as the newest event already loaded, so at the cursor itself.
        StripeEvent("evt_6", "invoice.paid", last.created_at, "invoice", "in_2"),
        StripeEvent(
            "evt_7", "invoice.paid", last.created_at + timedelta(hours=2), "invoice", "in_4"
        ),
    ]

    with StripeServer(plan, API_KEY) as second:
        normalized = warehouse.run(source_for(second), DATASET)

    # events are read again from a little before the newest one seen; those already read
    # are known by id and skipped
    assert normalized["events"] == 2
    assert ids(warehouse, "events") == [
        "evt_1",
        "evt_2",
        "evt_3",
        "evt_4",
        "evt_5",
        "evt_6",
        "evt_7",
    ]


def test_small_pages_are_followed_without_losing_or_duplicating_records(
    server: StripeServer, plan: BillingPlan, warehouse: Warehouse
) -> None:
    warehouse.run(source_for(server, page_size=2), DATASET)

    assert loaded_counts(warehouse) == TINY_COUNTS
    assert ids(warehouse, "prices") == sorted(p.price_id for p in plan.prices)
    assert ids(warehouse, "customers") == sorted(c.customer_id for c in plan.customers)
    # 16 prices two at a time, 7 customers two at a time: every page was asked for once.
    requests = server.requests_by_path
    assert requests["/v1/prices"] == 8
    assert requests["/v1/customers"] == 4


def test_subscription_with_more_than_ten_items_and_invoice_with_more_than_ten_lines_arrive_complete(
    loaded: Loaded,
) -> None:
    plan, warehouse = loaded.plan, loaded.warehouse

    items = warehouse.sql(
        f"select i.id from {DATASET}.subscriptions__items__data i "
        f"join {DATASET}.subscriptions s on i._dlt_parent_id = s._dlt_id where s.id = 'sub_6'"
    )
    sub_6 = next(s for s in plan.subscriptions if s.subscription_id == "sub_6")
    assert len(sub_6.items) == 12
    assert sorted(row[0] for row in items) == sorted(i.item_id for i in sub_6.items)

    lines = warehouse.sql(
        f"select l.id from {DATASET}.invoices__lines__data l "
        f"join {DATASET}.invoices i on l._dlt_parent_id = i._dlt_id where i.id = 'in_4'"
    )
    in_4 = next(i for i in plan.invoices if i.invoice_id == "in_4")
    assert len(in_4.lines) == 12
    assert sorted(row[0] for row in lines) == sorted(line.line_id for line in in_4.lines)

    # The nested lists were completed, so none is recorded as cut short.
    assert warehouse.sql(f"select count(*) from {DATASET}.subscriptions where items__has_more") == [
        (0,)
    ]
    assert warehouse.sql(f"select count(*) from {DATASET}.invoices where lines__has_more") == [(0,)]


def test_legacy_shapes_load_with_the_single_discount_instead_of_discounts(
    plan: BillingPlan, warehouse: Warehouse
) -> None:
    with StripeServer(plan, API_KEY, legacy_shapes=True) as legacy:
        warehouse.run(source_for(legacy), DATASET)

    counts = warehouse.row_counts(DATASET)
    expected = {t: n for t, n in TINY_COUNTS.items() if t != "subscriptions__discounts"}
    assert {t: counts.get(t) for t in expected} == expected
    # The refused `discounts` expansion was dropped: no discounts child table at all, and
    # the one subscription discount arrived as the legacy inline `discount` with its coupon.
    assert "subscriptions__discounts" not in counts
    assert warehouse.sql(
        f"select id, discount__id, discount__coupon__id from {DATASET}.subscriptions "
        "where discount__id is not null"
    ) == [("sub_1", "di_sub1", "OFF10X3")]


def test_wrong_api_key_fails_naming_authentication_and_shows_only_the_masked_key(
    server: StripeServer, warehouse: Warehouse
) -> None:
    wrong_key = "sk_test_51WrongKeyThatMustNeverBePrinted9z8y"

    with pytest.raises(PipelineStepFailed) as failure:
        warehouse.run(stripe_source(api_key=wrong_key, base_url=server.base_url), DATASET)

    root: BaseException = failure.value
    while root.__cause__ or root.__context__:
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    assert isinstance(root, stripe.AuthenticationError)
    assert root.user_message == f"Invalid API Key provided: {mask_key(wrong_key)}"
    everything_said = "".join(traceback.format_exception(failure.value))
    assert "AuthenticationError" in everything_said
    assert wrong_key not in everything_said
    assert wrong_key[8:-4] not in everything_said  # not even the middle of it


def test_rate_limited_api_still_loads_everything(
    plan: BillingPlan, warehouse: Warehouse, tmp_path: Path
) -> None:
    # How many requests the load needs when none is refused (9: one page per list, and the
    # rest of the two nested lists that hold more than 10 entries).
    with StripeServer(plan, API_KEY) as unlimited:
        Warehouse(tmp_path / "unlimited.duckdb", tmp_path / "unlimited").run(
            source_for(unlimited), DATASET
        )
        requests_needed = unlimited.request_count

    # 5 a second, in bursts of 5: about half of the requests are refused with a 429 at first.
    with StripeServer(tiny_billing_plan(), API_KEY, rate_limit_per_second=5) as limited:
        warehouse.run(source_for(limited), DATASET)
        requests_made = limited.request_count

    assert requests_made > requests_needed  # the refused ones were asked again
    assert loaded_counts(warehouse) == TINY_COUNTS


class _LeavesOutDerivedFields(StripeServer):
    """A Stripe-compatible server that sends subscription items without `subscription` and
    subscriptions without `currency`, as old API versions and some imitations do."""

    def on_start(self) -> None:
        from revtruth.simulate.stripe.render import render_billing

        rendered = render_billing(self._billing)
        for items in rendered.subscription_items.values():
            for item in items:
                item.pop("subscription", None)
        for subscription in rendered.subscriptions.values():
            subscription.pop("currency", None)
            for item in subscription["items"]["data"]:
                item.pop("subscription", None)
        self._load(rendered)


def test_fields_an_old_api_version_leaves_out_are_written_in_from_the_items(
    warehouse: Warehouse,
) -> None:
    plan = tiny_billing_plan()
    with _LeavesOutDerivedFields(plan, API_KEY) as server:
        warehouse.run(source_for(server), DATASET)
    assert loaded_counts(warehouse) == TINY_COUNTS
    assert warehouse.sql(
        f"select count(*) from {DATASET}.subscriptions where currency is null"
    ) == [(0,)]
    parents = warehouse.sql(
        f"select count(*) from {DATASET}.subscriptions__items__data i "
        f"join {DATASET}.subscriptions s on s._dlt_id = i._dlt_parent_id "
        "where i.subscription = s.id"
    )
    assert parents == [(TINY_COUNTS["subscriptions__items__data"],)]
    currencies = {s.subscription_id: s.currency for s in plan.subscriptions}
    assert dict(warehouse.sql(f"select id, currency from {DATASET}.subscriptions")) == currencies


class _RefusesExpansionsInItsOwnWords(StripeServer):
    """A Stripe-compatible server that refuses an expansion of subscriptions with a message
    that names no path the way Stripe's does."""

    def _route(self, path: str, params: dict) -> object:
        from revtruth.simulate.stripe.errors import ApiError

        if path.endswith("/subscriptions") and params.get("expand"):
            raise ApiError(400, "Expansion is not supported for this resource", param="expand")
        return super()._route(path, params)


def test_an_expansion_refused_in_other_words_is_dropped_and_the_list_read(
    warehouse: Warehouse,
) -> None:
    with _RefusesExpansionsInItsOwnWords(tiny_billing_plan(), API_KEY) as server:
        warehouse.run(source_for(server), DATASET)
    counts = loaded_counts(warehouse)
    assert counts["subscriptions"] == TINY_COUNTS["subscriptions"]
    assert counts["subscriptions__items__data"] == TINY_COUNTS["subscriptions__items__data"]


def test_responses_cut_short_are_read_again_and_everything_loads(warehouse: Warehouse) -> None:
    # every third response stops halfway through its body (IncompleteRead), which the
    # client does not retry by itself
    with StripeServer(tiny_billing_plan(), API_KEY) as cut:
        cut.truncate_every = 3
        warehouse.run(source_for(cut), DATASET)
        assert cut.request_count > 9
    assert loaded_counts(warehouse) == TINY_COUNTS


def test_a_server_that_never_answers_fails_in_time_naming_its_address() -> None:
    import socket
    import threading
    import time

    from revtruth.sources.stripe.helpers import StripeUnreachable

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    held: list = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    address = f"http://127.0.0.1:{silent.getsockname()[1]}"
    started = time.monotonic()
    with pytest.raises(Exception) as failure:  # dlt wraps the source's error
        list(
            stripe_source(
                api_key=API_KEY, base_url=address, max_network_retries=0, timeout_seconds=1
            )
        )
    assert time.monotonic() - started < 20
    root = failure.value
    while root.__cause__ or root.__context__:
        root = root.__cause__ or root.__context__
        if isinstance(root, StripeUnreachable):
            break
    assert isinstance(root, StripeUnreachable)
    assert f"Stripe at {address} could not be read" in str(root)
    assert "again later may succeed" in str(root)
    silent.close()


def test_malformed_record_is_quarantined_with_its_reason_while_the_rest_loads(
    plan: BillingPlan, warehouse: Warehouse, tmp_path: Path
) -> None:
    price = next(p for p in plan.prices if p.price_id == "price_pro_y")
    price.unit_amount = "12.50"  # type: ignore[assignment]  # a string, not minor units

    with StripeServer(plan, API_KEY) as server:
        settings = load_settings(
            env={
                "REVTRUTH_WAREHOUSE__PATH": str(warehouse.path),
                "REVTRUTH_SOURCES__STRIPE__BASE_URL": server.base_url,
                "REVTRUTH_SOURCES__STRIPE__API_KEY": API_KEY,
            },
            base_dir=tmp_path,
            discover_files=False,
        )
        summary = sync(settings, ["stripe"])

    # the price, and each subscription that carries it in its items
    on_it = sorted(
        s.subscription_id
        for s in plan.subscriptions
        if any(i.price_id == "price_pro_y" for i in s.items)
    )
    assert summary.failed == []
    assert summary.quarantined == 1 + len(on_it)
    quarantined = warehouse.sql(
        f"select source, resource, record_id, reason from {DATASET}.{QUARANTINE_TABLE} "
        "order by resource, record_id"
    )
    assert quarantined[0] == (
        "stripe",
        "prices",
        "price_pro_y",
        "'unit_amount' is not an integer amount in minor units: '12.50'",
    )
    assert [row[:3] for row in quarantined[1:]] == [
        ("stripe", "subscriptions", sub) for sub in on_it
    ]
    assert all(
        row[3].startswith("items.data[")
        and row[3].endswith("].price.unit_amount is not an integer: '12.50'")
        for row in quarantined[1:]
    )
    expected = {**TINY_COUNTS, "prices": TINY_COUNTS["prices"] - 1}
    assert {k: v for k, v in loaded_counts(warehouse).items() if "subscriptions" not in k} == {
        k: v for k, v in expected.items() if "subscriptions" not in k
    }
    assert loaded_counts(warehouse)["subscriptions"] == TINY_COUNTS["subscriptions"] - len(on_it)
    assert "price_pro_y" not in ids(warehouse, "prices")
