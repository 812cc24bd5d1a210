"""Product database source: configured tables read as Arrow record batches, never row by row.

PostgreSQL is read through ADBC (libpq underneath, so Unix sockets work too) in a read-only
session. Append-only tables (activity logs) are read incrementally on a cursor column; every
other table is read whole and replaces its copy, so the copy mirrors the table, rows deleted
there included (a merge would keep them as if alive). An id is handed out
when a row is inserted, not when its transaction commits: a row committed late can carry an
id below one a sync has already read, and reading only past the last id would skip it for
good. So each sync reads again the last `cursor_lookback` ids behind the cursor (dlt's
incremental `lag`) and merges on the primary key: the late row is loaded, and the rows read
twice are not doubled.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from revtruth.sources.product_db.helpers import (
    TableInfo,
    describe_tables,
    read_batches,
    read_only_connection,
)


@dlt.source(name="product_db", max_table_nesting=0)
def product_db(
    url: str = dlt.secrets.value,
    schema: str = "public",
    tables: Sequence[str] = ("tenants", "users", "user_activity_logs"),
    append_only: Mapping[str, str] | None = None,
    chunk_rows: int = 100_000,
    cursor_lookback: int = 0,
) -> list[DltResource]:
    """One resource per table. `append_only` maps a table to its ever-growing cursor column
    (default: `user_activity_logs` on `id`); `cursor_lookback` is how far behind its last
    value each sync reads again (0: only past it, and rows are appended)."""
    append_only = dict({"user_activity_logs": "id"} if append_only is None else append_only)
    with read_only_connection(url) as conn:
        infos = describe_tables(conn, schema, list(tables))
    return [
        _table_resource(url, info, append_only.get(info.name), chunk_rows, cursor_lookback)
        for info in infos
    ]


def _table_resource(
    url: str, info: TableInfo, cursor: str | None, chunk_rows: int, lookback: int = 0
) -> DltResource:
    if cursor is None:

        def read_table() -> Iterator[pa.Table]:
            with read_only_connection(url) as conn:
                yield from read_batches(conn, info, chunk_rows=chunk_rows)

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
        with read_only_connection(url) as conn:
            yield from read_batches(
                conn, info, chunk_rows=chunk_rows, cursor=cursor, after=cursor_value.last_value
            )

    return dlt.resource(
        read_new_rows,
        name=info.name,
        primary_key=info.primary_key or None,
        write_disposition="merge" if rereads else "append",
    )
