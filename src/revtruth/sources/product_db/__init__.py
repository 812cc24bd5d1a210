"""Product database source: configured tables read as Arrow record batches, never row by row.

PostgreSQL is read through ADBC (libpq underneath, so Unix sockets work too), MySQL and
MariaDB through ConnectorX (mysql.py), each in a read-only session, and MongoDB through
pymongo with a map from document fields to columns (mongodb.py). Append-only tables
(activity logs) are read incrementally on a cursor column; every other table is read whole
and replaces its copy, so the copy mirrors the table, rows deleted there included (a merge
would keep them as if alive). An id is handed out when a row is inserted, not when its
transaction commits: a row committed late can carry an id below one a sync has already
read, and reading only past the last id would skip it for good. So each sync reads again
the last `cursor_lookback` ids behind the cursor (dlt's incremental `lag`) and merges on
the primary key: the late row is loaded, and the rows read twice are not doubled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from revtruth.sources.product_db import mongodb, mysql, postgres
from revtruth.sources.product_db.tables import ProductDbError, TableInfo


@dlt.source(name="product_db", max_table_nesting=0)
def product_db(
    url: str = dlt.secrets.value,
    schema: str = "public",
    tables: Sequence[str] = ("tenants", "users", "user_activity_logs"),
    append_only: Mapping[str, str] | None = None,
    chunk_rows: int = 100_000,
    cursor_lookback: int = 0,
    document_fields: Mapping[str, Mapping[str, str]] | None = None,
) -> list[DltResource]:
    """One resource per table. `append_only` maps a table to its ever-growing cursor column
    (default: `user_activity_logs` on `id`); `cursor_lookback` is how far behind its last
    value each sync reads again (0: only past it, and rows are appended); `document_fields`
    maps MongoDB document paths to columns, per table (mongodb.py has the default)."""
    append_only = dict({"user_activity_logs": "id"} if append_only is None else append_only)
    backend = backend_for(url)
    if backend is mysql and schema == "public":  # PostgreSQL's default: MySQL's is the URL's
        schema = mysql.database_of(url)
    connect: Callable[[str], Any] = backend.read_only_connection
    if backend is mongodb:
        connect = functools.partial(mongodb.read_only_connection, fields=document_fields)
    with connect(url) as conn:
        infos = backend.describe_tables(conn, schema, list(tables))
        lookbacks = {
            info.name: cursor_lookback
            if backend is not mongodb
            or info.name not in append_only
            or mongodb.lookback_applies(conn, info, append_only[info.name])
            else 0
            for info in infos
        }
    return [
        _table_resource(
            backend,
            connect,
            url,
            info,
            append_only.get(info.name),
            chunk_rows,
            lookbacks[info.name],
        )
        for info in infos
    ]


def with_timeouts(url: str, seconds: int) -> str:
    """`url` with the connect and read timeouts of its database's driver (see each
    backend's `with_timeouts`), unless it sets them itself."""
    return backend_for(url).with_timeouts(url, seconds)


def backend_for(url: str) -> ModuleType:
    """The module that reads the database a URL names: PostgreSQL, MySQL/MariaDB or
    MongoDB."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in mysql.SCHEMES:
        return mysql
    if scheme in mongodb.SCHEMES:
        return mongodb
    if scheme in ("postgres", "postgresql") or not scheme:  # a libpq key=value string
        return postgres
    raise ProductDbError(
        f"the product database URL's scheme {scheme!r} is not one revtruth reads: use "
        "postgresql://…, mysql://… or mongodb://…"
    )


def _table_resource(
    backend: ModuleType,
    connect: Callable[[str], Any],
    url: str,
    info: TableInfo,
    cursor: str | None,
    chunk_rows: int,
    lookback: int = 0,
) -> DltResource:
    if cursor is None:

        def read_table() -> Iterator[pa.Table]:
            with connect(url) as conn:
                yield from backend.read_batches(conn, info, chunk_rows=chunk_rows)

        return dlt.resource(
            read_table,
            name=info.name,
            primary_key=info.primary_key or None,
            write_disposition="replace",
        )

    rereads = bool(lookback and info.primary_key)  # without a key, merging cannot dedupe

    def read_new_rows(
        cursor_value: dlt.sources.incremental = dlt.sources.incremental(
            cursor, initial_value=None, lag=lookback if rereads else None
        ),
    ) -> Iterator[pa.Table]:
        with connect(url) as conn:
            yield from backend.read_batches(
                conn, info, chunk_rows=chunk_rows, cursor=cursor, after=cursor_value.last_value
            )

    return dlt.resource(
        read_new_rows,
        name=info.name,
        primary_key=info.primary_key or None,
        write_disposition="merge" if rereads else "append",
    )
