"""The simulated product database: a real PostgreSQL, typed as product schemas really are.

By default the server is the `pgserver` wheel's PostgreSQL (no system install, Unix socket
in the data folder); any PostgreSQL URL works instead. Tables are written with COPY and a
read-only role is created for revtruth, which must never write to a product database.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psycopg

from revtruth.simulate.company.plan import ProductDbPlan

READER_ROLE = "revtruth_reader"
COPY_CHUNK = 50_000

SCHEMA_SQL = """
DROP TABLE IF EXISTS user_activity_logs, users, tenants CASCADE;
CREATE TABLE tenants (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    slug text NOT NULL UNIQUE,
    plan_tier text NOT NULL,
    stripe_customer_id text,
    created_at timestamptz NOT NULL
);
CREATE TABLE users (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    email text NOT NULL,
    full_name text,
    role text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz
);
CREATE TABLE user_activity_logs (
    id bigint PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    user_id uuid NOT NULL REFERENCES users (id),
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX user_activity_logs_occurred_at ON user_activity_logs (occurred_at);
"""


def load(plan: ProductDbPlan, admin_url: str) -> None:
    """(Re)create the three tables and fill them; safe to run again on the same database."""
    with psycopg.connect(admin_url, autocommit=False) as conn:
        conn.execute(SCHEMA_SQL)
        with conn.cursor() as cur:
            for table, rows in _rows_by_table(plan):
                with cur.copy(f"COPY {table} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        _grant_reader(conn)
        conn.commit()
        conn.execute("ANALYZE")


def insert_logins(admin_url: str, plan: ProductDbPlan, event_ids: Iterable[int]) -> None:
    """Add a login by the plan's first user for each id, committed together on return: new
    activity for tests of incremental reads (late commits, restored backups)."""
    user = plan.users[0]
    at = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
    with psycopg.connect(admin_url) as conn:
        for event_id in event_ids:
            conn.execute(
                "INSERT INTO user_activity_logs (id, tenant_id, user_id, event_type, occurred_at)"
                " VALUES (%s, %s, %s, 'login', %s)",
                (event_id, user.tenant_id, user.user_id, at),
            )


# Each table's columns, in the order `_rows_by_table` gives their values.
COLUMNS = {
    "tenants": ("id", "name", "slug", "plan_tier", "stripe_customer_id", "created_at"),
    "users": ("id", "tenant_id", "email", "full_name", "role", "created_at", "last_seen_at"),
    "user_activity_logs": ("id", "tenant_id", "user_id", "event_type", "occurred_at"),
}


def _rows_by_table(plan: ProductDbPlan) -> list[tuple[str, Iterable[tuple]]]:
    """Each table's rows, in its columns' order (COLUMNS), parents before children."""
    log = plan.activity
    return [
        (
            "tenants",
            (
                (t.tenant_id, t.name, t.slug, t.plan_tier, t.billing_customer_id, t.created_at)
                for t in plan.tenants
            ),
        ),
        (
            "users",
            (
                (u.user_id, u.tenant_id, u.email, u.full_name, u.role, u.created_at, u.last_seen_at)
                for u in plan.users
            ),
        ),
        (
            "user_activity_logs",
            zip(
                log.event_id,
                log.tenant_id,
                log.user_id,
                log.event_type,
                log.occurred_at,
                strict=True,
            ),
        ),
    ]


def _grant_reader(conn: psycopg.Connection) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (READER_ROLE,)).fetchone()
    if not exists:
        conn.execute(f"CREATE ROLE {READER_ROLE} LOGIN")
    conn.execute(f"ALTER ROLE {READER_ROLE} SET default_transaction_read_only = on")
    conn.execute(f"GRANT USAGE ON SCHEMA public TO {READER_ROLE}")
    conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER_ROLE}")


def reader_url_for(admin_url: str) -> str:
    """The same database, as the read-only role (pgserver trusts local socket connections)."""
    scheme, rest = admin_url.split("://", 1)
    _, host_part = rest.split("@", 1) if "@" in rest else ("", rest)
    return f"{scheme}://{quote(READER_ROLE)}@{host_part}"


@contextlib.contextmanager
def running_pgserver(data_dir: Path | None = None) -> Iterator[str]:
    """Start the pgserver wheel's PostgreSQL; yield its admin URL; stop it on exit."""
    import pgserver

    owns_dir = data_dir is None
    directory = Path(tempfile.mkdtemp(prefix="revtruth-pg-")) if owns_dir else Path(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        # A stop (Ctrl+C, SIGTERM) while the server starts would leave it without anyone to
        # stop it and its folder behind: it is held until the server is ours to stop.
        with _interrupts_held():
            server = pgserver.get_server(str(directory), cleanup_mode="stop")
        yield server.get_uri()
    finally:
        if server is not None:
            server.cleanup()
        if owns_dir:
            shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done, then stop as they would
    have (KeyboardInterrupt). Only the main thread can handle signals; elsewhere, no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {stop: signal.getsignal(stop) for stop in stops}
    for stop in stops:
        signal.signal(stop, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    if held:
        raise KeyboardInterrupt
