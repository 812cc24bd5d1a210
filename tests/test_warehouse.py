from __future__ import annotations

import gc
import logging
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from revtruth.config import load_settings
from revtruth.warehouse import (
    WarehouseBusyError,
    WarehouseError,
    connect_readonly,
    lock_path,
    publish_snapshot,
    snapshot_path,
    warehouse_lock,
)

# A second revtruth process: takes the warehouse lock (exclusive, or shared with "shared"),
# says so on stdout, holds it for `hold` seconds, and exits 0, or exits 3 if it timed out.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from revtruth.config import load_settings
    from revtruth.warehouse import WarehouseBusyError, warehouse_lock
    cfg, hold, timeout = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    mode = sys.argv[4]
    try:
        with warehouse_lock(load_settings(cfg, env={}), timeout_s=timeout, shared=mode == "shared"):
            print("locked", flush=True)
            time.sleep(hold)
            print("releasing", time.time(), flush=True)
    except WarehouseBusyError:
        sys.exit(3)
    """
)


@pytest.fixture
def settings(tmp_path):
    cfg = tmp_path / "revtruth.toml"
    cfg.write_text('[warehouse]\npath = "w.duckdb"\n', encoding="utf-8")
    return load_settings(cfg, env={})


def start_holder(settings, hold: float, timeout: float = 30, mode: str = "exclusive"):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(settings.config_path), str(hold), str(timeout), mode],
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc


def wait_until_locked(proc) -> None:
    assert proc.stdout.readline().strip() == "locked"


def test_second_process_waits_for_the_first_then_proceeds(settings, caplog):
    holder = start_holder(settings, hold=2)
    try:
        wait_until_locked(holder)
        with (
            caplog.at_level(logging.WARNING, logger="revtruth.warehouse"),
            warehouse_lock(settings, timeout_s=20),
        ):
            acquired_at = time.time()
        out, _ = holder.communicate(timeout=20)
    finally:
        holder.kill()
        holder.wait()
    released_at = float(out.split()[-1])
    assert acquired_at >= released_at  # it really waited for the other process
    waiting_lines = [
        r for r in caplog.records if "Waiting for another revtruth command" in r.message
    ]
    assert len(waiting_lines) == 1
    assert str(settings.warehouse.resolved_path) in waiting_lines[0].getMessage()


def test_gives_up_after_the_timeout(settings):
    holder = start_holder(settings, hold=10)
    try:
        wait_until_locked(holder)
        started = time.monotonic()
        with (
            pytest.raises(WarehouseBusyError, match="another revtruth command"),
            warehouse_lock(settings, timeout_s=0.3),
        ):
            pass
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()


def test_lock_is_reentrant_within_a_process(settings):
    with warehouse_lock(settings, timeout_s=1):
        with (
            warehouse_lock(settings, timeout_s=1),
            warehouse_lock(settings, timeout_s=1, shared=True),
        ):
            pass
        # still held: another process cannot take it
        holder = start_holder(settings, hold=0, timeout=0.3)
        assert holder.wait(timeout=20) == 3
    holder = start_holder(settings, hold=0, timeout=5)
    assert holder.wait(timeout=20) == 0


def test_readers_share_the_lock(settings):
    holder = start_holder(settings, hold=1, mode="shared")
    try:
        wait_until_locked(holder)
        with warehouse_lock(settings, timeout_s=5, shared=True):
            acquired_at = time.time()
        out, _ = holder.communicate(timeout=20)
    finally:
        holder.kill()
        holder.wait()
    assert acquired_at < float(out.split()[-1])  # while the other reader still held it


def test_lock_file_sits_next_to_the_duckdb_file(settings):
    with warehouse_lock(settings):
        pass
    assert lock_path(settings) == settings.warehouse.resolved_path.parent / "w.duckdb.lock"
    assert lock_path(settings).exists()


def test_lock_is_a_no_op_for_other_destinations(tmp_path):
    s = load_settings(env={"REVTRUTH_WAREHOUSE__DESTINATION": "snowflake"})
    with warehouse_lock(s, timeout_s=0.1):
        pass
    assert not lock_path(s).exists()


def test_connect_readonly_explains_a_missing_warehouse(settings):
    with pytest.raises(WarehouseError) as err:
        connect_readonly(settings)
    text = str(err.value)
    assert str(settings.warehouse.resolved_path) in text
    assert "revtruth sync" in text and "revtruth build" in text


def test_connect_readonly_refuses_other_destinations():
    s = load_settings(env={"REVTRUTH_WAREHOUSE__DESTINATION": "bigquery"})
    with pytest.raises(WarehouseError, match="bigquery"):
        connect_readonly(s)


def test_connect_readonly_reads_and_holds_off_writers_until_dropped(settings):
    path: Path = settings.warehouse.resolved_path
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select 42 as x")

    con = connect_readonly(settings, timeout_s=5)
    assert con.execute("select x from t").fetchall() == [(42,)]
    with pytest.raises(duckdb.Error):
        con.execute("insert into t values (1)")

    writer = start_holder(settings, hold=0, timeout=0.3)
    assert writer.wait(timeout=20) == 3  # a writer waits for the open reader

    con.close()
    del con
    gc.collect()
    writer = start_holder(settings, hold=0, timeout=5)
    assert writer.wait(timeout=20) == 0


def test_writing_while_this_process_reads_is_a_clear_error(settings):
    with duckdb.connect(str(settings.warehouse.resolved_path)) as con:
        con.execute("create table t as select 1 as x")
    reader = connect_readonly(settings)
    try:
        with (
            pytest.raises(WarehouseError, match="still reading"),
            warehouse_lock(settings, timeout_s=1),
        ):
            pass
    finally:
        reader.close()
        del reader
    with warehouse_lock(settings, timeout_s=1):  # dropped readers are collected first
        pass


# A process that may not write in the warehouse's folder: root's override of file modes
# dropped (setpriv), or an ordinary user, for whom the folder's mode is enough.
READ_ONLY_USER = (
    ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps", "-all", "--"]
    if hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0
    else []
)
READER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from revtruth.config import load_settings
    from revtruth.warehouse import WarehouseError, connect_readonly, warehouse_lock
    settings = load_settings(Path(sys.argv[1]), env={})
    print(connect_readonly(settings).execute("select count(*) from t").fetchall()[0][0])
    try:
        with warehouse_lock(settings):
            pass
    except WarehouseError as exc:
        print("writer:", exc)
    """
)


@pytest.mark.parametrize("lock_file", ["absent", "read-only"])
def test_a_warehouse_in_a_read_only_folder_can_still_be_read(settings, lock_file):
    import os
    import shutil

    if READ_ONLY_USER and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot drop root's override of modes")
    db = settings.warehouse.resolved_path
    con = duckdb.connect(str(db))
    con.execute("create table t as select 1 as x union all select 2")
    con.close()
    if lock_file == "read-only":
        lock_path(settings).touch()
        lock_path(settings).chmod(0o444)
    folder = db.parent
    folder.chmod(0o555)
    try:
        result = subprocess.run(
            [*READ_ONLY_USER, sys.executable, "-c", READER, str(settings.config_path)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ},
        )
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "2"
    assert lines[1].startswith("writer: cannot write the lock file") or lock_file == "read-only"
    assert "Traceback" not in result.stderr


# ----------------------------------------------------------------------------- snapshot

# Another program holding a DuckDB file open, as a notebook or BI tool does: read-only or
# read-write, it says so on stdout and holds the file until killed.
NOTEBOOK = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read_only")
    print(con.execute("select max(x) from t").fetchall()[0][0], flush=True)
    time.sleep(120)
    """
)


def _write(settings, value: int) -> None:
    with warehouse_lock(settings), duckdb.connect(str(settings.warehouse.resolved_path)) as con:
        con.execute("create or replace table t as select ? as x", [value])


def test_the_snapshot_is_a_copy_beside_the_warehouse_that_readers_open(settings):
    _write(settings, 1)
    assert publish_snapshot(settings) == snapshot_path(settings)
    assert snapshot_path(settings).name == "w.snapshot.duckdb"
    _write(settings, 2)  # not published: readers still see 1
    assert connect_readonly(settings).execute("select x from t").fetchall() == [(1,)]
    latest = connect_readonly(settings, latest=True)
    assert latest.execute("select x from t").fetchall() == [(2,)]
    latest.close()


@pytest.mark.parametrize("mode", ["read_only", "read_write"])
def test_a_notebook_holding_the_snapshot_blocks_no_writer_and_keeps_its_copy(settings, mode):
    _write(settings, 1)
    publish_snapshot(settings)
    notebook = subprocess.Popen(
        [sys.executable, "-c", NOTEBOOK, str(snapshot_path(settings)), mode],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert notebook.stdout.readline().strip() == "1"
        _write(settings, 2)  # the writer neither waits nor fails
        publish_snapshot(settings)
        assert connect_readonly(settings).execute("select x from t").fetchall() == [(2,)]
        assert notebook.poll() is None  # still reading its own copy
    finally:
        notebook.kill()
        notebook.wait()


def test_reports_read_the_snapshot_while_a_writer_holds_the_warehouse(settings):
    _write(settings, 1)
    publish_snapshot(settings)
    writer = start_holder(settings, hold=30)
    try:
        wait_until_locked(writer)
        started = time.monotonic()
        assert connect_readonly(settings, timeout_s=5).execute("select x from t").fetchall() == [
            (1,)
        ]
        assert time.monotonic() - started < 5  # not waited for
        with pytest.raises(WarehouseBusyError):
            connect_readonly(settings, timeout_s=0, latest=True)
    finally:
        writer.kill()
        writer.wait()


def test_a_snapshot_that_cannot_be_published_is_removed_not_left_stale(settings):
    _write(settings, 1)
    publish_snapshot(settings)
    _write(settings, 2)
    blocker = snapshot_path(settings).with_name(
        f".{snapshot_path(settings).name}.{__import__('os').getpid()}.partial"
    )
    blocker.mkdir()  # the copy cannot be written where it goes
    try:
        with pytest.raises(WarehouseError, match="could not publish the snapshot"):
            publish_snapshot(settings)
    finally:
        blocker.rmdir()
    assert not snapshot_path(settings).exists()
    # readers fall back to the warehouse itself, which has the newer data
    assert connect_readonly(settings).execute("select x from t").fetchall() == [(2,)]


def test_without_the_snapshot_setting_nothing_is_published(tmp_path):
    cfg = tmp_path / "revtruth.toml"
    cfg.write_text('[warehouse]\npath = "w.duckdb"\nsnapshot = false\n', encoding="utf-8")
    off = load_settings(cfg, env={})
    _write(off, 1)
    assert publish_snapshot(off) is None
    assert not snapshot_path(off).exists()
