"""The MongoDB wire-protocol simulator, talked to by `pymongo` unchanged: the handshake, the
commands a batch reader sends, and the product database's documents."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from datetime import date

import bson
import pymongo
import pytest

from revtruth.simulate.company.generator import generate
from revtruth.simulate.company.plan import CompanyPlan
from revtruth.simulate.mongodb import product
from revtruth.simulate.mongodb.server import OP_MSG, MongoServer


@pytest.fixture(scope="module")
def plan() -> CompanyPlan:
    return generate(seed=3, size="small", today=date(2026, 6, 30))


@pytest.fixture(scope="module")
def server(plan: CompanyPlan) -> Iterator[MongoServer]:
    with MongoServer(product.databases(plan.product_db)) as running:
        yield running


@pytest.fixture
def db(server: MongoServer) -> Iterator[pymongo.database.Database]:
    client = pymongo.MongoClient(server.url, serverSelectionTimeoutMS=5000, tz_aware=True)
    try:
        yield client[product.DATABASE]
    finally:
        client.close()


def test_pymongo_connects_and_lists_the_collections(db) -> None:
    assert sorted(db.list_collection_names()) == ["tenants", "user_activity_logs", "users"]
    assert db.command("ping")["ok"] == 1.0


def test_every_event_arrives_once_in_batches_of_the_size_asked(server, db, plan) -> None:
    before = server.commands.count("getMore")
    events = list(db.user_activity_logs.find({}, sort=[("_id", 1)], batch_size=5000))
    assert len(events) == len(plan.product_db.activity)
    assert len({e["_id"] for e in events}) == len(events)
    assert server.commands.count("getMore") - before == -(-len(events) // 5000) - 1
    ids = [e["_id"] for e in events]
    assert ids == sorted(ids)  # ObjectIds sort by their time first
    first = events[0]
    assert first["occurred_at"].tzinfo is not None
    assert first["_id"].generation_time == first["occurred_at"].replace(microsecond=0)


def test_a_reader_resumes_after_the_last_id_it_read(db, plan) -> None:
    events = list(db.user_activity_logs.find({}, sort=[("_id", 1)]))
    middle = events[len(events) // 2]["_id"]
    after = list(db.user_activity_logs.find({"_id": {"$gt": middle}}, sort=[("_id", 1)]))
    assert [e["_id"] for e in after] == [e["_id"] for e in events[len(events) // 2 + 1 :]]


def test_documents_are_nested_and_leave_missing_fields_out(db, plan) -> None:
    tenants = {t["_id"]: t for t in db.tenants.find()}
    assert len(tenants) == len(plan.product_db.tenants)
    for t in plan.product_db.tenants:
        doc = tenants[t.tenant_id]
        assert doc["plan"] == {"tier": t.plan_tier}
        if t.billing_customer_id:
            assert doc["billing"] == {"stripe_customer_id": t.billing_customer_id}
        else:
            assert "billing" not in doc
    users = list(db.users.find({"last_seen_at": {"$exists": False}}))
    assert len(users) == sum(u.last_seen_at is None for u in plan.product_db.users)
    assert db.users.find_one({"profile.full_name": {"$exists": True}})["profile"]["full_name"]


def test_an_abandoned_cursor_is_killed(server, db) -> None:
    cursor = db.user_activity_logs.find({}, batch_size=10)
    next(cursor)
    assert server.open_cursors >= 1
    cursor.close()
    assert server.open_cursors == 0


def test_an_unknown_command_is_refused_as_mongod_refuses_it(db) -> None:
    with pytest.raises(pymongo.errors.OperationFailure) as refused:
        db.command("compact", "tenants")
    assert refused.value.code == 59


def test_a_raw_op_msg_is_answered_in_op_msg(server) -> None:
    # the frame itself, without a driver: header, flag bits, a kind-0 section
    body = struct.pack("<I", 0) + b"\x00" + bson.encode({"ping": 1, "$db": "admin"})
    message = struct.pack("<iiii", 16 + len(body), 7, 0, OP_MSG) + body
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(message)
        header = conn.recv(16)
        length, _, response_to, opcode = struct.unpack("<iiii", header)
        rest = b""
        while len(rest) < length - 16:
            rest += conn.recv(length - 16 - len(rest))
    assert (response_to, opcode) == (7, OP_MSG)
    assert bson.decode(rest[5:]) == {"ok": 1.0}
