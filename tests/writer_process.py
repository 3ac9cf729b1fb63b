"""A real `warta writer` process for tests whose crawls run as nodes (#16).

A node (WARTA_REDIS_URL set) never opens the archive: its runs, articles, errors and
coverage go onto the Redis stream, and the writer applies them to its own archive.
Tests start one with `start_writer` (or `writer_running`), wait with `drained` until
every entry is applied, and read the runs from the writer's archive (`runs_of`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crawler import node_entries
from storage.archive import Archive
from tests.conftest import REPO, run_warta


def start_writer(db: Path, redis_url: str, *extra: str) -> subprocess.Popen:
    """`warta writer --db DB --redis URL` in the background."""
    command = [sys.executable, "-m", "warta", "writer", "--db", str(db), "--redis", redis_url]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [*command, "--progress", "1", *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def drained(client: Any, timeout: float = 120) -> None:
    """Wait until the writer applied and acknowledged every entry."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.xlen(node_entries.STREAM) == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"{client.xlen(node_entries.STREAM)} entries still in the stream")


def stop(writer: subprocess.Popen) -> str:
    """Stop the writer as an operator would (SIGTERM); its log."""
    writer.send_signal(signal.SIGTERM)
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, out + err
    return err


@contextmanager
def writer_running(db: Path, redis_url: str, *extra: str) -> Iterator[subprocess.Popen]:
    """A writer for the block; stopped (and checked to stop cleanly) after it."""
    writer = start_writer(db, redis_url, *extra)
    try:
        yield writer
    finally:
        if writer.poll() is None:
            stop(writer)


def runs_of(db: Path) -> list[dict[str, Any]]:
    """The runs in the writer's archive, newest first (none if it has no archive yet)."""
    if not db.exists():
        return []
    with Archive(db, readonly=True) as archive:
        return [dict(run) for run in archive.runs.latest(limit=100)]


def unreachable_db(folder: Path) -> Path:
    """A --db for a node: in a folder that does not exist, so a node that opened (or
    created) an archive would fail, and a test sees any folder that appears."""
    return folder / "no-such-folder" / "node.db"


def assert_runs_show_node_and_job(db: Path, runs: list[dict[str, Any]]) -> None:
    """`warta runs` has node and job columns, and each run's line shows its node and job."""
    shown = run_warta("runs", "--limit", "100", db=db)
    assert shown.returncode == 0, shown.stderr
    header, *lines = shown.stdout.splitlines()
    assert "node" in header.split() and "job" in header.split()
    for run in runs:
        (line,) = [line for line in lines if line.split()[0] == str(run["id"])]
        assert run["node"] in line.split() and run["job"] in line.split()
