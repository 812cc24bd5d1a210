"""Reading MySQL (and MariaDB) tables as Arrow through PyMySQL, in read-only sessions.

Rows stream from the server (an unbuffered cursor) and are turned into Arrow a chunk at a
time, typed from the table's declared column types, never guessed from values:
- CHAR/VARCHAR/TEXT/ENUM/JSON as text; BINARY(16), the other way MySQL schemas store a
  UUID, as its text form, so ids look the same whatever the database;
- DATETIME and TIMESTAMP as UTC timestamps. DATETIME has no time zone: revtruth reads it as
  UTC, as MySQL applications store it (the session's time zone is set to UTC, so TIMESTAMP
  columns come out in UTC too);
- TINYINT(1) as a boolean, DECIMAL exact, integers as 64-bit (unsigned BIGINT unsigned).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import pyarrow as pa

from revtruth.sources.product_db.tables import ProductDbError, TableInfo, first_line, in_chunks

SCHEMES = ("mysql", "mariadb", "mysql+pymysql", "mariadb+pymysql")

__all__ = ["ProductDbError", "describe_tables", "read_batches", "read_only_connection"]


def with_timeouts(url: str, seconds: int) -> str:
    """`url` with a connect timeout and a read timeout (a server silent for 3 × `seconds` in
    the middle of a read), unless it sets them itself: a server that accepts and never
    answers fails the sync in time, naming the host, instead of hanging."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("connect_timeout", str(seconds))
    query.setdefault("read_timeout", str(seconds * 3))
    return urlunsplit(parts._replace(query=urlencode(query)))


def database_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


@contextlib.contextmanager
def read_only_connection(url: str) -> Iterator[Any]:
    """A PyMySQL connection whose session cannot write and reads times in UTC."""
    import pymysql

    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    host, port = parts.hostname or "127.0.0.1", parts.port or 3306
    try:
        conn = pymysql.connect(
            host=host,
            port=port,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=database_of(url) or None,
            connect_timeout=float(options.get("connect_timeout", 20)),
            read_timeout=float(options["read_timeout"]) if "read_timeout" in options else None,
            charset="utf8mb4",
            autocommit=True,
        )
    except pymysql.MySQLError as exc:  # names host and reason, never the password
        raise ProductDbError(
            f"cannot connect to the product database at {host}:{port}: {first_line(exc)}"
        ) from exc
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            cur.execute("SET SESSION time_zone = '+00:00'")
        yield conn
    finally:
        conn.close()


def describe_tables(conn: Any, schema: str, tables: list[str]) -> list[TableInfo]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT TABLE_NAME, COLUMN_NAME, LOWER(COLUMN_TYPE) FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, ORDINAL_POSITION",
            (schema,),
        )
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, column_type in cur.fetchall():
            columns.setdefault(table, []).append((column, column_type))
        cur.execute(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
            " WHERE TABLE_SCHEMA = %s AND CONSTRAINT_NAME = 'PRIMARY'"
            " ORDER BY TABLE_NAME, ORDINAL_POSITION",
            (schema,),
        )
        keys: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            keys.setdefault(table, []).append(column)
    missing = [t for t in tables if t not in columns]
    if missing:
        raise ProductDbError(
            f"table(s) {', '.join(missing)} not found in database {schema!r} of the product "
            "database; set sources.product_db.tables to the tables that exist"
        )
    return [TableInfo(schema, t, tuple(columns[t]), tuple(keys.get(t, ()))) for t in tables]


def arrow_type(column_type: str) -> pa.DataType:
    """The Arrow type of a MySQL column type as information_schema writes it."""
    base = column_type.split("(")[0].split(" ")[0]
    if column_type.startswith("tinyint(1)"):
        return pa.bool_()
    if base in ("tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"):
        return pa.uint64() if "unsigned" in column_type and base == "bigint" else pa.int64()
    if base in ("decimal", "numeric"):
        precision, _, scale = column_type[column_type.index("(") + 1 : -1].partition(",")
        return pa.decimal128(int(precision), int(scale or 0))
    if base in ("float", "double", "real"):
        return pa.float64()
    if base in ("datetime", "timestamp"):
        return pa.timestamp("us", tz="UTC")
    if base == "date":
        return pa.date32()
    if column_type == "binary(16)" or base not in _BINARY:
        return pa.string()
    return pa.binary()


_BINARY = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit"}


def _convert(values: tuple, column_type: str, arrow: pa.DataType) -> pa.Array:
    if column_type == "binary(16)":  # a UUID stored as 16 bytes
        values = tuple(None if v is None else str(uuid.UUID(bytes=bytes(v))) for v in values)
    elif pa.types.is_string(arrow):
        values = tuple(v if v is None or isinstance(v, str) else str(v) for v in values)
    elif pa.types.is_decimal(arrow):
        values = tuple(v if v is None else Decimal(v) for v in values)
    elif pa.types.is_boolean(arrow):  # TINYINT(1) arrives as 0 / 1
        values = tuple(v if v is None else bool(v) for v in values)
    # Naive DATETIMEs are UTC wall clock here (session time zone UTC): Arrow takes a naive
    # datetime given a UTC type as exactly that.
    return pa.array(values, type=arrow)


def read_batches(
    conn: Any, info: TableInfo, *, chunk_rows: int, cursor: str | None = None, after: Any = None
) -> Iterator[pa.Table]:
    """Yield the table (or its rows past `after` on `cursor`) as Arrow tables of ~chunk_rows,
    from one read-only transaction, so every chunk sees the same snapshot."""
    import pymysql

    names = [name for name, _ in info.columns]
    schema = pa.schema([(name, arrow_type(kind)) for name, kind in info.columns])
    query = (
        f"SELECT {', '.join(_quote(n) for n in names)} "
        f"FROM {_quote(info.schema)}.{_quote(info.name)}"
    )
    params: tuple = ()
    if cursor is not None:
        if after is not None:
            query += f" WHERE {_quote(cursor)} > %s"
            params = (after,)
        query += f" ORDER BY {_quote(cursor)}"
    with conn.cursor(pymysql.cursors.SSCursor) as cur:
        cur.execute("START TRANSACTION READ ONLY")
        cur.execute(query, params or None)
        yield from in_chunks(_batches(cur, info, schema, chunk_rows), schema, chunk_rows)
        cur.execute("COMMIT")


def _batches(cur: Any, info: TableInfo, schema: pa.Schema, rows: int) -> Iterator[pa.RecordBatch]:
    while chunk := cur.fetchmany(rows):
        by_column = list(zip(*chunk, strict=True))
        yield pa.RecordBatch.from_arrays(
            [
                _convert(values, kind, field.type)
                for values, (_, kind), field in zip(by_column, info.columns, schema, strict=True)
            ],
            schema=schema,
        )


def _quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"
