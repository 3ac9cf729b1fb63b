"""A scheduler restart with changed options keeps the run it missed.

Replacing a job (its arguments changed: another --time-limit, --replica…) used
to give it a fresh next run time from its trigger, silently dropping a run that
was due while the daemon was down, the very run `scheduler --list` showed as
next. Real daemons, a real job store, a real crawl of the replica.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import run_warta
from tests.test_scheduler import ONE_SOURCE, _peek, runs_of, start_daemon, stop, wait_for
from warta.scheduler import SchedulerConfig, open_job_store


def test_a_restart_with_another_time_limit_keeps_the_missed_run(tmp_path, replica_server):
    due = datetime.now(ZoneInfo("Asia/Jakarta")) - timedelta(hours=2)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        ONE_SOURCE.replace('"30 1 * * *"', f'"{due.minute} {due.hour} * * *"'), encoding="utf-8"
    )
    db = tmp_path / "warta.db"
    replica = ("--replica", replica_server.base_url)
    daemon = start_daemon(db, sources, *replica, "--time-limit", "600")
    wait_for(lambda: Path(f"{db}.jobs.db").exists() and b"running" in _peek(daemon), timeout=60)
    daemon.kill()
    daemon.wait()
    # While the daemon was down, its nightly run came and went.
    store = open_job_store(SchedulerConfig(db_path=str(db), jobs_path=f"{db}.jobs.db"))
    job = store.lookup_job("crawl:harianjogja")
    missed = datetime.now(job.next_run_time.tzinfo) - timedelta(hours=3)
    job._modify(next_run_time=missed)
    store.update_job(job)
    store.shutdown()
    listed = run_warta(
        "scheduler", "--list", "--sources", str(sources), *replica, "--time-limit", "900", db=db
    )
    assert listed.returncode == 0, listed.stderr
    shown = datetime.fromisoformat(listed.stdout.split("next ")[1].split()[0])
    assert shown == missed.replace(microsecond=0) or abs((shown - missed).total_seconds()) < 1

    daemon = start_daemon(db, sources, *replica, "--time-limit", "900")  # changed option
    try:
        wait_for(lambda: [r for r in runs_of(db) if r["status"] == "ok"], timeout=60)
    finally:
        output = stop(daemon)
    assert len(runs_of(db)) == 1, output
    listed = run_warta("scheduler", "--list", "--sources", str(sources), *replica, db=db)
    next_run = datetime.fromisoformat(listed.stdout.split("next ")[1].split()[0])
    assert next_run > datetime.now(next_run.tzinfo)  # back on its nightly schedule
