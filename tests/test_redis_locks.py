"""A node's outlet lock lives in Redis (crawler/redis_locks.py), and holds up.

First the lock itself against a real redis-server: one holder, a TTL that frees a
dead holder's outlet, renewal and release by the holder only, an outage waited
out. Then real `warta crawl` processes in node mode (WARTA_REDIS_URL): the lock
taken, refused, expired after a kill -9, lost to another node, and Redis stopped
or frozen mid-crawl. The TTL is set low (-s WARTA_LOCK_STALE_AFTER) so that
seconds stand for minutes.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler import node_entries
from crawler.extensions import crawl_run
from crawler.redis_connection import RedisUnavailable, redis_from_url
from crawler.redis_locks import HeldByAnotherNode, RedisLocks
from replica.faults import parse_fault
from replica.server import ReplicaServer
from storage.runs import SourceLocked
from storage.warc import default_warc_dir
from tests.conftest import REPO
from tests.servers import RedisServer
from tests.waiting import wait_for
from tests.writer_process import drained, start_writer, stop, unreachable_db, writer_running

SOURCE = "harianjogja"
HOST = "jogjapolitan.harianjogja.com"
LOCK = f"warta:lock:{SOURCE}"
# a node's own summary of a run that stopped for Redis (its end never reached the writer)
FAILED_FOR_REDIS = re.compile(rf"^{SOURCE}\s+failed\b.*(redis_unavailable|Redis unavailable)", re.M)


def locks_of(server: RedisServer, ttl: float = 30, patience: float = 0) -> RedisLocks:
    return RedisLocks(redis_from_url(server.url), ttl, patience=patience)


# -- the lock ---------------------------------------------------------------------------


def test_one_holder_at_a_time_until_it_releases(redis_server):
    locks = locks_of(redis_server)
    token = locks.acquire(SOURCE, "node-a/101")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert locks.holder(SOURCE) == f"node-a/101/{token}"
    with pytest.raises(SourceLocked, match=r"already being crawled by node-a \(pid 101") as refused:
        locks.acquire(SOURCE, "node-b/202")
    assert isinstance(refused.value, HeldByAnotherNode)
    assert refused.value.holder.host == "node-a" and refused.value.holder.pid == 101
    assert locks.holder(SOURCE) == f"node-a/101/{token}"  # the refusal changed nothing
    assert locks.is_current(SOURCE, token)
    assert locks.release(SOURCE, token)
    assert locks.holder(SOURCE) is None
    assert locks.acquire(SOURCE, "node-b/202")  # free again


def test_a_dead_holders_lock_expires_then_another_takes_it(redis_server):
    locks = locks_of(redis_server, ttl=0.5)
    dead = locks.acquire(SOURCE, "node-a/101")  # and never renewed: its node died
    with pytest.raises(SourceLocked):
        locks.acquire(SOURCE, "node-b/202")
    time.sleep(0.7)
    taken = locks.acquire(SOURCE, "node-b/202")
    assert locks.holder(SOURCE) == f"node-b/202/{taken}"
    # the old holder, come back, neither renews nor frees the new holder's lock
    assert not locks.heartbeat(SOURCE, dead)
    assert not locks.release(SOURCE, dead)
    assert not locks.is_current(SOURCE, dead)
    assert locks.holder(SOURCE) == f"node-b/202/{taken}"


def test_a_heartbeat_renews_the_ttl_and_finds_an_expired_lock_lost(redis_server):
    locks = locks_of(redis_server, ttl=0.6)
    token = locks.acquire(SOURCE, "node-a/101")
    for _ in range(4):  # longer than the TTL in all, renewed in time
        time.sleep(0.3)
        assert locks.heartbeat(SOURCE, token)
    time.sleep(0.8)
    assert not locks.heartbeat(SOURCE, token)  # expired: lost, even though no one took it
    assert locks.holder(SOURCE) is None


def test_lock_calls_wait_out_a_redis_restart(tmp_path):
    server = RedisServer.start(tmp_path / "redis", appendonly=True)  # the lock outlives it
    try:
        locks = locks_of(server, ttl=60, patience=30)
        token = locks.acquire(SOURCE, "node-a/101")
        server.stop()
        threading.Timer(2.0, server.launch).start()
        assert locks.heartbeat(SOURCE, token)
        assert locks.holder(SOURCE) == f"node-a/101/{token}"
    finally:
        time.sleep(2.5)  # the timer's launch, if the heartbeat failed early
        server.stop()


def test_a_long_outage_is_one_clear_error(redis_server):
    locks = locks_of(redis_server, patience=1.0)
    redis_server.stop()
    with pytest.raises(RedisUnavailable, match="Redis unavailable for locking harianjogja"):
        locks.acquire(SOURCE, "node-a/101")


# -- node crawls --------------------------------------------------------------------------


@pytest.fixture
def replica(crawl_site) -> Iterator[ReplicaServer]:
    with ReplicaServer(crawl_site) as server:
        yield server


def node_crawl(
    replica: ReplicaServer, redis: RedisServer, folder: Path, *extra: str, node: str = "node-a"
) -> subprocess.Popen:
    """A node's `warta crawl` of SOURCE (a few seconds long), in the background. Its --db
    is in a folder that does not exist (a node never opens the archive: its run goes to
    the writer of `folder`/writer.db); its WARC files go where that writer's are."""
    command = [
        sys.executable, "-m", "warta", "crawl", SOURCE, "--replica", replica.base_url,
        "--db", str(unreachable_db(folder)), "--progress", "0", "--limit", "8",
        "--warc-dir", str(default_warc_dir(writer_db(folder))),
        "-s", f"WARTA_REDIS_URL={redis.url}", "-s", f"WARTA_NODE={node}",
        "-s", "DOWNLOAD_DELAY=0.3", "-s", "WARTA_LOCK_HEARTBEAT=1", *extra,
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def writer_db(folder: Path) -> Path:
    return folder / "writer.db"


def ended(process: subprocess.Popen, folder: Path, timeout: float = 180) -> tuple[str, str]:
    out, err = process.communicate(timeout=timeout)
    assert "Traceback" not in err, err
    assert not unreachable_db(folder).parent.exists()  # the node opened no archive
    return out, err


def run_statuses(folder: Path) -> list[tuple[str, str, str | None]]:
    """(node, status, message) of each run in the writer's archive, newest first."""
    conn = sqlite3.connect(writer_db(folder))
    try:
        query = "SELECT node, status, message FROM crawl_runs ORDER BY id DESC"
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def run_status(folder: Path) -> tuple[str, str | None]:
    """The (status, message) of the latest run the writer stored."""
    return run_statuses(folder)[0][1:]


def archive_locks(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("SELECT source FROM crawl_locks").fetchall()
    finally:
        conn.close()


def requests_to_outlet(replica: ReplicaServer) -> int:
    return sum(1 for host, _ in list(replica.requests) if host == HOST)


class TokenProbe:
    """An extension for the crawl below: writes down the run's lock token as it opens."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TokenProbe:
        return cls(crawler)

    def opened(self, spider: Spider) -> None:
        token = crawl_run(self.crawler).lock_token
        Path(self.crawler.settings["TOKEN_PROBE"]).write_text(str(token))


def test_a_node_locks_its_outlet_in_redis_and_releases_it(replica, redis_server, tmp_path):
    probe = tmp_path / "token"
    # the project's extensions, and the probe after the run recorder
    extensions = '{"crawler.extensions.RunRecorder": 100, "crawler.errors.ErrorRecorder": 300, '
    extensions += '"tests.test_redis_locks.TokenProbe": 900}'
    client = redis_server.client()
    with writer_running(writer_db(tmp_path), redis_server.url):
        crawl = node_crawl(
            replica,
            redis_server,
            tmp_path,
            "-s",
            f"EXTENSIONS={extensions}",
            "-s",
            f"TOKEN_PROBE={probe}",
        )
        holder = wait_for(lambda: client.get(LOCK)).decode()
        assert re.fullmatch(rf"node-a/{crawl.pid}/[0-9a-f]{{32}}", holder)
        # the run carries its hold's token (for the stream writer's fence)
        assert holder.endswith("/" + wait_for(lambda: probe.exists() and probe.read_text()))
        wait_for(lambda: requests_to_outlet(replica) >= 2)
        assert client.pttl(LOCK) > 0  # a dead node's lock expires
        out, _ = ended(crawl, tmp_path)
        drained(client)
    assert crawl.returncode == 0 and run_statuses(tmp_path)[0][:2] == ("node-a", "ok"), out
    assert client.get(LOCK) is None
    assert archive_locks(writer_db(tmp_path)) == []  # the lock was Redis's, not the archive's


def test_an_outlet_another_node_holds_is_refused_in_one_line(replica, redis_server, tmp_path):
    client = redis_server.client()
    client.set(LOCK, "node-b/4242/" + "c" * 32, px=60_000)
    with writer_running(writer_db(tmp_path), redis_server.url):
        out, err = ended(node_crawl(replica, redis_server, tmp_path), tmp_path)
        drained(client)
    status, message = run_status(tmp_path)
    assert status == "refused" and "already being crawled by node-b (pid 4242" in message
    lines = [line for line in err.splitlines() if "node-b" in line]
    assert len(lines) == 1 and "already being crawled by node-b (pid 4242" in lines[0], err
    assert requests_to_outlet(replica) == 0
    assert client.get(LOCK) == b"node-b/4242/" + b"c" * 32  # left to its holder


def test_a_killed_nodes_lock_expires_then_the_outlet_is_crawled(replica, redis_server, tmp_path):
    client = redis_server.client()
    stale = ["-s", "WARTA_LOCK_STALE_AFTER=3"]
    with writer_running(writer_db(tmp_path), redis_server.url):
        killed = node_crawl(replica, redis_server, tmp_path, *stale)
        wait_for(lambda: client.get(LOCK))
        wait_for(lambda: requests_to_outlet(replica) >= 2)
        killed.kill()  # kill -9: no release, no more heartbeats
        killed.communicate()
        assert client.get(LOCK) is not None
        wait_for(lambda: client.get(LOCK) is None, timeout=10)  # the TTL frees the outlet
        out, _ = ended(node_crawl(replica, redis_server, tmp_path, *stale, node="node-b"), tmp_path)
        drained(client)
    runs = run_statuses(tmp_path)
    assert runs[0][:2] == ("node-b", "ok"), (runs, out)
    assert [run[:2] for run in runs[1:]] == [("node-a", "failed")]  # the killed run, closed


def test_a_node_whose_lock_another_took_stops_as_lost_lock(replica, redis_server, tmp_path):
    client = redis_server.client()
    with writer_running(writer_db(tmp_path), redis_server.url):
        crawl = node_crawl(replica, redis_server, tmp_path, "--limit", "30")
        wait_for(lambda: client.get(LOCK))
        wait_for(lambda: requests_to_outlet(replica) >= 2)
        # as if the lock had expired while node-a stalled, and node-b took the outlet
        taker = b"node-b/4242/" + b"d" * 32
        client.set(LOCK, taker, px=60_000)
        out, err = ended(crawl, tmp_path)
        drained(client)
    status, message = run_status(tmp_path)
    assert status == "lost_lock", (out, err)
    assert "another crawl took the source's lock over" in (message or "")
    assert client.get(LOCK) == taker  # the finish did not release the new holder's lock


@pytest.mark.parametrize("outage", ["restart", "freeze"])
def test_a_node_crawl_rides_out_a_redis_outage(outage, replica, tmp_path):
    # restarted: a Redis that persists (appendonly), as deployed; frozen: SIGSTOP
    redis = RedisServer.start(tmp_path / "redis", appendonly=True)
    try:
        with writer_running(writer_db(tmp_path), redis.url):
            crawl = node_crawl(
                replica,
                redis,
                tmp_path,
                "-s",
                "WARTA_LOCK_STALE_AFTER=60",
                "-s",
                "WARTA_REDIS_PATIENCE=60",
            )
            wait_for(lambda: requests_to_outlet(replica) >= 3)
            redis.stop() if outage == "restart" else redis.pause()
            during = requests_to_outlet(replica)
            time.sleep(4)
            assert requests_to_outlet(replica) <= during + 2  # only requests already booked
            redis.launch() if outage == "restart" else redis.resume()
            out, err = ended(crawl, tmp_path)
            drained(redis.client())
        assert run_status(tmp_path)[0] == "ok", (out, err)
        assert requests_to_outlet(replica) > during + 2  # it went on after the outage
        if outage == "restart":  # refused connections, waited out and said so (a frozen
            assert "Redis unavailable" in err  # server just answers late, within the timeout)
        assert redis.client().get(LOCK) is None  # released at the end
    finally:
        redis.stop()


def test_an_outage_past_the_patience_ends_the_crawl_in_one_line(replica, redis_server, tmp_path):
    writer = start_writer(writer_db(tmp_path), redis_server.url)
    crawl = node_crawl(
        replica, redis_server, tmp_path, "--limit", "30", "-s", "WARTA_REDIS_PATIENCE=2"
    )
    wait_for(lambda: requests_to_outlet(replica) >= 3)
    drained(redis_server.client())
    stop(writer)  # it has the run's open; a writer would wait out the outage as well
    redis_server.stop()
    stopped = time.monotonic()
    out, err = ended(crawl, tmp_path, timeout=60)
    assert time.monotonic() - stopped < 20  # the patience, then a prompt end
    # the run's end cannot reach the writer: the node's own summary says it failed, and
    # the writer's archive keeps the run open, for the next run to resume
    assert crawl.returncode == 1 and FAILED_FOR_REDIS.search(out), (out, err)
    assert run_status(tmp_path)[0] == "running"
    errors = [line for line in err.splitlines() if "ERROR" in line]
    cause = [line for line in errors if "stopping the crawl" in line]
    assert len(cause) == 1 and "Redis unavailable for" in cause[0], err
    # Requests that were waiting for a slot are not sent; each is recorded, for the next
    # run to fetch, and says why in a word, without a traceback or another wait.
    assert all("not sent: the crawl stopped" in line for line in errors if line not in cause), err
    assert "retrying" not in err.split(cause[0])[1], err  # nothing waited for Redis again


def test_a_node_whose_warc_folder_refuses_writes_says_why(replica, redis_server, tmp_path):
    """As a local crawl does: the crawl stops with the write's error on the command line,
    and its run, in the writer's archive, is failed with that message."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with writer_running(writer_db(tmp_path), redis_server.url):
        crawl = node_crawl(replica, redis_server, tmp_path, "--warc-dir", str(blocker / "warc"))
        out, err = ended(crawl, tmp_path)
        drained(redis_server.client())
    assert crawl.returncode == 1
    why = f"cannot write WARC records to {blocker / 'warc'}"
    assert why in err and "the crawl stopped" in err, err
    status, message = run_status(tmp_path)
    assert status == "failed" and message is not None and why in message, (status, message)


def test_a_node_that_cannot_reach_redis_fails_its_run_in_one_line(replica, redis_server, tmp_path):
    redis_server.stop()  # down before the crawl starts: the lock cannot be taken
    crawl = node_crawl(replica, redis_server, tmp_path, "-s", "WARTA_REDIS_PATIENCE=1")
    out, err = ended(crawl, tmp_path, 60)
    assert crawl.returncode == 1 and FAILED_FOR_REDIS.search(out), (out, err)
    assert not writer_db(tmp_path).exists()  # nothing reached a writer
    cause = [line for line in err.splitlines() if "stopping the crawl" in line]
    assert len(cause) == 1 and "Redis unavailable for locking harianjogja" in cause[0], err
    assert requests_to_outlet(replica) == 0  # nothing crawled without the outlet's lock


def test_a_node_that_lost_its_lock_sends_no_more_of_the_outlets_articles(
    crawl_site, redis_server, tmp_path
):
    """Articles still in flight when the node learns its lock is gone (here: pages that
    take seconds to arrive) are not sent: the outlet is the new holder's. No writer runs
    (the node goes cold at once), so every entry the node sent stays in the stream."""
    slow = parse_fault(f"trickle:{HOST}/r-*:interval=0.5,chunk=4096")
    client = redis_server.client()
    with ReplicaServer(crawl_site, faults=[slow]) as replica:
        crawl = node_crawl(
            replica, redis_server, tmp_path, "--limit", "30", "-s", "WARTA_WRITER_WAIT=1"
        )
        wait_for(lambda: articles_sent(client))
        client.set(LOCK, b"node-b/4242/" + b"d" * 32, px=60_000)
        out, err = ended(crawl, tmp_path)
    (line,) = [line for line in err.splitlines() if "took the source's lock over" in line]
    learned = time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")) + 1  # its second's end
    sent = articles_sent(client)
    assert sent and max(sent) < learned, (sent, learned, err)  # nothing after it learned
    ops = [fields[b"op"] for _, fields in client.xrange(node_entries.STREAM)]
    assert ops[-1] == b"finish"  # the run's end still goes: the writer records lost_lock
    assert b'"lost_lock"' in client.xrange(node_entries.STREAM)[-1][1][b"data"]


def articles_sent(client: Any) -> list[float]:
    """When (Redis's clock, in s) each article entry on the stream was added."""
    entries = client.xrange(node_entries.STREAM)
    ids = [entry_id for entry_id, fields in entries if fields[b"op"] == b"article"]
    return [int(entry_id.split(b"-")[0]) / 1000 for entry_id in ids]
