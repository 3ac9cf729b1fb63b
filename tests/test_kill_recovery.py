"""A crawl SIGKILLed mid-write, restarted and finished, archives exactly what a clean
crawl archives (benchmarks/kill_stress.py runs many more trials; see
docs/reliability-kills.md).
"""

from __future__ import annotations

from benchmarks.kill_stress import stress
from storage.archive import Archive
from tests.conftest import run_warta


def test_killed_crawls_restart_to_the_clean_archive(tmp_path):
    # kill once 10 %, 30 %, 50 % of the articles are committed: always mid-crawl
    report = stress(3, articles=80, seed=5, fractions=[0.1, 0.3, 0.5], folder=tmp_path)
    trials = report["trials"]
    assert [t["problems"] for t in trials] == [[], [], []]
    assert all(t["ok"] and t["equal"] for t in trials)
    assert all(t["killed"] for t in trials), trials
    # the kills left work undone and runs open, which the restart finished and closed
    assert any(t["articles_before"] < t["articles_expected"] for t in trials), trials
    assert any(t["runs_running_after_kill"] for t in trials), trials
    assert all(t["articles_after"] == report["clean"]["site_articles"] for t in trials)
    # capture was on: after each restart every WARC file was read whole, digests checked
    # (a torn or unreadable file, or a `.open` one left, would be among the problems)
    assert all(t["warc_files"] and t["warc_records"] for t in trials), trials


def test_a_run_killed_before_it_took_its_lock_is_closed_by_the_next_crawl(tmp_path, crawl_server):
    # killed between opening its crawl_runs row and taking the source's lock: no lock
    # row names it, so only the next holder of the lock can tell it was abandoned
    db = tmp_path / "warta.db"
    with Archive(db) as archive:
        archive.claim_origin("replica")  # the killed run was a replica crawl too
        archive.conn.execute(
            "INSERT INTO crawl_runs(source, started_at, status, pid) "
            "VALUES ('tribunjateng', '2025-11-07T00:00:00Z', 'running', 4194300)"
        )
    result = run_warta("crawl", "tribunjateng", "--replica", crawl_server.base_url, db=db)
    assert result.returncode == 0, result.stderr
    with Archive(db, readonly=True) as archive:
        runs = archive.runs.latest()
    assert [r["status"] for r in reversed(runs)] == ["failed", "ok"]
    assert "interrupted" in runs[-1]["message"] and runs[-1]["finished_at"]
