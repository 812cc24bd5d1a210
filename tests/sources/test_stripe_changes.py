"""Stripe syncs after the first: only what Stripe's events say changed is fetched again,
deletions are marked, and a full list runs on schedule or when events may have been missed.

Each test changes the simulated account between two syncs (simulate.stripe.changes) and
checks the warehouse against a fresh full sync of the changed account."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from revtruth.simulate.company.generator import generate
from revtruth.simulate.fixtures import API_KEY
from revtruth.simulate.stripe.changes import Change, a_day_of_changes
from revtruth.simulate.stripe.server import StripeServer
from revtruth.sources.stripe import stripe_source

from .conftest import SEED, Warehouse

pytestmark = pytest.mark.slow  # a small company's Stripe account, synced two or three times

DATASET = "raw_stripe"
ROOT_TABLES = ("customers", "subscriptions", "invoices", "products", "prices", "coupons")


def source_for(server: StripeServer, **kwargs: object) -> object:
    return stripe_source(api_key=API_KEY, base_url=server.base_url, **kwargs)


def company(days_ago: int = 0):
    """A small company whose history ends `days_ago` days before today (UTC)."""
    return generate(seed=SEED, size="small", today=datetime.now(UTC).date() - timedelta(days_ago))


def deletions(warehouse: Warehouse) -> dict[tuple[str, str], tuple[int, str]]:
    rows = warehouse.sql(f"select object, id, deleted_at, seen_by from {DATASET}.deletions")
    return {(obj, id_): (at, seen_by) for obj, id_, at, seen_by in rows}


def contents(warehouse: Warehouse, skip: set[tuple[str, str]] = frozenset()) -> dict:
    """Every root row (dlt's own columns left out) and every subscription item, by id; the
    deleted objects in `skip` left out (a fresh list never shows them)."""
    found = {}
    for table in ROOT_TABLES:
        obj = table.removesuffix("s")
        rows = warehouse.sql(
            f"select id, to_json(t)::varchar from (select * exclude (_dlt_load_id, _dlt_id) "
            f"from {DATASET}.{table}) t"
        )
        # by column name, nulls left out: one warehouse may have a column the other never
        # needed (dlt adds a column once a value arrives), in another order
        found[table] = {
            id_: json.dumps(
                {k: v for k, v in json.loads(row).items() if v is not None}, sort_keys=True
            )
            for id_, row in rows
            if (obj, id_) not in skip
        }
    found["items"] = {
        row[0]: row[1:]
        for row in warehouse.sql(
            f"select i.id, i.subscription, i.quantity from {DATASET}.subscriptions__items__data i"
        )
    }
    return found


def _by_name(row_json: str) -> str:
    return json.dumps(
        {k: v for k, v in json.loads(row_json).items() if v is not None}, sort_keys=True
    )


def fresh_full_sync(server: StripeServer, tmp_path) -> Warehouse:
    other = Warehouse(tmp_path / "fresh.duckdb", tmp_path / "fresh-dlt")
    other.run(source_for(server), DATASET)
    return other


def test_a_day_of_changes_costs_requests_in_proportion_to_the_changes_not_the_history(
    warehouse: Warehouse, tmp_path
) -> None:
    plan = company()
    with StripeServer(plan.billing, API_KEY) as server:
        warehouse.run(source_for(server), DATASET)
        before = server.request_count
        warehouse.run(source_for(server), DATASET)
        nothing_changed_requests = server.request_count - before

        rng = random.Random(8)
        today = datetime.combine(plan.today, datetime.min.time(), tzinfo=UTC)
        changes = a_day_of_changes(server.rendered, rng, today, count=20)
        events = server.change(*changes)
        before = server.request_count
        warehouse.run(source_for(server), DATASET)
        change_requests = server.request_count - before

        fresh = fresh_full_sync(server, tmp_path)

    changed_objects = {(e["data"]["object"]["object"], e["data"]["object"]["id"]) for e in events}
    # one page of events, then one request per changed object (a subscription with more than
    # ten items costs one more for the rest)
    assert change_requests <= 1 + len(changed_objects) + 2, (change_requests, changed_objects)
    assert nothing_changed_requests == 1  # one page of events, none new: nothing else
    gone = {(c.object_type, c.object_id) for c in changes if c.kind.startswith("delete_")}
    assert contents(warehouse, skip=gone) == contents(fresh)
    assert set(deletions(warehouse)) == gone


def test_deleted_customer_subscription_and_coupon_are_marked_with_their_time(
    warehouse: Warehouse,
) -> None:
    plan = company()
    at = datetime.combine(plan.today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
    with StripeServer(plan.billing, API_KEY) as server:
        warehouse.run(source_for(server), DATASET)
        rendered = server.rendered
        running = [s for s in rendered.subscriptions.values() if s["status"] == "active"]
        customer_id = running[0]["customer"]
        canceled_id = next(s["id"] for s in running if s["customer"] != customer_id)
        coupon_id = min(rendered.coupons)
        server.change(
            Change("delete_customer", "customer", customer_id, at),
            Change("cancel_subscription", "subscription", canceled_id, at),
            Change("delete_coupon", "coupon", coupon_id, at + timedelta(minutes=5)),
        )
        warehouse.run(source_for(server), DATASET)

    stamp = int(at.timestamp())
    assert deletions(warehouse) == {
        ("customer", customer_id): (stamp, "event"),
        ("coupon", coupon_id): (stamp + 300, "event"),
    }
    # the deleted customer keeps its last known row; Stripe canceled its subscriptions
    assert warehouse.sql(f"select count(*) from {DATASET}.customers where id = ?", [customer_id])
    statuses = dict(
        warehouse.sql(
            f"select id, status from {DATASET}.subscriptions where customer = ? or id = ?",
            [customer_id, canceled_id],
        )
    )
    assert statuses[canceled_id] == "canceled"
    assert set(statuses.values()) <= {"canceled", "incomplete_expired"}
    ended = warehouse.sql(
        f"select ended_at from {DATASET}.subscriptions where id = ?", [canceled_id]
    )
    assert ended == [(stamp,)]


def test_a_deletion_no_event_told_of_is_found_by_the_scheduled_full_list(
    warehouse: Warehouse,
) -> None:
    plan = company()
    at = datetime.combine(plan.today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
    with StripeServer(plan.billing, API_KEY) as server:
        warehouse.run(source_for(server), DATASET)
        coupon_id = min(server.rendered.coupons)
        (event,) = server.change(Change("delete_coupon", "coupon", coupon_id, at))
        del server.rendered.events[event["id"]]  # an event that never came
        server.change()

        warehouse.run(source_for(server), DATASET)  # reads changes: there are none
        assert deletions_or_none(warehouse) == {}
        started = datetime.now(UTC).timestamp()
        warehouse.run(source_for(server, full_relist_days=0), DATASET)  # every sync lists all

    ((key, (deleted_at, seen_by)),) = deletions(warehouse).items()
    assert key == ("coupon", coupon_id) and seen_by == "list"
    assert started - 1 <= deleted_at <= datetime.now(UTC).timestamp()  # when it was noticed


def deletions_or_none(warehouse: Warehouse) -> dict:
    tables = warehouse.row_counts(DATASET)
    return deletions(warehouse) if "deletions" in tables else {}


def test_after_a_31_day_gap_everything_is_listed_again_and_nothing_is_lost(
    warehouse: Warehouse, tmp_path
) -> None:
    # history ended 40 days ago; Stripe serves only the last 30 days of events
    plan = company(days_ago=40)
    gap_day = datetime.combine(plan.today, datetime.min.time(), tzinfo=UTC) + timedelta(days=5)
    with StripeServer(plan.billing, API_KEY, event_retention_days=30) as server:
        warehouse.run(source_for(server), DATASET)
        changes = a_day_of_changes(server.rendered, random.Random(31), gap_day, count=12)
        server.change(*changes)  # 35 days ago: their events are gone from Stripe
        warehouse.run(source_for(server), DATASET)
        fresh = fresh_full_sync(server, tmp_path)

    gone = {(c.object_type, c.object_id) for c in changes if c.kind.startswith("delete_")}
    assert gone  # the draw holds at least one deletion
    assert contents(warehouse, skip=gone) == contents(fresh)
    assert {key: seen_by for key, (_, seen_by) in deletions(warehouse).items()} == dict.fromkeys(
        gone, "list"
    )


def test_more_changes_than_a_full_list_costs_are_read_by_listing_everything(
    warehouse: Warehouse, tmp_path
) -> None:
    plan = company()
    with StripeServer(plan.billing, API_KEY) as server:
        warehouse.run(source_for(server), DATASET)
        full_list_requests = server.request_count
        today = datetime.combine(plan.today, datetime.min.time(), tzinfo=UTC)
        changes = a_day_of_changes(server.rendered, random.Random(9), today, count=80)
        server.change(*changes)
        before = server.request_count
        warehouse.run(source_for(server), DATASET)
        requests = server.request_count - before
        fresh = fresh_full_sync(server, tmp_path)

    read = warehouse.pipeline(DATASET).state["sources"]["stripe"]["last_read"]
    assert read["mode"] == "full"
    assert "changed objects would cost more requests than listing everything" in read["reason"]
    assert requests <= full_list_requests + 1  # the list, and the page of events before it
    gone = {(c.object_type, c.object_id) for c in changes if c.kind.startswith("delete_")}
    assert contents(warehouse, skip=gone) == contents(fresh)
    # deletions told by events keep Stripe's time even when everything is listed
    assert {key: seen_by for key, (_, seen_by) in deletions(warehouse).items()} == dict.fromkeys(
        gone, "event"
    )
