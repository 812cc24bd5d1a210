"""The product database source against a real MariaDB (the distribution's server, started
privately on 127.0.0.1): MySQL's types, read-only sessions, incremental reads with their
lookback, into DuckDB through dlt. Skipped, with the reason, where no MariaDB is installed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from revtruth.simulate.product_db import mysql as mysql_sim
from revtruth.sources.product_db import product_db, with_timeouts
from revtruth.sources.product_db.mysql import read_only_connection
from revtruth.sources.product_db.tables import ProductDbError

from .conftest import ProductDb, Warehouse, small_product_db_plan

pytestmark = pytest.mark.slow  # starts a database server

DATASET = "raw_product_db"
TABLES = ("tenants", "users", "user_activity_logs")


@pytest.fixture(scope="module")
def mariadb() -> Iterator[mysql_sim.RunningMariaDb]:
    try:
        mysql_sim.server_binaries()
    except mysql_sim.MariaDbUnavailable as exc:
        pytest.skip(str(exc))
    with mysql_sim.running_mariadb() as running:
        yield running


@pytest.fixture
def product_database(mariadb, company_plan) -> ProductDb:
    plan = small_product_db_plan(company_plan)
    mysql_sim.load(plan, mariadb.admin_url)
    return ProductDb(mariadb.admin_url, mariadb.reader_url, plan)


def counts_of(db: ProductDb) -> dict[str, int]:
    return {
        "tenants": len(db.plan.tenants),
        "users": len(db.plan.users),
        "user_activity_logs": len(db.plan.activity),
    }


def test_tables_land_with_the_plans_rows_uuids_as_text_and_times_in_utc(
    product_database: ProductDb, warehouse: Warehouse
) -> None:
    normalized = warehouse.run(product_db(url=product_database.reader_url), DATASET)

    assert normalized == counts_of(product_database)
    logs = warehouse.column_types(DATASET, "user_activity_logs")
    assert (logs["id"], logs["tenant_id"], logs["occurred_at"]) == (
        "BIGINT",
        "VARCHAR",
        "TIMESTAMP WITH TIME ZONE",
    )
    loaded = dict(warehouse.sql(f"select id, created_at from {DATASET}.tenants"))
    assert loaded == {t.tenant_id: t.created_at for t in product_database.plan.tenants}
    log = product_database.plan.activity
    rows = {
        event_id: (tenant, at)
        for event_id, tenant, at in warehouse.sql(
            f"select id, tenant_id, occurred_at from {DATASET}.user_activity_logs"
        )
    }
    assert rows == {
        e: (t, at) for e, t, at in zip(log.event_id, log.tenant_id, log.occurred_at, strict=True)
    }


def test_second_run_adds_nothing_and_a_late_lower_id_row_is_loaded(
    product_database: ProductDb, warehouse: Warehouse
) -> None:
    source = lambda: product_db(url=product_database.reader_url, cursor_lookback=1000)  # noqa: E731
    warehouse.run(source(), DATASET)
    newest = max(product_database.plan.activity.event_id)
    mysql_sim.insert_logins(product_database.admin_url, product_database.plan, [newest + 20])
    warehouse.run(source(), DATASET)
    mysql_sim.insert_logins(product_database.admin_url, product_database.plan, [newest + 10])
    warehouse.run(source(), DATASET)

    found = warehouse.sql(
        f"select id from {DATASET}.user_activity_logs where id > ? order by id", [newest]
    )
    assert found == [(newest + 10,), (newest + 20,)]
    assert warehouse.sql(
        f"select count(*) - count(distinct id) from {DATASET}.user_activity_logs"
    ) == [(0,)]
    assert (
        warehouse.row_counts(DATASET)["user_activity_logs"]
        == len(product_database.plan.activity) + 2
    )


def test_the_session_is_read_only_even_for_the_owner(product_database: ProductDb) -> None:
    with read_only_connection(product_database.admin_url) as conn, conn.session.cursor() as cur:
        with pytest.raises(Exception, match=r"READ ONLY|read.only"):
            cur.execute("DELETE FROM user_activity_logs")
        cur.execute("SELECT COUNT(*) FROM user_activity_logs")
        assert cur.fetchone()[0] == len(product_database.plan.activity)


def test_the_reader_may_not_write_at_all(product_database: ProductDb) -> None:
    import pymysql

    conn = mysql_sim.connect_admin(product_database.reader_url)
    with (
        contextlib.closing(conn),
        conn.cursor() as cur,
        pytest.raises(pymysql.err.OperationalError, match="command denied"),
    ):
        cur.execute("DELETE FROM tenants")


def test_mysql_column_types_arrive_as_what_they_mean(mariadb, warehouse: Warehouse) -> None:
    # UUIDs as BINARY(16), flags as TINYINT(1), money as DECIMAL: as MySQL schemas hold them
    conn = mysql_sim.connect_admin(mariadb.admin_url)
    with contextlib.closing(conn), conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS accounts")
        cur.execute(
            "CREATE TABLE accounts (id BINARY(16) PRIMARY KEY, is_active TINYINT(1) NOT NULL,"
            " balance DECIMAL(18,2), seats INT UNSIGNED, joined DATE, seen TIMESTAMP(6) NULL,"
            " plan ENUM('free','pro'), settings JSON)"
        )
        cur.execute(
            "INSERT INTO accounts VALUES (UNHEX(REPLACE(%s, '-', '')), 1, 1234.56, 7,"
            " '2026-03-31', '2026-03-31 23:59:59.5', 'pro', '{\"a\": 1}')",
            ("0b7e9a4c-1f2d-4c3b-9a8e-123456789abc",),
        )
        conn.commit()
    try:
        warehouse.run(product_db(url=mariadb.reader_url, tables=["accounts"]), DATASET)
        assert warehouse.sql(f"select * exclude (_dlt_load_id) from {DATASET}.accounts") == [
            (
                "0b7e9a4c-1f2d-4c3b-9a8e-123456789abc",
                True,
                Decimal("1234.56"),
                7,
                datetime(2026, 3, 31).date(),
                datetime(2026, 3, 31, 23, 59, 59, 500000, tzinfo=UTC),
                "pro",
                '{"a": 1}',
            )
        ]
    finally:
        conn = mysql_sim.connect_admin(mariadb.admin_url)
        with contextlib.closing(conn), conn.cursor() as cur:
            cur.execute("DROP TABLE accounts")


def test_a_missing_table_is_named(product_database: ProductDb) -> None:
    with pytest.raises(ProductDbError, match="nowhere not found in database 'product'"):
        product_db(url=product_database.reader_url, tables=["tenants", "nowhere"])


def test_a_refused_connection_names_the_host_and_not_the_password() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = with_timeouts(f"mysql://app:pw-Secret-77@127.0.0.1:{port}/product", 2)
    with pytest.raises(ProductDbError) as raised:
        product_db(url=url)
    assert f"127.0.0.1:{port}" in str(raised.value)
    assert "pw-Secret-77" not in str(raised.value)


def test_a_time_cursor_reads_only_what_is_newer(
    product_database: ProductDb, warehouse: Warehouse
) -> None:
    source = lambda: product_db(  # noqa: E731
        url=product_database.reader_url, append_only={"user_activity_logs": "occurred_at"}
    )
    warehouse.run(source(), DATASET)
    again = warehouse.run(source(), DATASET)
    assert "user_activity_logs" not in again  # nothing after the newest time read
    assert warehouse.row_counts(DATASET)["user_activity_logs"] == len(
        product_database.plan.activity
    )
