"""Reading MySQL (and MariaDB) tables as Arrow, in read-only sessions.

The rows are read by ConnectorX (Rust, the backend dlt's own `sql_database` offers for
speed), which hands over Arrow record batches; PyMySQL opens the session first to check the
address and credentials within the timeouts and to read the tables' description. Both
sessions are `READ ONLY` with the time zone at UTC. Each column is then cast to the type
its declaration says, never guessed from values:
- CHAR/VARCHAR/TEXT/ENUM/JSON as text; BINARY(16), the other way MySQL schemas store a
  UUID, as its text form, so ids look the same whatever the database;
- DATETIME and TIMESTAMP as UTC timestamps. DATETIME has no time zone: revtruth reads it as
  UTC, as MySQL applications store it (TIMESTAMP is converted to UTC by the server);
- TINYINT(1) as a boolean, DECIMAL exact at its declared scale, integers as 64-bit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.compute as pc

from revtruth.sources.product_db.tables import (
    ProductDbError,
    TableInfo,
    first_line,
    in_chunks,
    table_infos,
)

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


@dataclass
class MySqlConnection:
    session: Any  # PyMySQL, for descriptions
    read_url: str  # for ConnectorX's reads: the same server, its own timeout parameters


# The statements each reading session starts with.
SESSION_SETUP = ("SET SESSION TRANSACTION READ ONLY", "SET SESSION time_zone = '+00:00'")


@contextlib.contextmanager
def read_only_connection(url: str) -> Iterator[MySqlConnection]:
    """A read-only session (PyMySQL) and the address ConnectorX reads from."""
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
            for statement in SESSION_SETUP:
                cur.execute(statement)
        yield MySqlConnection(conn, _connectorx_url(parts, options))
    finally:
        conn.close()


def _connectorx_url(parts: Any, options: dict[str, str]) -> str:
    """The URL in ConnectorX's terms: scheme mysql, its own timeout parameters (it refuses
    PyMySQL's): connect within the connect timeout, and TCP keepalives that notice a server
    gone silent in the middle of a read."""
    seconds = float(options.pop("connect_timeout", 20))
    options.pop("read_timeout", None)
    options.setdefault("tcp_connect_timeout_ms", str(int(seconds * 1000)))
    options.setdefault("tcp_keepalive_time_ms", str(int(seconds * 1000)))
    return urlunsplit(parts._replace(scheme="mysql", query=urlencode(options)))


def describe_tables(conn: MySqlConnection, schema: str, tables: list[str]) -> list[TableInfo]:
    with conn.session.cursor() as cur:
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
    return table_infos(schema, tables, columns, keys, f"database {schema!r}")


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


def _select(column: str, column_type: str) -> str:
    """The column as selected: a BINARY(16) UUID as 32 hex digits, made a UUID's text below."""
    if column_type == "binary(16)":
        return f"LOWER(HEX({_quote(column)})) AS {_quote(column)}"
    return _quote(column)


def _as_declared(column: pa.ChunkedArray | pa.Array, column_type: str, arrow: pa.DataType):
    if column_type == "binary(16)":  # 32 hex digits -> 8-4-4-4-12
        parts = [pc.utf8_slice_codeunits(column, a, b) for a, b in _UUID_GROUPS]
        return pc.binary_join_element_wise(*parts, "-")
    if pa.types.is_boolean(arrow) and not pa.types.is_boolean(column.type):
        return pc.not_equal(column, 0)  # TINYINT(1): 0 / 1
    return column.cast(arrow)  # naive times are UTC here; decimals keep every digit


_UUID_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))


def read_batches(
    conn: MySqlConnection,
    info: TableInfo,
    *,
    chunk_rows: int,
    cursor: str | None = None,
    after: Any = None,
) -> Iterator[pa.Table]:
    """Yield the table (or its rows past `after` on `cursor`) as Arrow tables of ~chunk_rows,
    each column of its declared type. One statement, so one consistent snapshot."""
    import connectorx as cx

    schema = pa.schema([(name, arrow_type(kind)) for name, kind in info.columns])
    query = (
        f"SELECT {', '.join(_select(n, kind) for n, kind in info.columns)} "
        f"FROM {_quote(info.schema)}.{_quote(info.name)}"
    )
    if cursor is not None:
        if after is not None:
            query += f" WHERE {_quote(cursor)} > {_literal(after)}"
        query += f" ORDER BY {_quote(cursor)}"
    try:
        reader = cx.read_sql(
            conn.read_url,
            query,
            return_type="arrow_stream",
            batch_size=chunk_rows,
            pre_execution_query=list(SESSION_SETUP),
        )
    except RuntimeError as exc:
        raise ProductDbError(f"reading {info.name} failed: {first_line(exc)}") from exc
    batches = (
        pa.RecordBatch.from_arrays(
            [
                _as_declared(batch.column(i), kind, field.type)
                for i, ((_, kind), field) in enumerate(zip(info.columns, schema, strict=True))
            ],
            schema=schema,
        )
        for batch in reader
    )
    yield from in_chunks(batches, schema, chunk_rows)


def _literal(value: Any) -> str:
    """A cursor value as SQL: ConnectorX takes no parameters. Cursors are numbers or times
    that revtruth read from the table itself, never text from outside."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return f"'{value.isoformat(sep=' ')}'"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProductDbError(f"a MySQL cursor must be a number or a time, not {value!r}")
    return repr(value)


def _quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"
