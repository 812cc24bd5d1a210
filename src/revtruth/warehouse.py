"""Access to the warehouse file: one writer at a time, readers that wait for it.

A DuckDB file takes one read-write process at a time, and DuckDB fails at once, with a lock
error, when another process holds it. revtruth commands that write (sync, build) take an
exclusive lock on `<duckdb file>.lock` first and readers (reports) take a shared one, so a
second command in another terminal waits for the first instead of failing. The lock is an
`fcntl.flock` on a separate file: the kernel releases it when its process ends, even on a
crash, and the lock file itself is never deleted (deleting it would let two processes hold
"the" lock on different files).

Within one process the lock is re-entrant: `revtruth run` may take it for the whole run
while sync and build take it again inside.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from revtruth.config import Settings

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "WarehouseBusyError",
    "WarehouseError",
    "connect_readonly",
    "publish_snapshot",
    "snapshot_path",
    "warehouse_lock",
]

log = logging.getLogger(__name__)

_POLL_S = 0.05
_ANNOUNCE_AFTER_S = 1.0


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as asked (missing file, wrong destination)."""


class WarehouseBusyError(WarehouseError, TimeoutError):
    """Another revtruth command held the warehouse for longer than the timeout."""


@dataclass
class _Held:
    """This process's hold on one lock file: a single descriptor shared by all holders."""

    fd: int
    shared: int = 0
    exclusive: int = 0
    mode: int = 0  # fcntl.LOCK_SH or fcntl.LOCK_EX currently held, 0 for none


_held: dict[Path, _Held] = {}
_held_guard = threading.Lock()


def lock_path(settings: Settings) -> Path:
    """The lock file guarding the DuckDB file."""
    db = settings.warehouse.resolved_path
    return db.with_name(db.name + ".lock")


@contextmanager
def warehouse_lock(
    settings: Settings, timeout_s: float = 600, *, shared: bool = False
) -> Iterator[None]:
    """Hold the warehouse for this process: exclusively (writers) or shared (readers).

    A no-op for destinations other than duckdb, whose servers handle concurrency. Waits up
    to `timeout_s` seconds for another revtruth process, logging one line once the wait
    passes a second, then raises `WarehouseBusyError`.
    """
    if not settings.warehouse.is_duckdb:
        yield
        return
    _refuse_a_folder(settings)
    path = lock_path(settings)
    _acquire(path, shared, timeout_s)
    try:
        yield
    finally:
        _release(path, shared)


def _refuse_a_folder(settings: Settings) -> None:
    db = settings.warehouse.resolved_path
    if db.is_dir():
        raise WarehouseError(
            f"warehouse.path {db} is a folder; give it a file name, such as "
            f"{db / 'revtruth.duckdb'}"
        )


def _acquire(path: Path, shared: bool, timeout_s: float) -> None:
    want = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    started = time.monotonic()
    announced = False
    collected = False
    while True:
        with _held_guard:
            held = _held.get(path)
            if held is None:
                held = _held[path] = _Held(_open_lock_file(path, shared))
            if held.fd < 0:
                got = True  # a reader where no one can write: nothing to wait for
            elif held.mode == fcntl.LOCK_EX or held.mode == want:
                got = True  # re-entry: this process already holds enough
            elif held.mode == fcntl.LOCK_SH:
                got = None  # a reader in this process; see below
            else:
                try:
                    fcntl.flock(held.fd, want | fcntl.LOCK_NB)
                    held.mode = want
                    got = True
                except BlockingIOError:
                    got = False
                    os.close(held.fd)
                    del _held[path]
            if got:
                if shared:
                    held.shared += 1
                else:
                    held.exclusive += 1
                return
        if got is None:
            # This process has a read-only connection open and now wants to write. DuckDB
            # refuses that within one process anyway, so do not upgrade the lock (a failed
            # flock upgrade drops the shared lock): collect dropped connections once, then
            # say what is wrong.
            if not collected:
                gc.collect()
                collected = True
                continue
            raise WarehouseError(
                f"this process is still reading {path.with_suffix('')} (a read-only "
                "connection or shared lock is open); close it before syncing or building"
            )
        waited = time.monotonic() - started
        if waited >= timeout_s:
            raise WarehouseBusyError(
                f"another revtruth command has been using {path.with_suffix('')} for "
                f"{waited:.0f}s; gave up waiting (lock file {path})"
            )
        if not announced and waited > _ANNOUNCE_AFTER_S:
            log.warning(
                "Waiting for another revtruth command to finish with %s ...",
                path.with_suffix(""),
            )
            announced = True
        time.sleep(_POLL_S)


def _open_lock_file(path: Path, shared: bool) -> int:
    """The lock file's descriptor; -1 for a reader that may neither write nor create it
    (a warehouse in a read-only folder, copied from a backup or mounted read-only): no
    revtruth command can write there either, so the reader has nothing to wait for. A
    writer that cannot open it gets one clear line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if not shared:
            raise WarehouseError(
                f"cannot write the lock file {path} ({exc.strerror}): sync and build need "
                "to write in the warehouse's folder"
            ) from None
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # flock works on it as well
    except OSError:
        return -1


def _release(path: Path, shared: bool) -> None:
    with _held_guard:
        held = _held[path]
        if shared:
            held.shared -= 1
        else:
            held.exclusive -= 1
        if held.fd < 0:
            if held.shared == 0 and held.exclusive == 0:
                del _held[path]
            return
        if held.exclusive == 0 and held.shared > 0 and held.mode == fcntl.LOCK_EX:
            fcntl.flock(held.fd, fcntl.LOCK_SH)  # downgrading never waits
            held.mode = fcntl.LOCK_SH
        elif held.exclusive == 0 and held.shared == 0:
            fcntl.flock(held.fd, fcntl.LOCK_UN)
            os.close(held.fd)
            del _held[path]


def snapshot_path(settings: Settings) -> Path:
    """The published copy of the warehouse that readers open: `revtruth.snapshot.duckdb`
    beside `revtruth.duckdb`."""
    db = settings.warehouse.resolved_path
    return db.with_name(f"{db.stem}.snapshot{db.suffix}")


def publish_snapshot(settings: Settings) -> Path | None:
    """Publish the warehouse as it stands (after a sync or build that succeeded) to the
    snapshot that reports, the dashboard and users' own tools read.

    A DuckDB file takes one writing process, and while it has one no other process may even
    read it; a reader holding it open stops the next writer. So readers get a copy: written
    beside the snapshot and put in its place with one rename. A reader sees the old snapshot
    or the new one, never half of one, and one that holds the old one open keeps reading it
    (its file lives on until closed) and blocks no one. Returns the snapshot's path, or
    None when there is none to publish (not DuckDB, or `warehouse.snapshot` is off).
    """
    if not settings.warehouse.is_duckdb or not settings.warehouse.snapshot:
        return None
    import shutil

    import duckdb

    db, target = settings.warehouse.resolved_path, snapshot_path(settings)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    with warehouse_lock(settings):
        try:
            with duckdb.connect(str(db)) as con:
                con.execute("checkpoint")  # everything in the file, nothing left in its WAL
            shutil.copyfile(db, partial)
            with open(partial, "rb") as copied:
                os.fsync(copied.fileno())
            os.replace(partial, target)
        except (OSError, duckdb.Error) as exc:
            # A snapshot older than the warehouse would show old numbers as current: it goes,
            # and readers read the warehouse itself until a publish succeeds.
            with contextlib.suppress(OSError):
                target.unlink(missing_ok=True)
            raise WarehouseError(
                f"could not publish the snapshot {target} ({exc}); reports read "
                f"{db.name} itself until the next sync or build publishes one"
            ) from None
        finally:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
    return target


def connect_readonly(
    settings: Settings, timeout_s: float = 600, *, latest: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, for reports: its published snapshot when there is one
    (never waits, never holds anyone up), else the DuckDB file itself.

    `latest=True` opens the file itself, for what only it knows (a build that failed or
    is running after the snapshot). Then it waits while a sync or build holds the
    warehouse, and keeps a shared lock for as long as the connection object lives, so a
    later sync or build waits for this reader instead of failing on DuckDB's own lock. Drop
    the connection (or leave the `with` block and let it go out of scope) to let writers in.
    """
    import duckdb

    snapshot = snapshot_path(settings) if settings.warehouse.is_duckdb else None
    if not latest and settings.warehouse.snapshot and snapshot and snapshot.is_file():
        return duckdb.connect(str(snapshot), read_only=True)

    if not settings.warehouse.is_duckdb:
        raise WarehouseError(
            f"connect_readonly opens a DuckDB file, but warehouse.destination is "
            f"{settings.warehouse.destination!r}; query that warehouse through its own client"
        )
    _refuse_a_folder(settings)
    db = settings.warehouse.resolved_path
    if not db.is_file():
        raise WarehouseError(
            f"no warehouse at {db}: run `revtruth sync` and then `revtruth build` to create it"
        )
    path = lock_path(settings)
    _acquire(path, True, timeout_s)
    try:
        con = duckdb.connect(str(db), read_only=True)
    except BaseException:
        _release(path, True)
        raise
    weakref.finalize(con, _release, path, True)
    return con
