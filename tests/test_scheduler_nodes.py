"""`warta scheduler --nodes`: nightly jobs on real Scrapyd nodes crawling the replica.

Two real Scrapyd 1.6 nodes (tests/servers.py) run `scrapy crawl SOURCE` for
the jobs the scheduler hands them through schedule.json; here the nodes write
straight into one archive file (WARTA_DB), as nodes on one machine may. Each
archive is compared, field by field, with a single-process crawl of the same
replica (benchmarks/kill_stress.py's snapshot).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.kill_stress import differences, snapshot
from storage.archive import Archive, ArchiveError
from storage.dispatches import DispatchLedger
from tests.conftest import REPO, run_warta
from tests.servers import ScrapydNode
from tests.waiting import wait_for
from tests.writer_process import assert_runs_show_node_and_job

NOT_YET = (ArchiveError, sqlite3.Error)  # the archive is not created yet, or being set up
SOURCES = 6  # every configured source: the crawl replica serves them all
FAST = ("--node-poll", "0.3", "--node-grace", "2", "--lock-wait", "1")


@pytest.fixture(scope="module")
def clean_crawl(crawl_server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What one `warta crawl` process archives from the replica: the reference."""
    db = tmp_path_factory.mktemp("clean") / "warta.db"
    result = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    assert result.returncode == 0, result.stderr
    return snapshot(db)


def scheduler_once(
    db: Path, nodes: list[str], replica: str, *extra: str, timeout: float = 240
) -> subprocess.CompletedProcess:
    """One night over the nodes: `warta scheduler --once --nodes …`, waited for."""
    command = [
        sys.executable, "-m", "warta", "scheduler", "--once", "--db", str(db),
        "--nodes", ",".join(nodes), "--replica", replica, *FAST, *extra,
    ]  # fmt: skip
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def runs(db: Path) -> list[dict[str, Any]]:
    with Archive(db, readonly=True) as archive:
        return list(reversed(archive.runs.latest(100)))


def test_a_night_over_two_nodes_runs_each_source_once_and_equals_one_process(
    tmp_path: Path, scrapyd_nodes: list[ScrapydNode], crawl_server: Any, clean_crawl: dict
) -> None:
    db = tmp_path / "warta.db"
    result = scheduler_once(db, [n.url for n in scrapyd_nodes], crawl_server.base_url)
    assert result.returncode == 0, result.stderr
    done = runs(db)
    assert len(done) == SOURCES and {r["status"] for r in done} == {"ok"}, done
    assert len({r["source"] for r in done}) == SOURCES  # each source exactly once
    by_node = {name: [r for r in done if r["node"] == name] for name in ("node-a", "node-b")}
    assert all(by_node.values()), by_node  # spread over both nodes
    assert all(r["job"] for r in done)
    # each node really ran the jobs the archive says it ran
    for node in scrapyd_nodes:
        finished = {job["id"] for job in node.jobs()["finished"]}
        assert {r["job"] for r in by_node[node.name]} <= finished
    assert differences(clean_crawl, snapshot(db)) == []
    # `warta runs` shows which node ran what
    assert_runs_show_node_and_job(db, done)


def test_a_node_down_at_start_is_skipped(
    tmp_path: Path, scrapyd_nodes: list[ScrapydNode], crawl_server: Any
) -> None:
    node_a, node_b = scrapyd_nodes
    node_b.kill()
    db = tmp_path / "warta.db"
    result = scheduler_once(db, [node_a.url, node_b.url], crawl_server.base_url)
    assert result.returncode == 0, result.stderr
    done = runs(db)
    assert len(done) == SOURCES and {r["status"] for r in done} == {"ok"}, done
    assert {r["node"] for r in done} == {"node-a"}
    assert "Traceback" not in result.stderr
    assert f"node 127.0.0.1:{node_b.port} is unreachable" in result.stderr


def test_a_node_killed_mid_crawl_has_its_jobs_rerun_once_on_the_other(
    tmp_path: Path, scrapyd_nodes: list[ScrapydNode], crawl_server: Any, clean_crawl: dict
) -> None:
    node_a, node_b = scrapyd_nodes
    db = tmp_path / "warta.db"
    # a polite delay so that node-a is still crawling when it is killed
    slow = ("-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    command = [
        sys.executable, "-m", "warta", "scheduler", "--once", "--db", str(db),
        "--nodes", f"{node_a.url},{node_b.url}", "--replica", crawl_server.base_url,
        *FAST, *slow,
    ]  # fmt: skip
    daemon = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: _crawling_on(db, "node-a"), timeout=120, ignoring=NOT_YET)
        node_a.kill()
        _, stderr = daemon.communicate(timeout=300)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.returncode == 0, stderr
    ledger = DispatchLedger(f"{db}.jobs.db").all()
    lost = [d for d in ledger if d.state == "lost"]
    assert lost and all(d.node == "node-a" and d.attempt == 1 for d in lost), ledger
    reruns = [d for d in ledger if d.attempt == 2]
    assert sorted(d.source for d in reruns) == sorted(d.source for d in lost)  # once each
    assert all(d.node == "node-b" and d.state == "done" for d in reruns), reruns
    final = {}
    for run in runs(db):
        final[run["source"]] = run
    assert len(final) == SOURCES and {r["status"] for r in final.values()} == {"ok"}
    failed = [r for r in runs(db) if r["status"] == "failed"]
    assert {r["source"] for r in failed} == {d.source for d in lost}
    assert all(r["node"] == "node-a" for r in failed)
    assert differences(clean_crawl, snapshot(db)) == []


def _crawling_on(db: Path, node: str) -> bool:
    """A run dispatched to `node` has started and archived something."""
    jobs = Path(f"{db}.jobs.db")
    if not jobs.exists() or not db.exists():
        return False
    placed = {d.source for d in DispatchLedger(str(jobs)).all() if d.node == node}
    running = [r for r in runs(db) if r["status"] == "running" and r["source"] in placed]
    return bool(running) and _articles(db) > 5


def _articles(db: Path) -> int:
    with Archive(db, readonly=True) as archive:
        return archive.count()


def test_a_restarted_scheduler_follows_the_job_a_node_has_and_does_not_dispatch_it_again(
    tmp_path: Path, scrapyd_nodes: list[ScrapydNode], crawl_server: Any
) -> None:
    from tests.test_scheduler import ONE_SOURCE

    sources = tmp_path / "sources.toml"
    sources.write_text(ONE_SOURCE, encoding="utf-8")
    db = tmp_path / "warta.db"
    nodes = ",".join(n.url for n in scrapyd_nodes)
    common = ("--db", str(db), "--sources", str(sources), "--nodes", nodes, *FAST)
    replica = ("--replica", crawl_server.base_url)
    slow = ("-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    warta = [sys.executable, "-m", "warta", "scheduler"]
    first = subprocess.Popen([*warta, "--once", *common, *replica, *slow], cwd=REPO)
    try:
        wait_for(
            lambda: _crawling_on(db, "node-a") or _crawling_on(db, "node-b"),
            timeout=120,
            ignoring=NOT_YET,
        )
    finally:
        first.kill()  # the scheduler dies; the node goes on crawling
        first.wait()
    (placed,) = DispatchLedger(f"{db}.jobs.db").all()
    assert placed.state == "dispatched" and placed.node in ("node-a", "node-b")
    daemon = subprocess.Popen(
        [*warta, *common, *replica, "--every", "3600"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(
            lambda: DispatchLedger(f"{db}.jobs.db").all()[0].state != "dispatched",
            120,
            ignoring=NOT_YET,
        )
    finally:
        daemon.terminate()
        _, stderr = daemon.communicate(timeout=120)
    assert daemon.returncode == 0, stderr
    (followed,) = DispatchLedger(f"{db}.jobs.db").all()
    assert (followed.job, followed.state) == (placed.job, "done")
    (run,) = runs(db)
    assert (run["status"], run["node"], run["job"]) == ("ok", placed.node, placed.job)
    jobs = [
        job
        for node in scrapyd_nodes
        for state in node.jobs().values()
        if isinstance(state, list)
        for job in state
    ]
    assert [job["id"] for job in jobs] == [placed.job]  # dispatched once, in all


def test_a_job_over_its_time_limit_is_cancelled_on_its_node_and_recorded_failed(
    tmp_path: Path, scrapyd_nodes: list[ScrapydNode], small_site: Any
) -> None:
    from replica.faults import parse_faults
    from replica.server import ReplicaServer
    from tests.test_scheduler import ONE_SOURCE

    sources = tmp_path / "sources.toml"
    sources.write_text(ONE_SOURCE, encoding="utf-8")
    db = tmp_path / "warta.db"
    # the sitemap never answers in time: the crawl runs into its 5 s limit
    hanging = ReplicaServer(small_site, faults=parse_faults(["hang:*sitemap*:seconds=20"]))
    with hanging:
        result = scheduler_once(
            db, [n.url for n in scrapyd_nodes], hanging.base_url,
            "--sources", str(sources), "--time-limit", "5",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (run,) = runs(db)
    assert run["status"] == "failed" and "wall-clock limit of 5 s" in run["message"], run
    (cancelled,) = [n for n in scrapyd_nodes if n.name == run["node"]]
    assert [job["id"] for job in cancelled.jobs()["finished"]] == [run["job"]]
    (entry,) = DispatchLedger(f"{db}.jobs.db").all()
    assert entry.state == "failed"


def test_a_run_refused_by_a_held_lock_is_tried_again_and_is_not_the_rerun(
    tmp_path: Path, scrapyd_nodes: list[ScrapydNode], crawl_server: Any
) -> None:
    from tests.test_scheduler import ONE_SOURCE

    sources = tmp_path / "sources.toml"
    sources.write_text(ONE_SOURCE, encoding="utf-8")
    db = tmp_path / "warta.db"
    holder = subprocess.Popen(["sleep", "120"])  # another crawl holds the outlet's lock
    try:
        with Archive(db) as archive:
            archive.claim_origin("replica")
            archive.locks.acquire("harianjogja", pid=holder.pid)
        command = [
            sys.executable, "-m", "warta", "scheduler", "--once", "--db", str(db),
            "--sources", str(sources), "--nodes", ",".join(n.url for n in scrapyd_nodes),
            "--replica", crawl_server.base_url, *FAST[:4], "--lock-wait", "3",
        ]  # fmt: skip
        daemon = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
        wait_for(
            lambda: [r for r in runs(db) if r["status"] == "refused"], timeout=120, ignoring=NOT_YET
        )
    finally:
        holder.kill()  # the holder dies: its lock may be taken over
        holder.wait()
    _, stderr = daemon.communicate(timeout=180)
    assert daemon.returncode == 0, stderr
    done = runs(db)
    assert [r["status"] for r in done][-1] == "ok", done
    assert {r["status"] for r in done[:-1]} == {"refused"}
    (entry,) = DispatchLedger(f"{db}.jobs.db").all()  # one attempt: no re-run claimed
    assert (entry.attempt, entry.state, entry.job) == (1, "done", done[-1]["job"])
    assert len({r["job"] for r in done}) == len(done)  # each try its own Scrapyd job


def test_once_without_nodes_crawls_each_source_here_and_leaves_the_schedule(
    tmp_path: Path, crawl_server: Any
) -> None:
    from tests.test_scheduler import ONE_SOURCE

    sources = tmp_path / "sources.toml"
    sources.write_text(ONE_SOURCE, encoding="utf-8")
    db = tmp_path / "warta.db"
    result = run_warta(
        "scheduler", "--once", "--sources", str(sources), "--replica", crawl_server.base_url,
        db=db,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (run,) = runs(db)
    assert (run["status"], run["node"], run["job"]) == ("ok", None, None)
    listed = run_warta("scheduler", "--list", "--sources", str(sources), db=db)
    assert "(new)" in listed.stdout  # --once stored no job: the schedule is untouched


# an outlet in the scheduler's sources file that the nodes' own sources file lacks
NOT_ON_NODES = """
[sources.kabarbaru]
name = "Kabar Baru"
domains = ["kabarbaru.example.id"]

[sources.kabarbaru.discovery]
style = "news_sitemap"
sitemap_url = "https://kabarbaru.example.id/sitemap.xml"
"""


def test_a_spider_no_node_has_fails_at_once_in_one_line_and_the_other_jobs_run(
    tmp_path: Path, scrapyd_nodes: list[ScrapydNode], crawl_server: Any
) -> None:
    """Scrapyd refuses schedule.json for a spider it does not have: every node is asked
    once, then the job fails at once (not at its time limit) with one line naming the
    nodes, the spider and the fix; the outlet every node has is crawled as usual."""
    from tests.test_scheduler import ONE_SOURCE

    sources = tmp_path / "sources.toml"
    sources.write_text(ONE_SOURCE + NOT_ON_NODES, encoding="utf-8")
    db = tmp_path / "warta.db"
    started = time.monotonic()
    result = scheduler_once(
        db, [n.url for n in scrapyd_nodes], crawl_server.base_url,
        "--sources", str(sources), "--time-limit", "150",
        timeout=140,  # the limit would end the job only after the test's own timeout
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 100
    assert "Traceback" not in result.stderr
    by_source = {run["source"]: run for run in runs(db)}
    assert by_source["harianjogja"]["status"] == "ok", by_source
    failed = by_source["kabarbaru"]
    assert failed["status"] == "failed" and failed["job"], failed
    message = failed["message"]
    assert "no node can run spider 'kabarbaru'" in message
    for node in scrapyd_nodes:  # each node named, with what it answered
        assert f"node 127.0.0.1:{node.port}: schedule.json refused: spider 'kabarbaru'" in message
    assert "WARTA_SOURCES" in message and "docs/deploy.md" in message
    (line,) = [line for line in result.stderr.splitlines() if "no node can run" in line]
    assert line.endswith("kabarbaru: " + message)
    entry = next(d for d in DispatchLedger(f"{db}.jobs.db").all() if d.source == "kabarbaru")
    assert (entry.attempt, entry.state, entry.message) == (1, "failed", message)
    for node in scrapyd_nodes:  # nothing was queued for it anywhere
        listed = [job for state in node.jobs().values() if isinstance(state, list) for job in state]
        assert all(job["spider"] != "kabarbaru" for job in listed)


def test_a_node_without_the_spider_is_passed_over_for_one_that_has_it(
    tmp_path: Path, crawl_server: Any
) -> None:
    """node-b's own sources file lacks the outlet: the job goes to node-a instead, at
    once, and runs there."""
    from tests.test_scheduler import ONE_SOURCE

    sources = tmp_path / "sources.toml"
    sources.write_text(ONE_SOURCE, encoding="utf-8")
    elsewhere = tmp_path / "node-b-sources.toml"
    elsewhere.write_text(ONE_SOURCE.split("[sources.")[0] + NOT_ON_NODES, encoding="utf-8")
    node_a = ScrapydNode.start(tmp_path / "node-a", "node-a", env={"WARTA_SOURCES": str(sources)})
    node_b = ScrapydNode.start(tmp_path / "node-b", "node-b", env={"WARTA_SOURCES": str(elsewhere)})
    try:
        db = tmp_path / "warta.db"
        result = scheduler_once(
            db, [node_b.url, node_a.url], crawl_server.base_url, "--sources", str(sources)
        )
    finally:
        node_a.kill()
        node_b.kill()
    assert result.returncode == 0, result.stderr
    (run,) = runs(db)
    assert (run["status"], run["node"]) == ("ok", "node-a"), run
    (entry,) = DispatchLedger(f"{db}.jobs.db").all()
    assert (entry.attempt, entry.state, entry.node) == (1, "done", "node-a")
