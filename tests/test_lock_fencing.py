"""The per-source lock holds against paused, killed and foreign crawls (storage/runs.py).

Real `warta crawl` processes against the replica, paused with SIGSTOP, killed with
SIGKILL, or racing each other; the takeover threshold is set low (-s
WARTA_LOCK_STALE_AFTER) so that a pause of seconds stands for one of minutes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.kill_stress import stress
from storage.archive import Archive, utc_now
from storage.runs import SourceLocked
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process
from tests.waiting import wait_for

SOURCE = "harianjogja"
FAST_LOCK = ["-s", "WARTA_LOCK_STALE_AFTER=2", "-s", "WARTA_LOCK_HEARTBEAT=1"]
SLOW = ["-s", "DOWNLOAD_DELAY=0.15", "-s", "CONCURRENT_REQUESTS=1"]  # a crawl of seconds


def start_crawl(db: Path, replica: str, *extra: str, source: str = SOURCE) -> subprocess.Popen:
    command = [sys.executable, "-m", "warta", "crawl", source, "--replica", replica]
    return subprocess.Popen(
        [*command, "--db", str(db), *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def lock_taken(db: Path, source: str = SOURCE) -> bool:
    if not db.exists():
        return False
    try:
        rows = query(db, "SELECT run_id FROM crawl_locks WHERE source = ?", (source,))
    except sqlite3.OperationalError:  # not created yet
        return False
    return bool(rows and rows[0][0])


def pause_outside_a_write(process: subprocess.Popen, db: Path) -> None:
    """SIGSTOP the crawl at a moment it holds no SQLite write lock (else no one could write)."""
    for _ in range(200):
        process.send_signal(signal.SIGSTOP)
        conn = sqlite3.connect(db, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return
        except sqlite3.OperationalError:
            process.send_signal(signal.SIGCONT)
            time.sleep(0.05)
        finally:
            conn.close()
    raise AssertionError("the crawl never let go of the write lock")


def runs_of(db: Path) -> list[dict]:
    with Archive(db, readonly=True) as archive:
        return list(reversed(archive.runs.latest(100)))


def test_a_paused_crawl_whose_lock_was_taken_over_stops_as_lost_lock(tmp_path, crawl_server):
    db = tmp_path / "warta.db"
    paused = start_crawl(db, crawl_server.base_url, *FAST_LOCK, *SLOW)
    try:
        wait_for(lambda: lock_taken(db))
        time.sleep(1)
        pause_outside_a_write(paused, db)
        time.sleep(3)  # silent past the takeover threshold
        taker = run_warta("crawl", SOURCE, "--replica", crawl_server.base_url, *FAST_LOCK, db=db)
        assert taker.returncode == 0, taker.stderr
    finally:
        paused.send_signal(signal.SIGCONT)
    _, err = paused.communicate(timeout=120)
    runs = runs_of(db)
    assert [r["status"] for r in runs] == ["lost_lock", "ok"], runs
    assert "took the source's lock over" in runs[0]["message"]
    assert paused.returncode == 1  # its own run did not finish
    # the resumed crawl left the new holder's run and the lock alone
    assert query(db, "SELECT count(*) FROM crawl_locks") == [(0,)]


def test_a_foreign_pid_namespace_holder_is_not_taken_over_while_it_beats(tmp_path):
    from storage.runs import process_identity

    # a crawl in a container: same host name and kernel, but its pid means nothing here
    db = tmp_path / "warta.db"
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that is no process in this namespace
    host, boot, _, _, _ = process_identity().split("|")
    foreign = f"{host}|{boot}|pid:[4026599999]|{dead.pid}|12345"
    with Archive(db) as archive:
        now = utc_now()
        archive.conn.execute(
            "INSERT INTO crawl_locks(source, pid, host, acquired_at, heartbeat_at, holder) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (SOURCE, dead.pid, socket.gethostname(), now, now, foreign),
        )
        try:
            archive.locks.acquire(SOURCE)
        except SourceLocked:
            pass
        else:
            raise AssertionError("took a live foreign crawl's lock")
        # once it stops beating, it is taken over
        archive.conn.execute("UPDATE crawl_locks SET heartbeat_at = '2000-01-01T00:00:00Z'")
        archive.locks.acquire(SOURCE)
        assert archive.locks.holder_of(SOURCE).holder == process_identity()


def test_a_reused_pid_does_not_keep_a_dead_holder_alive(tmp_path):
    from storage.runs import process_identity

    # the pid is alive (this test), but it is not the process that took the lock
    db = tmp_path / "warta.db"
    host, boot, namespace, _, _ = process_identity().split("|")
    earlier = f"{host}|{boot}|{namespace}|{os.getpid()}|1"
    with Archive(db) as archive:
        now = utc_now()
        archive.conn.execute(
            "INSERT INTO crawl_locks(source, pid, host, acquired_at, heartbeat_at, holder) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (SOURCE, os.getpid(), host, now, now, earlier),
        )
        archive.locks.acquire(SOURCE)
        assert archive.locks.holder_of(SOURCE).holder == process_identity()


def test_a_crawl_exits_by_its_own_runs_only(tmp_path, crawl_server):
    db = tmp_path / "warta.db"
    first = start_crawl(db, crawl_server.base_url, *SLOW)
    wait_for(lambda: lock_taken(db))
    pause_outside_a_write(first, db)  # it holds the source until the other crawl is done
    try:
        refused = run_warta("crawl", SOURCE, "--replica", crawl_server.base_url, db=db)
    finally:
        first.send_signal(signal.SIGCONT)
    out, err = first.communicate(timeout=180)
    assert refused.returncode == 1 and "refused" in refused.stdout + refused.stderr
    statuses = [r["status"] for r in runs_of(db)]
    assert statuses == ["ok", "refused"], statuses
    assert first.returncode == 0, out + err


def test_a_killed_crawl_reads_as_failed_at_once(tmp_path, crawl_server):
    db = tmp_path / "warta.db"
    crawl = start_crawl(db, crawl_server.base_url, *SLOW)
    wait_for(lambda: lock_taken(db))
    crawl.kill()
    crawl.wait()
    listed = warta_in_process("runs", "--format", "json", db=db)
    (run,) = json.loads(listed.stdout)
    assert run["status"] == "failed" and "died" in run["message"]
    health = warta_in_process("health", "--format", "json", db=db)
    report = {h["source"]: h for h in json.loads(health.stdout)}
    assert report[SOURCE]["status"] == "failing"
    assert report[SOURCE]["last_run_status"] == "failed"


def test_a_run_blocked_past_busy_timeout_is_recorded_failed(tmp_path, crawl_server):
    db = tmp_path / "warta.db"
    with Archive(db) as archive:
        archive.claim_origin("replica")  # crawled before, as an archive a crawl is paused on
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # as a paused crawl mid-batch holds it
    try:
        crawl = start_crawl(db, crawl_server.base_url, "-v", source="tribunjogja")
        log: list[str] = []
        reader = threading.Thread(target=lambda: log.extend(crawl.stderr), daemon=True)
        reader.start()
        wait_for(lambda: any("Spider opened" in line for line in log), timeout=120)
        time.sleep(33)  # its run's first write waits past the archive's 30 s busy_timeout
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    crawl.wait(timeout=120)
    reader.join(timeout=10)
    assert crawl.returncode == 1, "".join(log)
    (run,) = runs_of(db)
    assert run["status"] == "failed" and "locked" in run["message"], run


def test_the_kill_stress_paused_holder_trial(tmp_path):
    # benchmarks/kill_stress.py --paused, with a pause of seconds instead of 150 s
    report = stress(0, articles=80, seed=5, folder=tmp_path, pause=5, stale_after=2)
    paused = report["paused"]
    assert paused["ok"], paused
    assert paused["equal"] and paused["taker_exit"] == 0 and paused["paused_exit"] == 1
    assert "lost_lock" in paused["paused_statuses"].values()
