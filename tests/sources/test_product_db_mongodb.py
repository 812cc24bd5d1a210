"""The product database source reading MongoDB with pymongo, against the MongoDB
wire-protocol simulator (no MongoDB server installs from the package registries): a field
map from document paths to columns, types from BSON, incremental reads, into DuckDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from revtruth.simulate.mongodb import product
from revtruth.simulate.mongodb.server import MongoServer
from revtruth.sources.product_db import product_db, with_timeouts
from revtruth.sources.product_db.tables import ProductDbError

from .conftest import Warehouse, small_product_db_plan

DATASET = "raw_product_db"


@pytest.fixture
def mongo(company_plan) -> Iterator[tuple[MongoServer, object]]:
    plan = small_product_db_plan(company_plan)
    with MongoServer(product.databases(plan)) as server:
        yield server, plan


def url_of(server: MongoServer) -> str:
    return with_timeouts(f"mongodb://127.0.0.1:{server.port}/product?directConnection=true", 5)


def test_documents_land_as_the_product_tables_with_nested_and_missing_fields(
    mongo, warehouse: Warehouse
) -> None:
    server, plan = mongo
    normalized = warehouse.run(product_db(url=url_of(server)), DATASET)

    assert normalized == {
        "tenants": len(plan.tenants),
        "users": len(plan.users),
        "user_activity_logs": len(plan.activity),
    }
    tenants = {
        row[0]: row[1:]
        for row in warehouse.sql(
            f"select id, plan_tier, stripe_customer_id, created_at from {DATASET}.tenants"
        )
    }
    for t in plan.tenants:
        # nested fields by their path, a missing `billing` as null, times to the millisecond
        assert tenants[t.tenant_id][:2] == (t.plan_tier, t.billing_customer_id)
        assert abs((tenants[t.tenant_id][2] - t.created_at).total_seconds()) < 0.001
    logs = warehouse.column_types(DATASET, "user_activity_logs")
    assert (logs["id"], logs["object_id"], logs["occurred_at"]) == (
        "BIGINT",
        "VARCHAR",
        "TIMESTAMP WITH TIME ZONE",
    )
    assert warehouse.sql(f"select count(*) from {DATASET}.users where last_seen_at is null") == [
        (sum(u.last_seen_at is None for u in plan.users),)
    ]


def test_a_second_read_adds_nothing(mongo, warehouse: Warehouse) -> None:
    server, plan = mongo
    warehouse.run(product_db(url=url_of(server), cursor_lookback=100), DATASET)
    warehouse.run(product_db(url=url_of(server), cursor_lookback=100), DATASET)
    assert warehouse.sql(
        f"select count(*), count(distinct id) from {DATASET}.user_activity_logs"
    ) == [(len(plan.activity), len(plan.activity))]


def test_a_field_map_of_ones_own_replaces_the_default(mongo, warehouse: Warehouse) -> None:
    server, _ = mongo
    fields = {"tenants": {"id": "_id", "workspace": "name", "tier": "plan.tier"}}
    warehouse.run(product_db(url=url_of(server), tables=["tenants"], document_fields=fields),
                  DATASET)  # fmt: skip
    assert set(warehouse.column_types(DATASET, "tenants")) == {
        "id", "workspace", "tier", "_dlt_load_id"
    }  # fmt: skip


def test_a_missing_collection_and_a_refused_connection_are_named(mongo) -> None:
    server, _ = mongo
    with pytest.raises(ProductDbError, match="nowhere not found in database 'product'"):
        product_db(url=url_of(server), tables=["tenants", "nowhere"])
    port = server.port
    server.stop()
    with pytest.raises(ProductDbError, match=r"cannot connect .* at 127\.0\.0\.1"):
        product_db(url=with_timeouts(f"mongodb://127.0.0.1:{port}/product", 1))


def test_an_objectid_cursor_reads_only_the_new_documents(mongo, warehouse: Warehouse) -> None:
    import bson

    server, plan = mongo
    fields = {"user_activity_logs": {"id": "_id", "event_type": "event_type"}}
    source = lambda: product_db(  # noqa: E731
        url=url_of(server),
        tables=["user_activity_logs"],
        document_fields=fields,
        cursor_lookback=10_000,  # the setting's default: it cannot apply to ObjectIds
    )
    warehouse.run(source(), DATASET)
    newest = max(d["_id"] for d in server.databases["product"]["user_activity_logs"])
    late = bson.ObjectId(newest.binary[:4] + b"\xff" * 8)  # a later id of the same second
    server.databases["product"]["user_activity_logs"].append({"_id": late, "event_type": "x"})
    again = warehouse.run(source(), DATASET)
    assert again == {"user_activity_logs": 1}
    assert warehouse.sql(f"select count(*) from {DATASET}.user_activity_logs") == [
        (len(plan.activity) + 1,)
    ]
