"""The product database source against a real PostgreSQL (pgserver): Arrow batches from
ADBC into DuckDB through dlt, in read-only sessions."""

from __future__ import annotations

import adbc_driver_manager.dbapi
import psycopg
import pyarrow as pa
import pytest

from revtruth.simulate.product_db import insert_logins
from revtruth.sources.product_db import product_db
from revtruth.sources.product_db.postgres import ProductDbError, read_only_connection

from .conftest import ProductDb, Warehouse

DATASET = "raw_product_db"
TABLES = ("tenants", "users", "user_activity_logs")


def counts_of(db: ProductDb) -> dict[str, int]:
    return {
        "tenants": len(db.plan.tenants),
        "users": len(db.plan.users),
        "user_activity_logs": len(db.plan.activity),
    }


def test_tables_arrive_as_arrow_batches_with_uuids_as_text(product_database: ProductDb) -> None:
    source = product_db(url=product_database.reader_url)

    batches = list(source.resources["users"])

    assert batches and all(isinstance(batch, pa.Table) for batch in batches)
    schema = batches[0].schema
    assert schema.field("id").type == pa.string()
    assert schema.field("tenant_id").type == pa.string()
    assert schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert sum(batch.num_rows for batch in batches) == len(product_database.plan.users)


def test_tables_land_with_the_plans_counts_uuids_as_text_and_timestamptz_kept(
    product_database: ProductDb, warehouse: Warehouse
) -> None:
    normalized = warehouse.run(product_db(url=product_database.reader_url), DATASET)

    expected = counts_of(product_database)
    assert min(expected.values()) > 0
    assert normalized == expected
    assert warehouse.row_counts(DATASET) == expected
    tenants = warehouse.column_types(DATASET, "tenants")
    assert (tenants["id"], tenants["created_at"]) == ("VARCHAR", "TIMESTAMP WITH TIME ZONE")
    logs = warehouse.column_types(DATASET, "user_activity_logs")
    assert (logs["id"], logs["tenant_id"], logs["user_id"], logs["occurred_at"]) == (
        "BIGINT",
        "VARCHAR",
        "VARCHAR",
        "TIMESTAMP WITH TIME ZONE",
    )
    # the load id dlt gives every row, Arrow tables included: how the build's guard tells a
    # load that never finished
    for table in TABLES:
        assert warehouse.sql(
            f"select count(*) from {DATASET}.{table} t join {DATASET}._dlt_loads l "
            "on t._dlt_load_id = l.load_id where l.status = 0"
        ) == [(expected[table],)], table
    loaded = dict(warehouse.sql(f"select id, created_at from {DATASET}.tenants"))
    assert loaded == {t.tenant_id: t.created_at for t in product_database.plan.tenants}
    first = product_database.plan.activity
    assert warehouse.sql(
        f"select tenant_id, occurred_at from {DATASET}.user_activity_logs where id = ?",
        [first.event_id[0]],
    ) == [(first.tenant_id[0], first.occurred_at[0])]


def test_second_run_adds_nothing(product_database: ProductDb, warehouse: Warehouse) -> None:
    warehouse.run(product_db(url=product_database.reader_url), DATASET)

    normalized = warehouse.run(product_db(url=product_database.reader_url), DATASET)

    assert "user_activity_logs" not in normalized  # nothing past the cursor
    assert warehouse.row_counts(DATASET) == counts_of(product_database)
    for table in TABLES:
        assert warehouse.sql(f"select count(*) - count(distinct id) from {DATASET}.{table}") == [
            (0,)
        ], table


def test_new_activity_rows_are_appended_on_the_next_run_and_only_they(
    product_database: ProductDb, warehouse: Warehouse
) -> None:
    warehouse.run(product_db(url=product_database.reader_url), DATASET)
    plan = product_database.plan
    last_id = max(plan.activity.event_id)
    new_ids = [last_id + 1, last_id + 2, last_id + 3]
    insert_logins(product_database.admin_url, plan, new_ids)

    normalized = warehouse.run(product_db(url=product_database.reader_url), DATASET)

    assert normalized["user_activity_logs"] == 3
    loaded_new = warehouse.sql(
        f"select id from {DATASET}.user_activity_logs where id > ? order by id", [last_id]
    )
    assert loaded_new == [(i,) for i in new_ids]
    assert warehouse.sql(
        f"select count(*), count(distinct id) from {DATASET}.user_activity_logs"
    ) == [(len(plan.activity) + 3, len(plan.activity) + 3)]


def test_a_row_committed_late_with_a_lower_id_is_still_loaded(
    product_database: ProductDb, warehouse: Warehouse
) -> None:
    # ids are handed out at insert, rows appear at commit: 90020 is read first, then the
    # transaction holding 90010 commits
    source = lambda: product_db(url=product_database.reader_url, cursor_lookback=100)  # noqa: E731
    warehouse.run(source(), DATASET)
    last_id = max(product_database.plan.activity.event_id)
    plan = product_database.plan
    insert_logins(product_database.admin_url, plan, [last_id + 20])
    warehouse.run(source(), DATASET)
    insert_logins(product_database.admin_url, plan, [last_id + 10])
    warehouse.run(source(), DATASET)
    assert warehouse.sql(
        f"select id from {DATASET}.user_activity_logs where id > ? order by id", [last_id]
    ) == [(last_id + 10,), (last_id + 20,)]
    # the rows read again are merged, not doubled
    assert warehouse.sql(
        f"select count(*) - count(distinct id) from {DATASET}.user_activity_logs"
    ) == [(0,)]
    assert warehouse.sql(f"select count(*) from {DATASET}.user_activity_logs") == [
        (len(plan.activity) + 2,)
    ]


def test_without_a_lookback_a_late_row_with_a_lower_id_is_skipped(
    product_database: ProductDb, warehouse: Warehouse
) -> None:
    # why the lookback is on by default: reading only past the last id loses it
    warehouse.run(product_db(url=product_database.reader_url), DATASET)
    last_id = max(product_database.plan.activity.event_id)
    plan = product_database.plan
    for event_id in (last_id + 40, last_id + 30):
        insert_logins(product_database.admin_url, plan, [event_id])
        warehouse.run(product_db(url=product_database.reader_url), DATASET)
    assert warehouse.sql(
        f"select id from {DATASET}.user_activity_logs where id > ? order by id", [last_id]
    ) == [(last_id + 40,)]


def test_tenants_changed_in_postgres_are_read_again_without_duplicate_ids(
    product_database: ProductDb, warehouse: Warehouse
) -> None:
    warehouse.run(product_db(url=product_database.reader_url), DATASET)
    changed = [t.tenant_id for t in product_database.plan.tenants[:2]]
    with psycopg.connect(product_database.admin_url) as conn:
        conn.execute(
            "UPDATE tenants SET name = 'Renamed Workspace', plan_tier = 'enterprise'"
            " WHERE id = ANY(%s::uuid[])",
            (changed,),
        )

    warehouse.run(product_db(url=product_database.reader_url), DATASET)

    tenants = len(product_database.plan.tenants)
    assert warehouse.sql(f"select count(*), count(distinct id) from {DATASET}.tenants") == [
        (tenants, tenants)
    ]
    assert warehouse.sql(
        f"select id, name, plan_tier from {DATASET}.tenants where name = 'Renamed Workspace'"
        " order by id"
    ) == [(tenant_id, "Renamed Workspace", "enterprise") for tenant_id in sorted(changed)]


def test_read_only_connection_refuses_writes_even_with_the_admin_url(
    product_database: ProductDb,
) -> None:
    with (
        read_only_connection(product_database.admin_url) as conn,
        conn.cursor() as cursor,
        pytest.raises(adbc_driver_manager.dbapi.Error, match="read-only transaction"),
    ):
        cursor.execute("DELETE FROM user_activity_logs")


def test_missing_configured_table_fails_with_an_error_naming_it(
    product_database: ProductDb,
) -> None:
    with pytest.raises(ProductDbError) as failure:
        product_db(url=product_database.reader_url, tables=["tenants", "invoices_archive"])

    assert str(failure.value).startswith(
        "table(s) invoices_archive not found in schema 'public' of the product database"
    )


def test_chunk_rows_caps_every_arrow_table_handed_to_dlt(product_database: ProductDb) -> None:
    from revtruth.sources.product_db.postgres import describe_tables, read_batches

    total = len(product_database.plan.activity)
    with read_only_connection(product_database.reader_url) as conn:
        (info,) = describe_tables(conn, "public", ["user_activity_logs"])
        sizes = [t.num_rows for t in read_batches(conn, info, chunk_rows=1000)]
    assert sum(sizes) == total
    assert max(sizes) == 1000 and all(size == 1000 for size in sizes[:-1])
