"""The scheduler daemon and the per-source lock, with real processes against the replica."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.archive import Archive, ArchiveError
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process
from tests.waiting import wait_for
from warta.scheduler import SchedulerConfig, open_job_store

ONE_SOURCE = """
[defaults]
user_agent = "warta-test"
download_delay = 0
concurrency = 4
lookback_days = 7
schedule = "30 1 * * *"
timezone = "Asia/Jakarta"

[sources.harianjogja]
name = "Harian Jogja"
domains = ["jogjapolitan.harianjogja.com"]

[sources.harianjogja.discovery]
style = "news_sitemap"
sitemap_url = "https://jogjapolitan.harianjogja.com/sitemap.xml"
"""


@pytest.fixture
def one_source(tmp_path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(ONE_SOURCE, encoding="utf-8")
    return path


def start_daemon(db: Path, sources: Path, *extra: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "warta",
        "scheduler",
        "--db",
        str(db),
        "--sources",
        str(sources),
        *extra,
    ]
    return subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def runs_of(db: Path) -> list[dict]:
    try:
        with Archive(db, readonly=True) as archive:
            return list(reversed(archive.runs.latest(limit=100)))
    except ArchiveError:  # not created yet, or the daemon is still setting it up
        return []


def stop(daemon: subprocess.Popen, sig=signal.SIGTERM) -> str:
    daemon.send_signal(sig)
    output, _ = daemon.communicate(timeout=60)
    return output


def test_daemon_crawls_on_schedule_and_stops_cleanly(tmp_path, one_source, replica_server):
    db = tmp_path / "warta.db"
    daemon = start_daemon(db, one_source, "--every", "2", "--replica", replica_server.base_url)
    try:
        wait_for(lambda: [r for r in runs_of(db) if r["status"] == "ok"], timeout=90)
    finally:
        output = stop(daemon)
    assert daemon.returncode == 0, output
    with Archive(db, readonly=True) as archive:
        assert archive.count() > 0
        assert archive.conn.execute("SELECT count(*) FROM crawl_locks").fetchone()[0] == 0
    assert not [r for r in runs_of(db) if r["status"] == "running"]


def test_jobs_survive_kill_and_a_missed_run_runs_once(tmp_path, replica_server):
    # The nightly time was two hours ago (WIB), whenever the test runs: a missed run
    # is due again only within the misfire grace (12 h) of its scheduled time.
    due = datetime.now(ZoneInfo("Asia/Jakarta")) - timedelta(hours=2)
    one_source = tmp_path / "sources.toml"
    one_source.write_text(
        ONE_SOURCE.replace('"30 1 * * *"', f'"{due.minute} {due.hour} * * *"'), encoding="utf-8"
    )
    db = tmp_path / "warta.db"
    replica = ("--replica", replica_server.base_url)
    # The daemon ran before, with its nightly schedule, and was killed.
    daemon = start_daemon(db, one_source, *replica)
    wait_for(lambda: Path(f"{db}.jobs.db").exists() and b"running" in _peek(daemon), timeout=60)
    daemon.kill()
    daemon.wait()
    listed = warta_in_process("scheduler", "--list", "--sources", str(one_source), *replica, db=db)
    assert listed.returncode == 0, listed.stderr
    assert "crawl:harianjogja" in listed.stdout and "(new)" not in listed.stdout
    # While the machine was off, the nightly run came and went (twice, even).
    config = SchedulerConfig(db_path=str(db), jobs_path=f"{db}.jobs.db")
    store = open_job_store(config)
    job = store.lookup_job("crawl:harianjogja")
    job._modify(next_run_time=datetime.now(job.next_run_time.tzinfo) - timedelta(days=1, hours=2))
    store.update_job(job)
    store.shutdown()

    daemon = start_daemon(db, one_source, *replica)
    try:
        wait_for(lambda: [r for r in runs_of(db) if r["status"] == "ok"], timeout=90)
        time.sleep(3)  # an uncoalesced second run would start right after the first
    finally:
        output = stop(daemon)
    assert len(runs_of(db)) == 1, output
    listed = warta_in_process("scheduler", "--list", "--sources", str(one_source), *replica, db=db)
    next_run = datetime.fromisoformat(listed.stdout.split("next ")[1].split()[0])
    assert next_run > datetime.now(next_run.tzinfo)  # back on its nightly schedule


def _peek(daemon: subprocess.Popen) -> bytes:
    """What the daemon logged so far (non-blocking)."""
    import fcntl

    fd = daemon.stdout.fileno()
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        chunk = b""
    # per daemon: another test's daemon's output must not satisfy this one's wait
    seen = _peek.__dict__.setdefault("seen", {})
    seen[daemon.pid] = seen.get(daemon.pid, b"") + chunk
    return seen[daemon.pid]


def test_crawl_over_its_time_limit_is_recorded_failed_and_daemon_goes_on(
    tmp_path, one_source, small_site
):
    from replica.faults import parse_faults
    from replica.server import ReplicaServer

    db = tmp_path / "warta.db"
    # The sitemap never answers: every crawl runs into the 1 s limit, however fast it is.
    hanging = ReplicaServer(small_site, faults=parse_faults(["hang:*sitemap*:seconds=30"]))
    with hanging:
        daemon = start_daemon(
            db, one_source, "--every", "2", "--time-limit", "1", "--replica", hanging.base_url
        )
        _wait_for_failed_runs(db, daemon)


def _wait_for_failed_runs(db, daemon) -> None:
    try:
        failed = wait_for(
            lambda: len([r for r in runs_of(db) if r["status"] == "failed"]) >= 2, timeout=90
        )
    finally:
        output = stop(daemon)
    assert failed and daemon.returncode == 0, output
    messages = {r["message"] for r in runs_of(db) if r["status"] == "failed"}
    assert any("wall-clock limit" in m for m in messages)


def test_adhoc_crawl_is_refused_while_the_source_is_locked(tmp_path, one_source, replica_server):
    db = tmp_path / "warta.db"
    holder = subprocess.Popen(["sleep", "60"])
    try:
        with Archive(db) as archive:
            archive.locks.acquire("harianjogja", pid=holder.pid)
        result = run_warta(
            "crawl",
            "harianjogja",
            "--sources",
            str(one_source),
            "--replica",
            replica_server.base_url,
            db=db,
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode != 0
    (run,) = runs_of(db)
    assert run["status"] == "refused" and "already being crawled" in run["message"]
    assert run["pages"] == 0


def test_scheduler_refuses_a_bad_config(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text(ONE_SOURCE.replace('"30 1 * * *"', '"99 1 * * *"'), encoding="utf-8")
    result = run_warta("scheduler", "--sources", str(bad), db=tmp_path / "w.db")
    assert result.returncode != 0
    assert "schedule" in result.stderr and "Traceback" not in result.stderr
    assert os.path.exists(tmp_path / "w.db") is False


def test_sigterm_lets_the_running_crawl_finish_and_logs_json(tmp_path, one_source, replica_server):
    db = tmp_path / "warta.db"
    log_file = tmp_path / "scheduler.log"
    daemon = start_daemon(
        db,
        one_source,
        "--every",
        "1",
        "--replica",
        replica_server.base_url,
        "--json-log",
        "--log-file",
        str(log_file),
        "--stop-grace",
        "60",
    )
    try:
        wait_for(
            lambda: [r for r in runs_of(db) if r["status"] == "running"], timeout=60, every=0.05
        )
    finally:
        output = stop(daemon)
    assert daemon.returncode == 0, output
    runs = runs_of(db)
    assert runs and all(r["status"] == "ok" for r in runs), runs  # finished, not cut off
    with Archive(db, readonly=True) as archive:
        assert archive.conn.execute("SELECT count(*) FROM crawl_locks").fetchone()[0] == 0
    events = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert {"time", "level", "logger", "message"} <= set(events[0])
    assert any("scheduler stopped" in e["message"] for e in events)


def test_runs_json_lists_recent_runs(tmp_path, one_source, replica_server):
    db = tmp_path / "warta.db"
    crawl = run_warta(
        "crawl", "--sources", str(one_source), "--replica", replica_server.base_url, db=db
    )
    assert crawl.returncode == 0, crawl.stderr
    result = warta_in_process("runs", "--format", "json", db=db)
    (run,) = json.loads(result.stdout)
    assert run["source"] == "harianjogja" and run["status"] == "ok"
    assert run["articles_new"] > 0 and run["finished_at"].endswith("Z")


def test_killed_crawl_is_recorded_failed_and_the_daemon_carries_on(
    tmp_path, one_source, replica_server
):
    db = tmp_path / "warta.db"
    daemon = start_daemon(db, one_source, "--every", "1", "--replica", replica_server.base_url)
    try:
        (running,) = wait_for(
            lambda: [r for r in runs_of(db) if r["status"] == "running"], timeout=60, every=0.05
        )
        os.kill(running["pid"], signal.SIGKILL)
        wait_for(lambda: [r for r in runs_of(db) if r["status"] == "ok"], timeout=60)
    finally:
        output = stop(daemon)
    assert daemon.returncode == 0, output
    killed = [r for r in runs_of(db) if r["id"] == running["id"]][0]
    assert killed["status"] == "failed" and "-9" in killed["message"]
