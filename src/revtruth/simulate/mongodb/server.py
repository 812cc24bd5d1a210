"""A MongoDB server on 127.0.0.1 that speaks enough of MongoDB's wire protocol for a reader:
the handshake, listCollections, find, getMore, killCursors, ping and endSessions.

No MongoDB server installs from the package registries this project may use, so the
product-database tests talk to this one, with `pymongo` unchanged. It is a simulator, not a
database: read-only, no authentication, no replication, a filter and sort language as large
as a connector reading in batches needs (equality, $gt/$gte/$lt/$lte/$ne/$in/$exists, $and,
dotted paths). Messages are framed as MongoDB frames them:
- OP_QUERY (2004) for the legacy handshake a driver may open with, answered by OP_REPLY (1);
- OP_MSG (2013) for every command, its body a kind-0 section (kind-1 document sequences are
  folded into the body as MongoDB does), answered by OP_MSG.
Documents are BSON through pymongo's own `bson` package.
"""

from __future__ import annotations

import itertools
import socket
import socketserver
import struct
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import bson
from bson.int64 import Int64

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
MAX_WIRE_VERSION = 21  # MongoDB 7.0
_HEADER = struct.Struct("<iiii")


class MongoServer:
    """Serve `databases` (name -> collection -> documents) on 127.0.0.1:`port`."""

    def __init__(self, databases: Mapping[str, Mapping[str, Iterable[dict]]], port: int = 0):
        self.databases = {
            db: {c: list(docs) for c, docs in colls.items()} for db, colls in databases.items()
        }
        self._port = port
        self._cursors: dict[int, tuple[str, list[dict]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.commands: list[str] = []  # every command's name, in order, for tests
        self._server: socketserver.ThreadingTCPServer | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> MongoServer:
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", self._port), Handler)
        threading.Thread(target=self._server.serve_forever, name="mongodb-sim", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> MongoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ the wire

    def _serve(self, conn: socket.socket) -> None:
        connection_id = next(self._ids)
        while True:
            header = _read(conn, _HEADER.size)
            if header is None:
                return
            length, request_id, _, opcode = _HEADER.unpack(header)
            payload = _read(conn, length - _HEADER.size)
            if payload is None:
                return
            if opcode == OP_QUERY:
                reply = self._answer(_query_command(payload), connection_id)
                body = struct.pack("<iqii", 0, 0, 0, 1) + bson.encode(reply)
                out_opcode = OP_REPLY
            elif opcode == OP_MSG:
                command, more_to_come = _msg_command(payload)
                reply = self._answer(command, connection_id)
                if more_to_come:
                    continue  # the client asked for no answer
                body = struct.pack("<I", 0) + b"\x00" + bson.encode(reply)
                out_opcode = OP_MSG
            else:
                return  # a message kind this simulator does not speak: hang up, as mongod does
            message = (
                _HEADER.pack(_HEADER.size + len(body), next(self._ids), request_id, out_opcode)
                + body
            )
            conn.sendall(message)

    # ------------------------------------------------------------ commands

    def _answer(self, command: dict, connection_id: int) -> dict:
        name = next(iter(command), "")
        with self._lock:
            self.commands.append(name)
        handler = {
            "hello": self._hello,
            "ismaster": self._hello,
            "isMaster": self._hello,
            "ping": lambda c, i: {"ok": 1.0},
            "buildInfo": lambda c, i: {
                "version": "7.0.0-sim",
                "versionArray": [7, 0, 0, 0],
                "ok": 1.0,
            },
            "buildinfo": lambda c, i: {"version": "7.0.0-sim", "ok": 1.0},
            "endSessions": lambda c, i: {"ok": 1.0},
            "listCollections": self._list_collections,
            "find": self._find,
            "getMore": self._get_more,
            "killCursors": self._kill_cursors,
        }.get(name)
        if handler is None:
            return {
                "ok": 0.0,
                "errmsg": f"no such command: '{name}'",
                "code": 59,
                "codeName": "CommandNotFound",
            }
        try:
            return handler(command, connection_id)
        except _CommandError as err:
            return {"ok": 0.0, "errmsg": str(err), "code": err.code, "codeName": err.code_name}

    def _hello(self, command: dict, connection_id: int) -> dict:
        return {
            "helloOk": True,
            "isWritablePrimary": True,
            "ismaster": True,
            "maxBsonObjectSize": 16 * 1024 * 1024,
            "maxMessageSizeBytes": 48_000_000,
            "maxWriteBatchSize": 100_000,
            "localTime": datetime.now(UTC),
            "logicalSessionTimeoutMinutes": 30,
            "connectionId": connection_id,
            "minWireVersion": 0,
            "maxWireVersion": MAX_WIRE_VERSION,
            "readOnly": False,
            "ok": 1.0,
        }

    def _collection(self, command: dict, name: str) -> list[dict]:
        db = command.get("$db", "test")
        return self.databases.get(db, {}).get(name, [])

    def _list_collections(self, command: dict, _: int) -> dict:
        db = command.get("$db", "test")
        batch = [
            {"name": name, "type": "collection", "options": {}, "info": {"readOnly": False}}
            for name in sorted(self.databases.get(db, {}))
        ]
        return {
            "cursor": {"id": Int64(0), "ns": f"{db}.$cmd.listCollections", "firstBatch": batch},
            "ok": 1.0,
        }

    def _find(self, command: dict, _: int) -> dict:
        name, db = command["find"], command.get("$db", "test")
        matched = [
            d for d in self._collection(command, name) if _matches(d, command.get("filter") or {})
        ]
        for field, direction in reversed(list((command.get("sort") or {}).items())):
            matched.sort(key=lambda d, f=field: _sort_key(_get(d, f)), reverse=direction < 0)
        matched = matched[int(command.get("skip") or 0) :]
        if command.get("limit"):
            matched = matched[: abs(int(command["limit"]))]
        if command.get("projection"):
            matched = [_project(d, command["projection"]) for d in matched]
        size = int(command.get("batchSize") or 101)
        first, rest = matched[:size], matched[size:]
        cursor_id = 0
        if rest:
            with self._lock:
                cursor_id = next(self._ids)
                self._cursors[cursor_id] = (f"{db}.{name}", rest)
        return {
            "cursor": {"firstBatch": first, "id": Int64(cursor_id), "ns": f"{db}.{name}"},
            "ok": 1.0,
        }

    def _get_more(self, command: dict, _: int) -> dict:
        cursor_id = int(command["getMore"])
        with self._lock:
            found = self._cursors.get(cursor_id)
            if found is None:
                raise _CommandError(f"cursor id {cursor_id} not found", 43, "CursorNotFound")
            namespace, rest = found
            size = int(command.get("batchSize") or len(rest))
            batch, rest = rest[:size], rest[size:]
            if rest:
                self._cursors[cursor_id] = (namespace, rest)
            else:
                del self._cursors[cursor_id]
        return {
            "cursor": {"nextBatch": batch, "id": Int64(cursor_id if rest else 0), "ns": namespace},
            "ok": 1.0,
        }

    def _kill_cursors(self, command: dict, _: int) -> dict:
        killed, unknown = [], []
        with self._lock:
            for cursor_id in command.get("cursors") or []:
                (killed if self._cursors.pop(int(cursor_id), None) else unknown).append(cursor_id)
        return {
            "cursorsKilled": killed,
            "cursorsNotFound": unknown,
            "cursorsAlive": [],
            "cursorsUnknown": [],
            "ok": 1.0,
        }

    @property
    def open_cursors(self) -> int:
        with self._lock:
            return len(self._cursors)


class _CommandError(Exception):
    def __init__(self, message: str, code: int, code_name: str) -> None:
        super().__init__(message)
        self.code, self.code_name = code, code_name


def _read(conn: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        try:
            chunk = conn.recv(left)
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _query_command(payload: bytes) -> dict:
    """The command an OP_QUERY on `<db>.$cmd` carries (flags, name, skip, return, doc)."""
    end = payload.index(b"\x00", 4)
    namespace = payload[4:end].decode()
    start = end + 1 + 8
    size = struct.unpack_from("<i", payload, start)[0]
    command = bson.decode(payload[start : start + size])
    command.setdefault("$db", namespace.split(".", 1)[0])
    return command


def _msg_command(payload: bytes) -> tuple[dict, bool]:
    """An OP_MSG's command: its kind-0 body, with kind-1 sequences added as arrays."""
    (flags,) = struct.unpack_from("<I", payload, 0)
    end = len(payload) - (4 if flags & 1 else 0)  # a CRC-32C checksum ends the message
    position, command, sequences = 4, None, {}
    while position < end:
        kind = payload[position]
        position += 1
        size = struct.unpack_from("<i", payload, position)[0]
        if kind == 0:
            command = bson.decode(payload[position : position + size])
        else:
            stop = payload.index(b"\x00", position + 4)
            identifier = payload[position + 4 : stop].decode()
            docs = bson.decode_all(payload[stop + 1 : position + size])
            sequences[identifier] = docs
        position += size
    command = dict(command or {})
    command.update(sequences)
    return command, bool(flags & 2)


def _get(doc: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return _MISSING
        doc = doc[part]
    return doc


_MISSING = object()

_COMPARE = {
    "$gt": lambda a, b: a is not _MISSING and a is not None and _sort_key(a) > _sort_key(b),
    "$gte": lambda a, b: a is not _MISSING and a is not None and _sort_key(a) >= _sort_key(b),
    "$lt": lambda a, b: a is not _MISSING and a is not None and _sort_key(a) < _sort_key(b),
    "$lte": lambda a, b: a is not _MISSING and a is not None and _sort_key(a) <= _sort_key(b),
    "$ne": lambda a, b: a != b,
    "$eq": lambda a, b: a == b,
    "$in": lambda a, b: a in b,
    "$exists": lambda a, b: (a is not _MISSING) == bool(b),
}


def _matches(doc: dict, query: dict) -> bool:
    for key, wanted in query.items():
        if key == "$and":
            if not all(_matches(doc, part) for part in wanted):
                return False
            continue
        value = _get(doc, key)
        if isinstance(wanted, dict) and wanted and all(k.startswith("$") for k in wanted):
            for operator, operand in wanted.items():
                if operator not in _COMPARE:
                    raise _CommandError(f"unknown operator: {operator}", 2, "BadValue")
                if not _COMPARE[operator](value, operand):
                    return False
        elif value != wanted:
            return False
    return True


def _sort_key(value: Any) -> tuple:
    """MongoDB's order across types, enough for ids, numbers, strings and dates."""
    if value is _MISSING or value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (5, value)
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, bson.ObjectId):
        return (4, value.binary)
    if isinstance(value, datetime):
        return (6, value.replace(tzinfo=value.tzinfo or UTC).timestamp())
    return (3, str(value))


def _project(doc: dict, projection: dict) -> dict:
    keep = {k for k, v in projection.items() if v}
    if not keep:
        return {k: v for k, v in doc.items() if k not in projection}
    return {k: v for k, v in doc.items() if k in keep or k == "_id"}
