"""Stopping the `revtruth` executable with a signal cleans up what it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# the executable as pyproject.toml's entry point runs it
REVTRUTH = [sys.executable, "-c", "from revtruth.cli import run; run()"]


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("stopping", [signal.SIGTERM, signal.SIGINT])
def test_simulate_serve_stops_its_servers_and_removes_its_folders(tmp_path, stopping):
    import shutil
    import tempfile

    # short: PostgreSQL's socket goes in it, and a Unix socket path holds 107 bytes at most
    private_tmp = Path(tempfile.mkdtemp(prefix="rt-stop-", dir="/tmp"))
    try:
        _serve_and_stop(tmp_path, private_tmp, stopping)
    finally:
        shutil.rmtree(private_tmp, ignore_errors=True)


def _serve_and_stop(tmp_path: Path, private_tmp: Path, stopping: signal.Signals) -> None:
    serve = subprocess.Popen(
        [*REVTRUTH, "simulate", "serve", "--dir", str(tmp_path / "sim"), "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TMPDIR": str(private_tmp)},
        # as a shell starts a command with `&`: SIGINT ignored, which run() undoes
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        for line in serve.stdout:
            if "Press Ctrl+C to stop" in line:
                break
        else:
            pytest.fail("simulate serve ended before it was up")
        assert any(p.name.startswith("revtruth-pg-") for p in private_tmp.iterdir())
        assert _processes_mentioning(str(private_tmp)), "no PostgreSQL under the private tmp"
        serve.send_signal(stopping)
        serve.wait(timeout=60)
    finally:
        if serve.poll() is None:
            serve.kill()
    deadline = time.monotonic() + 20
    while _processes_mentioning(str(private_tmp)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_mentioning(str(private_tmp)) == []
    # (platformdirs' runtime-0, which pgserver asks for, is no folder of revtruth's)
    assert [p.name for p in private_tmp.iterdir() if p.name.startswith("revtruth")] == []


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.0, 6.0])  # as PostgreSQL starts; in the sync or build
def test_demo_interrupted_stops_its_servers_and_removes_their_folders(tmp_path, after):
    import shutil
    import tempfile

    private_tmp = Path(tempfile.mkdtemp(prefix="rt-stop-", dir="/tmp"))
    try:
        demo = subprocess.Popen(
            [*REVTRUTH, "demo", "--dir", str(tmp_path / "demo"), "--seed", "3"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "TMPDIR": str(private_tmp)},
        )
        try:
            deadline = time.monotonic() + 120
            while not _processes_mentioning(str(private_tmp)):  # PostgreSQL is up
                assert demo.poll() is None and time.monotonic() < deadline, "demo never started"
                time.sleep(0.1)
            time.sleep(after)
            demo.send_signal(signal.SIGTERM)
            output, _ = demo.communicate(timeout=60)
        finally:
            if demo.poll() is None:
                demo.kill()
        assert demo.returncode != 0
        assert "Traceback" not in output
        deadline = time.monotonic() + 20
        while _processes_mentioning(str(private_tmp)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_mentioning(str(private_tmp)) == []
        assert not any(p.name.startswith("revtruth-pg-") for p in private_tmp.iterdir())
    finally:
        shutil.rmtree(private_tmp, ignore_errors=True)
