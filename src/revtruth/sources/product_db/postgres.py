"""Reading PostgreSQL tables as Arrow through ADBC, in read-only sessions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from revtruth.sources.product_db.tables import (
    ProductDbError,
    TableInfo,
    first_line,
    in_chunks,
    table_infos,
)

# Types dlt cannot take as Arrow (uuid extension, json) are cast to text inside PostgreSQL.
_TEXT_CAST_TYPES = {"uuid", "json", "jsonb", "inet", "cidr", "macaddr", "xml", "interval"}

__all__ = ["ProductDbError", "describe_tables", "read_batches", "read_only_connection"]


def _select_list(info: TableInfo) -> str:
    return ", ".join(
        f"{_quote(col)}::text AS {_quote(col)}" if pg_type in _TEXT_CAST_TYPES else _quote(col)
        for col, pg_type in info.columns
    )


def _qualified(info: TableInfo) -> str:
    return f"{_quote(info.schema)}.{_quote(info.name)}"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def with_timeouts(url: str, seconds: int) -> str:
    """`url` with libpq's connect timeout and TCP keepalives, unless it sets them itself: a
    server that accepts the connection and never answers, or goes silent in the middle of a
    read, then fails the sync within about `seconds` (naming the host) instead of hanging
    while it holds the warehouse. Only URLs (postgresql://…) are extended."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        return url
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    interval = max(1, seconds // 3)
    for key, value in (
        ("connect_timeout", seconds),
        ("keepalives", 1),
        ("keepalives_idle", seconds),
        ("keepalives_interval", interval),
        ("keepalives_count", 3),
    ):
        query.setdefault(key, str(value))
    return urlunsplit(parts._replace(query=urlencode(query)))


@contextlib.contextmanager
def read_only_connection(url: str) -> Iterator[Any]:
    """An ADBC connection whose session cannot write, whatever the role may do."""
    import adbc_driver_postgresql.dbapi as adbc

    try:
        conn = adbc.connect(url)
    except Exception as exc:  # the driver's own error names host and reason, never the password
        raise ProductDbError(f"cannot connect to the product database: {first_line(exc)}") from exc
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        # ADBC opens a transaction at connect time and the setting only governs the ones
        # after it: end that one, so every statement revtruth runs is read-only.
        conn.commit()
        yield conn
    finally:
        conn.close()


def describe_tables(conn: Any, schema: str, tables: list[str]) -> list[TableInfo]:
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT c.table_name, c.column_name, c.udt_name
            FROM information_schema.columns c
            WHERE c.table_schema = $1
            ORDER BY c.table_name, c.ordinal_position
            """,
            (schema,),
        )
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, udt in cur.fetchall():
            columns.setdefault(table, []).append((column, udt))
        # Primary keys from the catalogue: information_schema.table_constraints shows only
        # the tables a user owns or may do more than SELECT on, so a read-only role (as
        # revtruth asks for) would see no key at all, and every table would be replaced
        # instead of merged, and a lookback could not merge what it reads again.
        cur.execute(
            """
            SELECT c.relname, a.attname
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
            WHERE i.indisprimary AND n.nspname = $1
            ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)
            """,
            (schema,),
        )
        keys: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            keys.setdefault(table, []).append(column)
    return table_infos(schema, tables, columns, keys, f"schema {schema!r}")


def read_batches(
    conn: Any, info: TableInfo, *, chunk_rows: int, cursor: str | None = None, after: Any = None
) -> Iterator[pa.Table]:
    """Yield the table (or its rows past `after` on `cursor`) as Arrow tables of ~chunk_rows."""
    query = f"SELECT {_select_list(info)} FROM {_qualified(info)}"
    params: tuple = ()
    if cursor is not None:
        if after is not None:
            query += f" WHERE {_quote(cursor)} > $1"
            params = (after,)
        query += f" ORDER BY {_quote(cursor)}"
    with conn.cursor() as cur:
        cur.execute(query, params or None)
        reader = cur.fetch_record_batch()
        yield from in_chunks(reader, reader.schema, chunk_rows)
