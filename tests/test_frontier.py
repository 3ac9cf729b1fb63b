"""A distributed backfill of one outlet (crawler/frontier.py): real redis-server, real
replica in this process (its request log), real `warta crawl --distributed` processes
and a real `warta writer` (warta/writer.py) storing what the nodes put on the stream.

A node never opens the archive: its --db points into a folder that does not exist,
and the tests check none appears. The archive is the writer's.

The claims: every article is fetched once over both nodes and the writer's archive
equals a single-process crawl's (articles, pages, errors, listed URLs), with one run
per node whose counts add up to the single run's; a node that is done waits for a busy
peer, not for a dead one; the frontier is deleted by the last node out and never
flushed by the first; a node killed -9 loses at most what it had in flight, which a
re-run of the backfill fetches without fetching anything archived; no node certifies
coverage, nor records a day walked.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from benchmarks.kill_stress import differences, snapshot
from crawler.backfill import LAST_OUT, BackfillLock
from crawler.frontier import FrontierScheduler
from crawler.redis_locks import RedisLocks
from crawler.spiderloader import SourceSpiderLoader
from replica.generator import build_site
from replica.server import ReplicaServer
from storage import coverage
from storage.archive import Archive
from storage.runs import SourceLocked
from storage.warc import default_warc_dir
from tests.archive_compare import bookkeeping
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process
from tests.servers import RedisServer
from tests.test_stream_writer import drained, start_writer, stop
from tests.test_warc_import import archive_contents

SOURCE = "tribunjogja"
SINCE, UNTIL = "2025-11-01", "2025-11-09"  # the replica's whole week, to its "today"
BASE = f"warta:frontier:{SOURCE}:{SINCE}..{UNTIL}"
# Small delays so that two nodes started together both get a share of ~70 articles.
SLOW = ["-s", "DOWNLOAD_DELAY=0.03", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
NOT_PAGES = ("/robots.txt", "/_replica/meta")  # each process asks for these itself


@pytest.fixture(scope="module")
def site() -> Any:
    return build_site(articles=200, seed=3)


@pytest.fixture(scope="module")
def server(site: Any) -> Iterator[ReplicaServer]:
    with ReplicaServer(site) as replica:
        yield replica


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory, server: ReplicaServer) -> Path:
    """The same window crawled by one ordinary process: what a backfill must equal."""
    db = tmp_path_factory.mktemp("single") / "warta.db"
    ran = run_warta("crawl", SOURCE, "--since", SINCE, "--until", UNTIL, *replica(server), db=db)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return db


def replica(server: ReplicaServer) -> list[str]:
    return ["--replica", server.base_url, "--progress", "0"]


def node(
    server: ReplicaServer, redis_url: str, db: Path, *extra: str, name: str = "node-a"
) -> subprocess.Popen:
    """One `warta crawl --distributed` process (a node of the backfill), Scrapy's log on.

    `db` is the writer's archive: the node is given a --db it cannot open (see
    `unopened`), and writes its WARC files where the writer reads them, a shared folder
    as docs/deploy.md sets nodes up."""
    command = [
        *[sys.executable, "-m", "warta", "crawl", SOURCE, "--since", SINCE, "--until", UNTIL],
        *replica(server),
        *["--distributed", "--redis", redis_url, "--db", str(unopened(db))],
        *["--warc-dir", str(default_warc_dir(db)), "-s", f"WARTA_NODE={name}"],
        *["-v", *SLOW, *extra],
    ]
    return subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def unopened(db: Path) -> Path:
    """The --db a node is given: in a folder that does not exist, so that a node opening
    (or creating) an archive would show."""
    return db.parent / "no-such-folder" / "node.db"


@contextlib.contextmanager
def writing(db: Path, redis: Any) -> Iterator[None]:
    """A `warta writer` storing the stream into `db` while the block runs; on leaving,
    it applies everything left on the stream and stops. No node opened an archive."""
    writer = start_writer(db, redis.url)
    try:
        yield
        drained(redis.client())
    finally:
        stop(writer)
    assert not unopened(db).parent.exists()


def finish(process: subprocess.Popen, timeout: float = 240) -> str:
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, out[-3000:]
    return out


def pages_fetched(server: ReplicaServer) -> collections.Counter[tuple[str, str]]:
    """How often each page (listing, article, continuation) was requested."""
    return collections.Counter(r for r in server.requests if r[1] not in NOT_PAGES)


def article_pages(site: Any) -> set[tuple[str, str]]:
    """(host, path) of every article of the outlet in the window, as first fetched."""
    from urllib.parse import urlsplit

    urls = [a.truth()["url"] for a in site.articles if a.truth()["source"] == SOURCE]
    return {(urlsplit(u).hostname or "", urlsplit(u).path) for u in urls}


def runs_of(db: Path) -> list[dict[str, Any]]:
    with Archive(db, readonly=True) as archive:
        return [run for run in archive.runs.latest(50) if run["source"] == SOURCE]


RUN_COUNTS = ("articles_new", "articles_updated", "articles_unchanged", "articles_dropped")


def summed(runs: list[dict[str, Any]]) -> dict[str, int]:
    """The article counts of several runs, added up."""
    return {count: sum(run[count] for run in runs) for count in RUN_COUNTS}


def listed_days(db: Path) -> dict[tuple[Any, ...], int]:
    """Each (source, section, day) of the coverage ledger with the URLs listed on it."""
    days = bookkeeping(db)["coverage_days"]
    return {row[:3]: row[3] for row in days}


def walked_days(db: Path) -> int:
    """Days of the ledger some run walked whole (complete or not)."""
    return sum(n for row, n in bookkeeping(db)["coverage_days"].items() if row[5])


LOCK = f"warta:lock:{SOURCE}"  # the outlet's node lock (crawler/redis_locks.py)


# -- two nodes, one backfill ----------------------------------------------------------


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    redis = RedisServer.start(tmp_path_factory.mktemp("redis"))
    yield redis
    redis.stop()


@pytest.fixture(scope="module")
def distributed(
    tmp_path_factory: pytest.TempPathFactory,
    module_redis: RedisServer,
    server: ReplicaServer,
    single: Path,
) -> dict[str, Any]:
    """Two nodes started together on one backfill; one writer stores both."""
    db = tmp_path_factory.mktemp("distributed") / "warta.db"
    server.requests.clear()
    with writing(db, module_redis):
        nodes = [node(server, module_redis.url, db, name=name) for name in ("node-a", "node-b")]
        seen = watch_runs(db, nodes)
        logs = [finish(process) for process in nodes]
    return {
        "db": db,
        "logs": logs,
        "fetched": pages_fetched(server),
        "redis": module_redis,
        "seen": seen,
    }


def watch_runs(db: Path, nodes: list[subprocess.Popen]) -> set[tuple[str, str, str | None]]:
    """Every (node, status, message) the archive's runs showed while all nodes ran."""
    seen: set[tuple[str, str, str | None]] = set()
    deadline = time.monotonic() + 240
    while all(process.poll() is None for process in nodes) and time.monotonic() < deadline:
        if db.exists():
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                with contextlib.suppress(sqlite3.OperationalError):  # not created yet
                    rows = conn.execute("SELECT node, status, message FROM crawl_runs")
                    seen.update(rows.fetchall())
        time.sleep(0.2)
    return seen


def test_two_nodes_fetch_every_article_once_and_archive_what_one_process_does(
    distributed: dict[str, Any], site: Any, single: Path
) -> None:
    fetched = distributed["fetched"]
    assert article_pages(site) <= set(fetched)  # every article…
    assert [page for page, n in fetched.items() if n > 1] == []  # …and every page, once
    db = distributed["db"]
    assert archive_contents(db) == archive_contents(single)
    assert differences(snapshot(single), snapshot(db)) == []  # pages, FTS, aliases too
    ours, theirs = bookkeeping(single), bookkeeping(db)
    for table in ("errors", "coverage_urls", "coverage_failures"):
        assert theirs[table] == ours[table], table
    # the same days listed with the same URLs (the nodes' shares together); what the
    # days' walked/complete marks say is the coverage test's
    assert listed_days(db) == listed_days(single)


def test_the_runs_of_a_backfill_are_one_per_node_adding_up_to_one_processs_run(
    distributed: dict[str, Any], site: Any, single: Path
) -> None:
    """Each node's crawl is a run of its own (its node named, no Scrapyd job), closed
    ok; between them they stored every article once, as the single run did."""
    runs, (one,) = runs_of(distributed["db"]), runs_of(single)
    assert sorted(run["node"] for run in runs) == ["node-a", "node-b"]
    assert all(run["status"] == "ok" and run["job"] is None for run in runs), runs
    assert all(run["articles_new"] > 0 for run in runs), runs  # both nodes did a share
    assert summed(runs) == summed([one])
    assert one["articles_new"] == len(article_pages(site))
    assert sum(run["errors"] for run in runs) == one["errors"]


def test_no_node_of_a_backfill_closes_another_nodes_run_as_abandoned(
    distributed: dict[str, Any],
) -> None:
    """The first node's claim (closing the outlet's runs left "running" by killed
    crawls) must not close the run of the node that joined it, however their stream
    entries interleave: while both crawled, no run showed other than running (or ok,
    closing)."""
    seen = distributed["seen"]
    assert {name for name, _, _ in seen} == {"node-a", "node-b"}  # both watched running
    assert {status for _, status, _ in seen} <= {"running", "ok"}, seen


def test_the_last_node_out_deletes_the_frontier_and_releases_the_shared_lock(
    distributed: dict[str, Any],
) -> None:
    assert distributed["redis"].client().keys("warta:frontier:*") == []
    assert distributed["redis"].client().exists(LOCK) == 0
    logs = distributed["logs"]
    assert sum("its keys deleted" in log for log in logs) == 1  # one last node, not two
    assert all("'warta/frontier': 'complete'" in log for log in logs)


def test_a_distributed_backfill_certifies_no_coverage_and_a_normal_run_then_does(
    distributed: dict[str, Any], server: ReplicaServer, site: Any, tmp_path: Path, single: Path
) -> None:
    """Each node walked part of the listings: no day is walked or complete on its word.
    A normal run of the window certifies the days, fetching listing pages only."""
    db = tmp_path / "copy.db"  # the other tests read the backfill's archive as it was
    with sqlite3.connect(distributed["db"]) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    assert listed_days(db)  # the nodes did record what they listed…
    assert days_complete(db) == 0 and walked_days(db) == 0  # …but no day walked whole
    server.requests.clear()
    ran = run_warta("crawl", SOURCE, "--since", SINCE, "--until", UNTIL, *replica(server), db=db)
    assert ran.returncode == 0, ran.stderr
    assert not article_pages(site) & set(pages_fetched(server))  # no article fetched again
    assert days_complete(db) > 0
    assert days_complete(db) == days_complete(single)


def days_complete(db: Path) -> int:
    with Archive(db, readonly=True) as archive:
        return coverage.days_complete(archive, SOURCE)


# -- ending: waiting for a busy peer, not for a dead one --------------------------------


class Peer:
    """Another node of the backfill, as the frontier sees it: a busy member whose
    heartbeat this thread keeps fresh until `die()`."""

    def __init__(self, client: Any, name: str = "peer/1") -> None:
        self.client, self.name = client, name
        self.alive = threading.Event()
        self.alive.set()
        self.beat()
        self.client.hset(f"{BASE}:state", name, "busy")
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def beat(self) -> None:
        seconds, _ = self.client.time()
        self.client.hset(f"{BASE}:beat", self.name, seconds)

    def run(self) -> None:
        while self.alive.is_set():
            self.beat()
            time.sleep(0.3)

    def die(self) -> None:
        self.alive.clear()
        self.thread.join()

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.die()


def wait_quiet(server: ReplicaServer, wanted: set[tuple[str, str]], quiet: float = 3.0) -> None:
    """Until every wanted page was fetched and nothing more for `quiet` seconds."""
    deadline = time.monotonic() + 180
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(server.requests)
        if count != last:
            last, since = count, time.monotonic()
        elif wanted <= set(server.requests) and time.monotonic() - since > quiet:
            return
        time.sleep(0.2)
    raise AssertionError("the crawl did not go quiet")


def test_a_node_done_with_its_share_waits_for_a_busy_peer_but_not_a_dead_one(
    tmp_path: Path, redis_server: Any, server: ReplicaServer, site: Any
) -> None:
    client = redis_server.client()
    server.requests.clear()
    db = tmp_path / "warta.db"
    with writing(db, redis_server), Peer(client) as peer:  # busy: it may still queue articles
        process = node(server, redis_server.url, db, "-s", "WARTA_FRONTIER_PEER_TIMEOUT=4")
        try:
            wait_quiet(server, article_pages(site))
            time.sleep(2 * 5)  # two of the engine's idle checks (every 5 s): still waiting
            assert process.poll() is None, "the node closed while its peer was busy"
            assert client.hget(f"{BASE}:state", process_member(client, peer.name)) == b"idle"
        except BaseException:
            process.kill()
            raise
        peer.die()  # its heartbeat stops: after 4 s it is dead, what it had in flight lost
        log = finish(process, timeout=60)
    assert "a node died mid-backfill" in log
    assert "'warta/frontier': 'complete_with_lost_peers'" in log
    assert client.keys("warta:frontier:*") == []
    assert client.exists(LOCK) == 0
    assert [run["status"] for run in runs_of(db)] == ["ok"]


def process_member(client: Any, peer: str) -> bytes:
    """The crawl process's member name in the frontier (the one that is not the peer)."""
    members = [m for m in client.hkeys(f"{BASE}:state") if m != peer.encode()]
    assert len(members) == 1, members
    return members[0]


def test_a_peer_killed_while_idle_does_not_keep_the_frontier_forever(
    redis_server: Any,
) -> None:
    """A node killed while idle leaves a fresh heartbeat behind. The survivor completes
    the frontier (the filter goes at once: left over, it would make a re-run fetch
    nothing), waits for the peer to age out, then deletes the rest as the last out."""
    client = redis_server.client()

    async def scenario() -> None:
        seconds, _ = client.time()
        client.hset(f"{BASE}:state", "peer/1", "idle")
        client.hset(f"{BASE}:beat", "peer/1", seconds)  # fresh: it may be alive
        scheduler = scheduler_of(crawler_for(redis_server.url))
        client.sadd(f"{BASE}:seen", "a-fingerprint")
        assert scheduler._idle(leave=False) == "waiting"
        assert client.exists(f"{BASE}:seen", f"{BASE}:requests") == 0
        assert 0 < client.ttl(f"{BASE}:state") <= 3 * scheduler.peer_timeout + 60
        client.hset(f"{BASE}:beat", "peer/1", seconds - scheduler.peer_timeout - 1)  # aged out
        assert scheduler._idle(leave=False) == "last"
        assert client.keys("warta:frontier:*") == []

    asyncio.run(scenario())


def test_a_live_idle_peer_leaves_the_completer_to_be_last_out(redis_server: Any) -> None:
    client = redis_server.client()

    async def scenario() -> None:
        first, second = (
            scheduler_of(crawler_for(redis_server.url, WARTA_NODE=name)) for name in ("a", "b")
        )
        assert first.member != second.member
        assert first._idle(leave=False) == "waiting"  # the second is still busy
        assert second._idle(leave=False) == "waiting"  # it completed: the first is live
        assert first._idle(leave=False) == "done"  # it leaves to the completer
        assert client.hkeys(f"{BASE}:state") == [second.member.encode()]
        assert second._idle(leave=False) == "last"
        assert client.keys("warta:frontier:*") == []

    asyncio.run(scenario())


def test_a_node_refused_by_another_crawl_of_the_outlet_leaves_at_once(
    tmp_path: Path, redis_server: Any, server: ReplicaServer
) -> None:
    """Another node's ordinary crawl holds the outlet: the node crawls nothing and does
    not wait for the backfill's busy peer (nor touch its frontier)."""
    db = tmp_path / "warta.db"
    client = redis_server.client()
    RedisLocks(client, 120).acquire(SOURCE, "node-b/4242")
    with writing(db, redis_server), Peer(client) as peer:
        process = node(server, redis_server.url, db)
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 1, out[-3000:]  # its run: refused
        assert "is already being crawled" in out
        assert client.hkeys(f"{BASE}:state") == [peer.name.encode()]
    assert [run["status"] for run in runs_of(db)] == ["refused"]


# -- kill -9 mid-backfill ----------------------------------------------------------------


def test_a_node_killed_mid_backfill_loses_only_what_a_rerun_fetches(
    tmp_path: Path, redis_server: Any, server: ReplicaServer, site: Any, single: Path
) -> None:
    """The survivor finishes once the dead node's heartbeat is old; a re-run of the
    backfill fetches what is missing and no article the archive already holds."""
    db = tmp_path / "warta.db"
    client = redis_server.client()
    server.requests.clear()
    timeout = ("-s", "WARTA_FRONTIER_PEER_TIMEOUT=4", "-s", "WARTA_FRONTIER_HEARTBEAT=1")
    with writing(db, redis_server):
        victim = node(server, redis_server.url, db, *timeout, name="node-a")
        survivor = node(server, redis_server.url, db, *timeout, name="node-b")
        deadline = time.monotonic() + 120
        while not (client.hlen(f"{BASE}:state") == 2 and len(pages_fetched(server)) > 40):
            assert time.monotonic() < deadline, "the nodes did not both start"
            time.sleep(0.05)
        victim.kill()  # SIGKILL: no close, no leaving the frontier
        victim.wait()
        finish(survivor, timeout=120)
    assert client.keys("warta:frontier:*") == []
    assert client.exists(LOCK) == 0  # the survivor was the last live node: released
    with Archive(db, readonly=True) as archive:
        before = {row["url"] for row in archive.articles()}
    assert before  # what the writer stored of both nodes before the kill
    server.requests.clear()
    with writing(db, redis_server):
        finish(node(server, redis_server.url, db, name="node-c"))
    from urllib.parse import urlsplit

    archived_pages = {(urlsplit(u).hostname or "", urlsplit(u).path) for u in before}
    assert not archived_pages & set(pages_fetched(server))
    assert archive_contents(db) == archive_contents(single)
    # the victim's run, left "running", was closed (in the archive, not only as read)
    # by the re-run's claim; the others closed themselves
    with contextlib.closing(sqlite3.connect(db)) as conn:
        runs = dict(conn.execute("SELECT node, status || ': ' || message FROM crawl_runs"))
    assert runs["node-a"].startswith("failed: interrupted"), runs
    assert runs["node-b"].startswith("ok") and runs["node-c"].startswith("ok"), runs


def test_a_node_that_loses_redis_past_its_patience_stops_in_one_line(
    tmp_path: Path, redis_server: Any, server: ReplicaServer
) -> None:
    """Once the node gives up on Redis, its scheduler waits for it no more: no heartbeat,
    pop, push or leaving of the frontier retries again, nothing ends in a traceback, and
    the node says it left without telling its peers (who count it gone, as a killed one)."""
    db = tmp_path / "warta.db"
    server.requests.clear()
    writer = start_writer(db, redis_server.url)
    crawl = node(
        server, redis_server.url, db, "-s", "WARTA_REDIS_PATIENCE=2", "-s", "DOWNLOAD_DELAY=0.3"
    )
    deadline = time.monotonic() + 120
    while len(pages_fetched(server)) < 5:
        assert time.monotonic() < deadline, "the node did not start"
        time.sleep(0.05)
    stop(writer)
    redis_server.stop()
    stopped = time.monotonic()
    out, _ = crawl.communicate(timeout=120)
    assert time.monotonic() - stopped < 20  # the patience once, then a prompt end
    assert crawl.returncode == 1, out
    assert "Traceback" not in out and "close failure" not in out, out
    cause = [line for line in out.splitlines() if "stopping the crawl" in line]
    assert len(cause) == 1, out
    after = out.split(cause[0])[1]
    assert "retrying" not in after and "heartbeat failed" not in after, out
    assert "left without telling the peers" in after, out


# -- the scheduler itself: persistence, fingerprints, dont_filter ----------------------


def crawler_for(redis_url: str, until: str = UNTIL, **settings: Any) -> Any:
    """A real crawler of the outlet's spider with distributed settings, and its spider."""
    project = Settings()
    project.setmodule("crawler.settings")
    spidercls = SourceSpiderLoader.from_settings(project).load(SOURCE)
    crawler = get_crawler(
        spidercls, {"WARTA_REDIS_URL": redis_url, "WARTA_DISTRIBUTED": True, **settings}
    )
    crawler.spider = crawler._create_spider(since=SINCE, until=until)
    return crawler


def scheduler_of(crawler: Any) -> FrontierScheduler:
    scheduler = build_from_crawler(load_object(crawler.settings["SCHEDULER"]), crawler)
    assert isinstance(scheduler, FrontierScheduler)
    scheduler.open(crawler.spider)
    return scheduler


def test_persist_is_forced_on_even_against_an_explicit_setting(redis_server: Any) -> None:
    crawler = crawler_for(redis_server.url, SCHEDULER_PERSIST=False)
    assert crawler.settings["SCHEDULER"] == "crawler.frontier.FrontierScheduler"
    assert crawler.settings.getbool("SCHEDULER_PERSIST") is True
    assert crawler.settings["DUPEFILTER_CLASS"] == "crawler.frontier.FrontierDupeFilter"


def test_the_first_node_to_close_leaves_the_queue_that_plain_scrapy_redis_wipes(
    redis_server: Any,
) -> None:
    """What PERSIST=False does (scrapy-redis's default): a closing node deletes the
    shared queue and filter under a busy peer. Ours leaves them to the peer."""
    client = redis_server.client()

    async def scenario() -> None:
        crawler = crawler_for(redis_server.url)
        ours = scheduler_of(crawler)
        for n in range(3):
            ours.enqueue_request(Request(f"https://jogja.tribunnews.com/{n}"))
        with Peer(client):  # a busy peer while this node closes
            ours.close("finished")
        assert client.zcard(f"{BASE}:requests") == 3 and client.scard(f"{BASE}:seen") == 3
        plain = Scheduler(
            client,
            persist=False,
            queue_key=f"{BASE}:requests",
            dupefilter=RFPDupeFilter(client, key=f"{BASE}:seen"),
        )
        plain.open(crawler.spider)
        plain.close("finished")
        assert client.exists(f"{BASE}:requests", f"{BASE}:seen") == 0

    asyncio.run(scenario())


def test_a_node_pops_no_more_than_it_may_fetch_at_once_leaving_the_rest_to_peers(
    redis_server: Any,
) -> None:
    async def scenario() -> None:
        crawler = crawler_for(redis_server.url)
        scheduler = scheduler_of(crawler)
        active: set[Request] = set()
        crawler.engine = types.SimpleNamespace(downloader=types.SimpleNamespace(active=active))
        for n in range(2):
            assert scheduler.enqueue_request(Request(f"https://jogja.tribunnews.com/{n}"))
        active.update(Request(f"https://jogja.tribunnews.com/held/{n}") for n in range(9))
        limit = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        assert scheduler.hold_at_most == limit < len(active)
        assert scheduler.next_request() is None  # it holds enough: the queue keeps both
        assert len(scheduler.queue) == 2
        active.clear()
        assert scheduler.next_request() is not None and len(scheduler.queue) == 1

    asyncio.run(scenario())


def test_shared_filter_drops_what_scrapys_own_would_and_keeps_dont_filter(
    redis_server: Any,
) -> None:
    async def scenario() -> None:
        crawler = crawler_for(redis_server.url)
        scheduler = scheduler_of(crawler)
        url = "https://jogja.tribunnews.com/2025/11/07/slug?b=2&a=1#top"
        same = [
            Request(url, meta={"x": 1}),
            Request(url.replace("?b=2&a=1", "?a=1&b=2"), cb_kwargs={"pages": []}),
        ]
        fingerprints = {scheduler.df.request_fingerprint(r) for r in same}
        scrapys = {crawler.request_fingerprinter.fingerprint(r).hex() for r in same}
        assert fingerprints == scrapys and len(fingerprints) == 1
        assert [scheduler.enqueue_request(r) for r in same] == [True, False]
        # a retry (Scrapy's retry middleware sets dont_filter) of a URL already seen
        retry = Request(url, dont_filter=True, meta={"retry_times": 1})
        assert scheduler.enqueue_request(retry)
        assert len(scheduler.queue) == 2
        other = Request(url, method="POST", body=b"x")
        assert scheduler.enqueue_request(other)
        popped = scheduler.next_request()
        assert popped is not None and popped.url.startswith("https://jogja.tribunnews.com/")
        state = redis_server.client().hget(f"{BASE}:state", scheduler.member)
        assert state == b"busy"  # marked busy in the same step as the pop
        scheduler.close("shutdown")

    asyncio.run(scenario())


# -- the shared lock ---------------------------------------------------------------------------


def test_a_backfills_nodes_share_the_outlet_lock_and_the_last_out_releases_it(
    redis_server: Any, tmp_path: Path
) -> None:
    client = redis_server.client()
    first, second = (crawler_for(redis_server.url) for _ in range(2))
    locks = [BackfillLock(crawler) for crawler in (first, second)]
    with Archive(tmp_path / "warta.db") as archive:
        runs = [archive.runs.start(SOURCE) for _ in locks]
        for lock, run in zip(locks, runs, strict=True):
            lock.acquire(archive, SOURCE, run, on_lost=print)
        assert [lock.joined for lock in locks] == [False, True]
        assert locks[0].token == locks[1].token and client.pttl(LOCK) > 0
        another_window = BackfillLock(crawler_for(redis_server.url, until="2025-11-08"))
        with pytest.raises(SourceLocked):
            another_window.acquire(archive, SOURCE, runs[0], on_lost=print)
        with pytest.raises(SourceLocked):  # an ordinary node crawl of the outlet
            RedisLocks(client, 120).acquire(SOURCE, "node-b/4242")
        counts = {"pages": 1}
        assert locks[1].finish(archive, SOURCE, runs[1], "ok", counts, None) == "ok"
        assert client.exists(LOCK) == 1  # the first node still crawls under it
        first.stats.set_value(LAST_OUT, True)
        assert locks[0].finish(archive, SOURCE, runs[0], "ok", counts, None) == "ok"
        assert client.exists(LOCK) == 0


def node_opening(redis_url: str, node: str) -> Any:
    """A node's run recorder opening its run of the backfill as spider_opened does: the
    outlet's lock taken or joined, the run opened with the writer (no answer awaited) and
    the claim queued, not sent yet (the node sends it with its next flush)."""
    from crawler.extensions import RunRecorder

    crawler = crawler_for(redis_url, WARTA_NODE=node, WARTA_WRITER_WAIT=0)
    recorder = RunRecorder(crawler)
    recorder._node_opened(crawler.spider)
    if recorder.flusher is not None:  # the test flushes; no reactor runs here
        recorder.flusher.stop()
    return recorder


def node_runs(db: Path) -> dict[str, tuple[str, str | None]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT node, status, message FROM crawl_runs ORDER BY id")
        return {node: (status, message) for node, status, message in rows}


def test_a_claim_fails_the_runs_of_a_gone_hold_never_a_joined_peers_live_run(
    redis_server: Any, tmp_path: Path
) -> None:
    """The race, in the order that loses: node-b takes the backfill's lock and opens its
    run; node-a joins and opens its run; only then is node-b's claim (close the outlet's
    runs left "running" by killed crawls) applied. The joined peer's live run must stay
    running; the run of an earlier hold, killed with its lock long expired, is closed."""
    from crawler.node_link import node_link
    from warta.writer import ArchiveWriter

    client = redis_server.client()
    killed = node_opening(redis_server.url, "node-old")
    node_link(killed.crawler).flush()  # its open and claim: then it is killed -9
    client.delete(LOCK)  # its lock's TTL ran out
    first = node_opening(redis_server.url, "node-b")  # takes the lock: claim queued
    joined = node_opening(redis_server.url, "node-a")  # joins; its open goes first
    assert (first.lock.joined, joined.lock.joined) == (False, True)
    assert first.run.lock_token == joined.run.lock_token  # one hold, shared
    assert killed.run.lock_token != first.run.lock_token  # a new hold: a new token
    node_link(first.crawler).flush()  # node-b's claim, after node-a's open
    ops = [fields[b"op"] for _, fields in client.xrange("warta:stream")]
    assert ops == [b"open", b"claim", b"open", b"open", b"claim"]
    with Archive(tmp_path / "warta.db") as archive:
        writer = ArchiveWriter(archive, redis_server.client(), claim_after=1)
        writer.start()
        writer.run(until_idle=True)
    runs = node_runs(tmp_path / "warta.db")
    assert runs["node-a"] == ("running", None), runs  # the live peer: untouched
    assert runs["node-b"] == ("running", None), runs
    status, message = runs["node-old"]
    assert status == "failed" and message and message.startswith("interrupted"), runs


# -- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["tribunjogja", "--distributed"], "--distributed needs a Redis"),
        (
            ["tribunjogja", "--distributed", "--redis", "redis://127.0.0.1:1/0"],
            "no Redis answering",
        ),
        (["tribunjogja", "--redis", "redis://127.0.0.1:1/0"], "add --distributed"),
        (["tribunjogja", "detikjogja", "--distributed"], "name exactly one SOURCE"),
        (["tribunjogja", "--distributed", "--limit", "5"], "cannot take --limit"),
    ],
)
def test_distributed_usage_errors_are_one_line(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WARTA_REDIS_URL", raising=False)
    ran = warta_in_process("crawl", *args, db=tmp_path / "warta.db")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert message in ran.stderr and len(ran.stderr.strip().splitlines()) == 1


# -- the benchmark still runs ------------------------------------------------------------------


def test_frontier_memory_benchmark_measures_bytes_per_request() -> None:
    from benchmarks.frontier_memory import measure

    result = measure(requests=200, runs=1)["median"]
    # a pickled request is hundreds of bytes; its fingerprint, a 40-hex-digit set member
    assert result["queue_per_request"] > result["seen_per_request"] > 40
    assert result["seen_per_request_after_pop"] == result["seen_per_request"]
