"""The simulated product database on MySQL: a real MariaDB server, typed as MySQL product
schemas really are (UUIDs as CHAR(36), times as DATETIME(6) holding UTC, no time zone).

No wheel ships a MySQL or MariaDB server, so the server is the distribution's
(`apt-get install mariadb-server` on Debian; `.ci/run` installs it). `running_mariadb`
starts a private instance in a temporary folder, on a free port of 127.0.0.1, owned by
nobody else and removed on exit. Without the server it raises `MariaDbUnavailable`, and the
tests that need it skip with that reason.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from revtruth.simulate.company.plan import ProductDbPlan
from revtruth.simulate.product_db import COLUMNS, READER_ROLE, _interrupts_held, _rows_by_table

DATABASE = "product"
INSERT_CHUNK = 5_000

SCHEMA_SQL = [
    "DROP TABLE IF EXISTS user_activity_logs, users, tenants",
    """CREATE TABLE tenants (
        id CHAR(36) NOT NULL PRIMARY KEY,
        name VARCHAR(255) NOT NULL,
        slug VARCHAR(255) NOT NULL UNIQUE,
        plan_tier VARCHAR(32) NOT NULL,
        stripe_customer_id VARCHAR(64) NULL,
        created_at DATETIME(6) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE users (
        id CHAR(36) NOT NULL PRIMARY KEY,
        tenant_id CHAR(36) NOT NULL,
        email VARCHAR(320) NOT NULL,
        full_name VARCHAR(255) NULL,
        role VARCHAR(32) NOT NULL,
        created_at DATETIME(6) NOT NULL,
        last_seen_at DATETIME(6) NULL,
        CONSTRAINT users_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE user_activity_logs (
        id BIGINT NOT NULL PRIMARY KEY,
        tenant_id CHAR(36) NOT NULL,
        user_id CHAR(36) NOT NULL,
        event_type VARCHAR(32) NOT NULL,
        occurred_at DATETIME(6) NOT NULL,
        KEY user_activity_logs_occurred_at (occurred_at),
        CONSTRAINT logs_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id),
        CONSTRAINT logs_user FOREIGN KEY (user_id) REFERENCES users (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
]


class MariaDbUnavailable(RuntimeError):
    """No MariaDB (or MySQL) server binary on this machine."""


@dataclass(frozen=True)
class RunningMariaDb:
    admin_url: str  # root, over the instance's own socket-less TCP port
    reader_url: str  # the read-only user revtruth reads with
    port: int


def server_binaries() -> tuple[str, str]:
    """(server, installer) paths, or MariaDbUnavailable saying how to get them."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    server = shutil.which("mariadbd", path=search) or shutil.which("mysqld", path=search)
    installer = shutil.which("mariadb-install-db", path=search) or shutil.which(
        "mysql_install_db", path=search
    )
    if not server or not installer:
        raise MariaDbUnavailable(
            "no MariaDB server on this machine (mariadbd and mariadb-install-db): install "
            "the distribution's package, e.g. `apt-get install mariadb-server`"
        )
    return server, installer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_mariadb() -> Iterator[RunningMariaDb]:
    """A private MariaDB on 127.0.0.1 with an empty `product` database and a read-only user;
    stopped and removed on exit (also on Ctrl+C or SIGTERM, however early)."""
    import pymysql

    server_bin, installer = server_binaries()
    directory = Path(tempfile.mkdtemp(prefix="revtruth-mariadb-"))
    process = None
    try:
        with _interrupts_held():
            as_root = ["--user=root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
            subprocess.run(
                [installer, "--no-defaults", f"--datadir={directory / 'data'}",
                 "--auth-root-authentication-method=normal", "--skip-test-db", *as_root],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            port = _free_port()
            process = subprocess.Popen(
                [server_bin, "--no-defaults", f"--datadir={directory / 'data'}",
                 f"--socket={directory / 'mysqld.sock'}", f"--port={port}",
                 "--bind-address=127.0.0.1", f"--pid-file={directory / 'mysqld.pid'}",
                 f"--log-error={directory / 'error.log'}", "--skip-log-bin",
                 "--innodb-buffer-pool-size=64M", "--skip-name-resolve", *as_root],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            _wait_for(port, process, directory)
        password = secrets.token_hex(12)
        with (
            contextlib.closing(
                pymysql.connect(host="127.0.0.1", port=port, user="root", autocommit=True)
            ) as conn,
            conn.cursor() as cur,
        ):
            cur.execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4")
            cur.execute(f"CREATE USER '{READER_ROLE}'@'%%' IDENTIFIED BY %s", (password,))
            cur.execute(f"GRANT SELECT ON {DATABASE}.* TO '{READER_ROLE}'@'%'")
        yield RunningMariaDb(
            admin_url=f"mysql://root@127.0.0.1:{port}/{DATABASE}",
            reader_url=f"mysql://{READER_ROLE}:{quote(password)}@127.0.0.1:{port}/{DATABASE}",
            port=port,
        )
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(directory, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen, directory: Path) -> None:
    import pymysql

    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            log = (directory / "error.log").read_text(errors="replace")[-2000:]
            raise MariaDbUnavailable(f"MariaDB stopped while starting: {log}")
        try:
            pymysql.connect(host="127.0.0.1", port=port, user="root", connect_timeout=2).close()
            return
        except pymysql.err.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def connect_admin(admin_url: str):
    """A pymysql connection from a mysql:// URL (for loading and tests)."""
    from urllib.parse import unquote, urlsplit

    import pymysql

    parts = urlsplit(admin_url)
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        database=parts.path.lstrip("/") or None,
        autocommit=False,
    )


def load(plan: ProductDbPlan, admin_url: str) -> None:
    """(Re)create the three tables and fill them, times written as UTC wall clock (what a
    MySQL application with its session time zone at UTC stores in DATETIME)."""
    with contextlib.closing(connect_admin(admin_url)) as conn, conn.cursor() as cur:
        for statement in SCHEMA_SQL:
            cur.execute(statement)
        for table, rows in _rows_by_table(plan):
            columns = COLUMNS[table]
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            chunk: list[tuple] = []
            for row in rows:
                chunk.append(tuple(_utc_wall(v) for v in row))
                if len(chunk) == INSERT_CHUNK:
                    cur.executemany(sql, chunk)
                    chunk = []
            if chunk:
                cur.executemany(sql, chunk)
        conn.commit()


def insert_logins(admin_url: str, plan: ProductDbPlan, event_ids: Iterable[int]) -> None:
    """As simulate.product_db.insert_logins: a login by the first user per id, one commit."""
    user = plan.users[0]
    at = datetime(2025, 7, 1, 9, 30)
    with contextlib.closing(connect_admin(admin_url)) as conn, conn.cursor() as cur:
        for event_id in event_ids:
            cur.execute(
                "INSERT INTO user_activity_logs (id, tenant_id, user_id, event_type, occurred_at)"
                " VALUES (%s, %s, %s, 'login', %s)",
                (event_id, user.tenant_id, user.user_id, at),
            )
        conn.commit()


def _utc_wall(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
