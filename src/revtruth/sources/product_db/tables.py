"""What every product database backend shares: a table's description, the error, and the
cutting of Arrow batches into chunks of a set size."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from revtruth.sources import SourceError


class ProductDbError(SourceError):
    """The product database could not be read as asked; the message names where and why."""


@dataclass(frozen=True)
class TableInfo:
    schema: str  # PostgreSQL's schema, MySQL's database
    name: str
    columns: tuple[tuple[str, str], ...]  # (column name, the database's type name)
    primary_key: tuple[str, ...]


def table_infos(
    schema: str,
    tables: list[str],
    columns: dict[str, list[tuple[str, str]]],
    keys: dict[str, list[str]],
    where: str,
) -> list[TableInfo]:
    """The asked-for tables' descriptions, or one error naming every table `where` (e.g.
    "schema 'public'") lacks."""
    missing = [t for t in tables if t not in columns]
    if missing:
        raise ProductDbError(
            f"table(s) {', '.join(missing)} not found in {where} of the product database; "
            "set sources.product_db.tables to the tables that exist"
        )
    return [TableInfo(schema, t, tuple(columns[t]), tuple(keys.get(t, ()))) for t in tables]


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def in_chunks(
    batches: Iterable[pa.RecordBatch], schema: pa.Schema, chunk_rows: int
) -> Iterator[pa.Table]:
    """The batches regrouped as Arrow tables of `chunk_rows` rows (the last one shorter):
    a driver's batches can be larger than a chunk, and memory must stay flat. An empty
    result still yields one empty table, so the warehouse table exists from day one."""
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    yielded = False
    for batch in batches:
        offset = 0
        while offset < batch.num_rows:
            piece = batch.slice(offset, chunk_rows - pending_rows)
            offset += piece.num_rows
            pending.append(piece)
            pending_rows += piece.num_rows
            if pending_rows == chunk_rows:
                yield pa.Table.from_batches(pending)
                pending, pending_rows, yielded = [], 0, True
    if pending or not yielded:
        yield pa.Table.from_batches(pending, schema=schema)
