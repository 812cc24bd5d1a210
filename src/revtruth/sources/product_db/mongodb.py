"""Reading MongoDB collections as Arrow through pymongo, in batches.

A collection is read into the product tables the marts expect through a field map: each
column is one document field, named by its dotted path (`plan.tier`), so nested documents
flatten the same way every time and a field missing from a document is a null. The default
map fits documents shaped as in the README (`sources.product_db.document_fields` replaces
it per table). Each column's type is the BSON type of its first value in the collection's
first batch, and holds for the whole sync; a later value of another type fails the sync,
naming the field, rather than land half-converted:
- ObjectId as its 24-hex-digit text, a string as text, a BSON date as a UTC timestamp,
  integers as 64-bit, doubles as floats, Decimal128 exact, booleans as booleans.
revtruth only ever sends `find`, `getMore` and `killCursors`: give it a user with MongoDB's
`read` role on the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import pyarrow as pa

from revtruth.sources.product_db.tables import ProductDbError, TableInfo, first_line

SCHEMES = ("mongodb", "mongodb+srv")

# table -> column -> document path
DEFAULT_FIELDS: dict[str, dict[str, str]] = {
    "tenants": {
        "id": "_id",
        "name": "name",
        "slug": "slug",
        "plan_tier": "plan.tier",
        "stripe_customer_id": "billing.stripe_customer_id",
        "created_at": "created_at",
    },
    "users": {
        "id": "_id",
        "tenant_id": "tenant_id",
        "email": "email",
        "full_name": "profile.full_name",
        "role": "role",
        "created_at": "created_at",
        "last_seen_at": "last_seen_at",
    },
    "user_activity_logs": {
        "id": "event_id",
        "object_id": "_id",
        "tenant_id": "tenant_id",
        "user_id": "user_id",
        "event_type": "event_type",
        "occurred_at": "occurred_at",
    },
}

__all__ = ["ProductDbError", "describe_tables", "read_batches", "read_only_connection"]


@dataclass
class MongoConnection:
    client: Any
    database: str
    fields: Mapping[str, Mapping[str, str]]


def with_timeouts(url: str, seconds: int) -> str:
    """`url` with server selection, connect and socket timeouts, unless it sets them."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    milliseconds = str(seconds * 1000)
    for key in ("serverSelectionTimeoutMS", "connectTimeoutMS"):
        query.setdefault(key, milliseconds)
    query.setdefault("socketTimeoutMS", str(seconds * 3000))
    return urlunsplit(parts._replace(query=urlencode(query)))


def database_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


@contextlib.contextmanager
def read_only_connection(
    url: str, fields: Mapping[str, Mapping[str, str]] | None = None
) -> Iterator[MongoConnection]:
    """A client that has answered a ping (so the address and credentials are right)."""
    import pymongo

    host = urlsplit(url).hostname or "127.0.0.1"
    try:
        client = pymongo.MongoClient(url, tz_aware=True, appname="revtruth")
        client.admin.command("ping")
    except pymongo.errors.PyMongoError as exc:
        raise ProductDbError(
            f"cannot connect to the product database at {host}: {first_line(exc)}"
        ) from exc
    try:
        yield MongoConnection(client, database_of(url), {**DEFAULT_FIELDS, **(fields or {})})
    finally:
        client.close()


def describe_tables(conn: MongoConnection, schema: str, tables: list[str]) -> list[TableInfo]:
    database = conn.database if schema == "public" else schema
    present = set(conn.client[database].list_collection_names())
    missing = [t for t in tables if t not in present]
    if missing:
        raise ProductDbError(
            f"collection(s) {', '.join(missing)} not found in database {database!r} of the "
            "product database; set sources.product_db.tables to the collections that exist"
        )
    unmapped = [t for t in tables if t not in conn.fields]
    if unmapped:
        raise ProductDbError(
            f"no field map for collection(s) {', '.join(unmapped)}: set "
            "sources.product_db.document_fields"
        )
    return [
        TableInfo(
            database, t, tuple(conn.fields[t].items()), ("id",) if "id" in conn.fields[t] else ()
        )
        for t in tables
    ]


def lookback_applies(conn: MongoConnection, info: TableInfo, cursor: str) -> bool:
    """Whether a lookback of N ids can apply to this cursor: only to a number (an ObjectId,
    kept as text, has no "N behind"; dlt's lag would take it for a date)."""
    path = dict(info.columns).get(cursor, cursor)
    newest = conn.client[info.schema][info.name].find_one(
        {path: {"$exists": True}}, sort=[(path, -1)]
    )
    value = _get(newest, path) if newest else None
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_batches(
    conn: MongoConnection,
    info: TableInfo,
    *,
    chunk_rows: int,
    cursor: str | None = None,
    after: Any = None,
) -> Iterator[pa.Table]:
    """Yield the collection (or its documents past `after` on `cursor`) as Arrow tables."""
    import bson

    paths = dict(info.columns)
    query: dict[str, Any] = {}
    sort = None
    if cursor is not None:
        path = paths.get(cursor, cursor)
        if isinstance(after, str) and bson.ObjectId.is_valid(after):
            after = bson.ObjectId(after)  # the cursor was kept as the id's text
        if after is not None:
            query[path] = {"$gt": after}
        sort = [(path, 1)]
    collection = conn.client[info.schema][info.name]
    types: dict[str, pa.DataType] = {}
    batch: list[dict] = []
    yielded = False
    with collection.find(query, sort=sort, batch_size=min(chunk_rows, 100_000)) as found:
        for document in found:
            batch.append(document)
            if len(batch) == chunk_rows:
                yield _table(batch, info, types)
                batch, yielded = [], True
    if batch or not yielded:
        yield _table(batch, info, types)


def _get(document: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def _arrow_type(value: Any) -> pa.DataType:
    import bson

    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, int):
        return pa.int64()
    if isinstance(value, float):
        return pa.float64()
    if isinstance(value, datetime):
        return pa.timestamp("ms", tz="UTC")
    if isinstance(value, bson.Decimal128):
        return pa.decimal128(38, 10)
    return pa.string()


def _plain(value: Any, arrow: pa.DataType) -> Any:
    import bson

    if value is None:
        return None
    if isinstance(value, bson.ObjectId):
        return str(value)
    if isinstance(value, bson.Decimal128):
        return value.to_decimal()
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if pa.types.is_string(arrow) and not isinstance(value, str):
        return str(value)
    if pa.types.is_decimal(arrow) and isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _table(documents: list[dict], info: TableInfo, types: dict[str, pa.DataType]) -> pa.Table:
    arrays, fields = [], []
    for column, path in info.columns:
        values = [_get(doc, path) for doc in documents]
        if column not in types:
            first = next((v for v in values if v is not None), None)
            if first is not None or documents:
                types[column] = _arrow_type(first) if first is not None else pa.string()
        arrow = types.get(column, pa.string())
        try:
            arrays.append(pa.array([_plain(v, arrow) for v in values], type=arrow))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ProductDbError(
                f"{info.name}.{path} holds values of more than one type ({first_line(exc)}); "
                "map another field or make them one type"
            ) from exc
        fields.append(pa.field(column, arrow))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))
