"""Crawl-time state travels through the crawler, not through attributes on the spider.

The run recorder (crawler/extensions.py) owns each crawl's `CrawlRun`: the spider
reads resume and refusal from it, the error recorder its run id, and `warta crawl`
the ids of the runs its own crawlers recorded, so that its summary and exit status
are its own. Open archives sit in one registry per process (crawler/archive_access.py).

Crawls are real `warta crawl` processes against the replica over HTTP.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from crawler.archive_access import OpenArchives
from storage.archive import Archive, ArchiveError
from tests.conftest import run_warta
from tests.test_lock_fencing import SLOW, lock_taken, pause_outside_a_write, start_crawl, wait_for

SOURCE = "harianjogja"
OTHER = "kompasregional"


def runs_of(db: Path) -> list[dict]:
    with Archive(db, readonly=True) as archive:
        return sorted(archive.runs.latest(100), key=lambda run: run["id"])


def summary_statuses(stdout: str) -> dict[str, str]:
    """source -> status, from `warta crawl`'s summary lines (after its header)."""
    lines = [line.split() for line in stdout.splitlines()[1:] if line.strip()]
    return {words[0]: words[1] for words in lines}


def test_another_process_refused_meanwhile_is_not_in_our_summary(tmp_path, crawl_server):
    """Our crawl of two sources is running when another process's crawl of one of them
    is refused (the source's lock is ours): our summary and exit status are our two
    runs only, though the refused run was recorded after ours started."""
    db = tmp_path / "warta.db"
    ours = start_crawl(db, crawl_server.base_url, OTHER, *SLOW, "--progress", "0")
    wait_for(lambda: lock_taken(db))
    pause_outside_a_write(ours, db)  # it holds the source until the other crawl is done
    try:
        other = run_warta("crawl", SOURCE, "--replica", crawl_server.base_url, db=db)
    finally:
        ours.send_signal(signal.SIGCONT)
    out, err = ours.communicate(timeout=300)
    assert other.returncode == 1, other.stdout + other.stderr
    assert summary_statuses(other.stdout) == {SOURCE: "refused"}, other.stdout
    runs = runs_of(db)
    refused = [run for run in runs if run["status"] == "refused"]
    assert len(refused) == 1 and refused[0]["source"] == SOURCE, runs
    assert refused[0]["id"] > min(run["id"] for run in runs), "recorded while ours ran"
    assert ours.returncode == 0, out + err
    assert summary_statuses(out) == {SOURCE: "ok", OTHER: "ok"}, out


def test_the_run_after_a_killed_one_walks_the_whole_window(tmp_path, crawl_server):
    """A nightly run skips the days the ledger holds complete, unless the previous run
    did not finish: the recorder finds that, and the spider reads it from the crawler."""
    db = tmp_path / "warta.db"

    def crawl() -> dict:
        result = run_warta("crawl", OTHER, "--replica", crawl_server.base_url, db=db)
        assert result.returncode == 0, result.stdout + result.stderr
        return runs_of(db)[-1]

    crawl()  # a full night: the settled days of the window are complete in the ledger
    nightly = crawl()  # walks only the days not complete: today
    killed = start_crawl(db, crawl_server.base_url, *SLOW, source=OTHER)
    wait_for(lambda: lock_taken(db, OTHER))
    killed.kill()
    killed.communicate()
    resumed = crawl()
    assert resumed["pages"] > nightly["pages"], (nightly, resumed)
    after = crawl()  # the resumed run finished: the next night skips complete days again
    assert after["pages"] == nightly["pages"], (nightly, after)


def test_open_archives_share_one_archive_and_the_last_user_closes_it(tmp_path):
    registry, path = OpenArchives(), tmp_path / "warta.db"
    first, second = object(), object()
    archive = registry.open(path, "replica", first)
    assert registry.open(path, "replica", second) is archive  # one connection per process
    registry.release(path, first)
    assert archive.has_url("https://example.com/a") is False  # still open for the other
    registry.release(path, second)
    with pytest.raises(Exception, match="closed"):
        archive.has_url("https://example.com/a")
    assert registry.failures() == []


def test_open_archives_keep_the_first_failure_of_each_archive(tmp_path):
    registry = OpenArchives()
    registry.fail(tmp_path / "a.db", "disk full")
    registry.fail(tmp_path / "a.db", "later")
    registry.fail(tmp_path / "b.db", "read-only")
    assert registry.failure(tmp_path / "a.db") == "disk full"
    assert registry.failures() == ["disk full", "read-only"]


def test_open_archives_refuse_an_archive_of_the_other_origin(tmp_path):
    path = tmp_path / "warta.db"
    with Archive(path) as archive:
        archive.claim_origin("real")
    registry = OpenArchives()
    with pytest.raises(ArchiveError):
        registry.open(path, "replica", object())
    assert registry.archives == {}


def test_runs_with_ids_reads_back_any_of_them(tmp_path):
    with Archive(tmp_path / "warta.db") as archive:
        ids = [archive.runs.start(SOURCE) for _ in range(300)]
        archive.flush()
    wanted = [ids[3], ids[150], ids[-1]]
    with Archive(tmp_path / "warta.db", readonly=True) as archive:
        assert [run["id"] for run in archive.runs.with_ids(wanted)] == wanted
        assert archive.runs.with_ids([]) == []
