"""A crawl node's side of the archive: the stream it writes to, the writer it asks.

On a node (WARTA_REDIS_URL set) no crawl component opens the SQLite archive: the
archive lives with the one `warta writer` process (warta/writer.py), and SQLite
over a network file system is not safe. Each crawl gets a `NodeLink` instead
(`node_link(crawler)`), and the components that touch the archive in a local crawl
take their node branch through it:

- writes (run opened and closed, articles, errors, the coverage walk) become
  entries on `warta:stream` (format: crawler/node_entries.py), added in the order
  they happen, in batches: every second (the run recorder's timer), every
  BATCH entries, before each question and as the run closes. The WARC records the
  entries point at are fsynced first (`before_push`), as a local crawl fsyncs them
  before its commit;
- reads that must be exact are questions on the same stream, answered by the
  writer once every earlier entry is applied: whether the previous run finished,
  the coverage ledger, the URLs to retry. The node waits up to WARTA_WRITER_WAIT
  seconds; a writer that does not answer (stopped, far behind) leaves the node
  "cold": it walks its whole window and retries nothing, never less than a local
  crawl would fetch, while its entries wait in the stream for the writer;
- a run whose outlet lock was lost (crawler/redis_locks.py) is fenced
  (`NodeLink.fence`): its queued and later entries stay on the node, only its end
  goes, so the new holder alone writes the outlet;
- "is this listed URL archived?" (asked per link) is a set lookup in Redis,
  `warta:known`, which the writer keeps equal to url_aliases after each commit,
  plus the URLs this node pushed itself in this process;
- "which record does the archive point at for this URL?" (asked per response, for
  WARC revisits: crawler/warc_capture.py) is a lookup in the Redis hash
  `warta:latest`, URL -> pointer, which the writer keeps equal to the archive's
  `latest_warc_pointer` after each commit. The records themselves are read from
  the nodes' shared WARC folder.

Once the crawl has given up on Redis (`gave_up_on_redis`: it is stopping), the
link waits for Redis no more: batches stay queued (dropped with the link, as the
run stays open for the next one to resume), and a revisit check answers "no
original", so a response still in flight is written whole.

redis is imported only here and in crawler/redis_connection.py, which only node
mode loads.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler

from crawler import node_entries
from crawler.items import Article, WarcPointer
from crawler.redis_connection import (
    RedisUnavailable,
    gave_up_on_redis,
    key,
    node_name,
    patience_of,
    redis_for,
    retrying,
)

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

BATCH = 100  # entries added in one round trip
WRITER_WAIT = 60.0  # seconds a node waits for the writer's answer (WARTA_WRITER_WAIT)
POLL = 2  # seconds of one BLPOP: below the client's 5 s socket timeout
KNOWN = key("known")  # the writer's copy of url_aliases' URLs
LATEST = key("latest")  # the writer's copy of each URL's latest WARC pointer (JSON)


def is_node(crawler: Crawler) -> bool:
    """Whether this crawl runs as a node (WARTA_REDIS_URL set)."""
    return bool(crawler.settings.get("WARTA_REDIS_URL"))


@dataclass
class NodeLink:
    """One crawl's stream to the archive writer."""

    client: redis.Redis
    patience: float
    wait: float
    node: str
    job: str | None
    origin: str  # "replica" or "real" (storage/origin.py)
    run_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    seq: int = 0
    pending: list[dict[str, str]] = field(default_factory=list)
    pushed: set[str] = field(default_factory=set)  # URLs this node sent the writer
    before_push: list[Callable[[], None]] = field(default_factory=list)
    cold: bool = False  # the writer did not answer in time: ask it nothing more
    # the outlet's lock was lost (another crawl has the outlet): the run sends nothing
    # more but its end, which the writer records as lost_lock
    fenced: bool = False
    withheld: int = 0  # entries not sent because of that
    lock: str | None = None  # the token of the outlet's lock the run holds, once open
    # whether the crawl gave up on Redis and is stopping: then no call waits for it again
    stopping: Callable[[], bool] = field(default=lambda: False)

    # -- writing ---------------------------------------------------------------------

    def add(self, op: str, data: dict[str, Any]) -> None:
        """Queue an entry of this run; sent with the next batch."""
        if self.fenced and op != "finish":
            self.withheld += 1
            return
        self.seq += 1
        self.pending.append(node_entries.encode(op, self.run_key, self.seq, data))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Send the queued entries, in order, after making their WARC records durable."""
        if not self.pending or self.stopping():
            return
        for make_durable in self.before_push:
            make_durable()
        entries, self.pending = self.pending, []

        def send() -> None:
            pipe = self.client.pipeline(transaction=False)
            for entry in entries:
                pipe.xadd(node_entries.STREAM, entry)  # type: ignore[arg-type]  # str fields
            pipe.execute()

        # a retried batch may add some entries twice: the writer applies each seq once
        retrying(send, patience=self.patience, what="the archive stream")

    def fence(self) -> None:
        """The outlet's lock is lost: what is queued and every later entry of the run but
        its end stay here, as a local crawl's fence rolls back its batch (storage/runs.py)."""
        self.fenced = True
        self.withheld += len(self.pending)
        self.pending = []

    def article(self, item: Article) -> None:
        if self.fenced:
            self.withheld += 1
            return
        self.pushed.update(url for url in (item.url, item.fetched_url) if url)
        self.add("article", node_entries.article_data(item))

    def capture(self, url: str, pointer: WarcPointer) -> None:
        """The record written whole for a page that is not an article's: the writer
        notes it (`Archive.note_capture`) for the next revisit check."""
        if self.fenced:
            self.withheld += 1
            return
        self.add("capture", node_entries.capture_data(url, pointer))

    # -- asking ------------------------------------------------------------------------

    def ask(self, question: dict[str, Any]) -> dict[str, Any] | None:
        """The writer's answer to a question, once it applied every earlier entry; None
        when it did not answer within `wait` seconds (then the node is cold: it asks
        nothing more), or Redis stayed down (the crawl's next write then stops it)."""
        if self.cold or self.stopping():
            return None
        try:
            return self._question("ask", 0, question)  # a question changes nothing: seq 0
        except RedisUnavailable as exc:
            log.error("%s", exc)
            self.cold = True
            return None

    def open_run(self, source: str, lock: str | None = None) -> dict[str, Any] | None:
        """Record the run with the writer: {"run_id", "resume"}, or None when cold.
        Sent even when no answer is awaited: the open is the run's first entry. `lock`
        is the token of the outlet's lock the run holds (None: refused), which tells
        the writer this run from those a later claim may close."""
        data = {"source": source, "node": self.node, "job": self.job, "pid": os.getpid()}
        data["origin"] = self.origin
        data["lock"] = lock
        self.lock = lock
        self.seq += 1  # applied once, answered each time it is read
        return self._question("open", self.seq, data)

    def claim(self, source: str) -> None:
        """The run took the outlet's lock: the writer closes the outlet's runs left
        "running" by killed crawls, those of another hold than this run's (a backfill's
        joined peers share the hold, crawler/backfill.py)."""
        self.add("claim", {"source": source, "lock": self.lock})

    def _question(self, op: str, seq: int, data: dict[str, Any]) -> dict[str, Any] | None:
        reply = key("reply", uuid.uuid4().hex)
        self.pending.append(node_entries.encode(op, self.run_key, seq, data, reply=reply))
        self.flush()  # the question goes after every earlier entry
        return self._answer(reply)

    def _answer(self, reply: str) -> dict[str, Any] | None:
        remaining = self.wait
        while remaining > 0 and not self.cold:
            timeout = min(POLL, max(1, int(remaining)))
            answer = retrying(
                lambda t=timeout: self.client.blpop([reply], timeout=t),  # type: ignore[misc]
                patience=self.patience,
                what="the writer's answer",
            )
            if answer is not None:
                return dict(json.loads(answer[1]))
            remaining -= timeout
        if not self.cold:
            log.warning(
                "the archive writer did not answer within %.0fs: walking the whole window; "
                "entries wait in the stream",
                self.wait,
            )
        self.cold = True
        return None

    # -- reading -------------------------------------------------------------------------

    def has_url(self, url: str) -> bool:
        """Whether the URL led to an archived article (as far as the writer applied), or
        this node sent it."""
        if url in self.pushed:
            return True
        found = retrying(
            lambda: self.client.sismember(KNOWN, url),
            patience=self.patience,
            what="the known URLs",
        )
        return bool(found)

    def latest_pointer(self, url: str) -> WarcPointer | None:
        """The newest record the archive points at for this URL, as far as the writer
        applied; None when there is none, or Redis does not answer (the response is then
        written whole: nothing is lost)."""
        if self.stopping():
            return None
        try:
            found = retrying(
                lambda: self.client.hget(LATEST, url),
                patience=self.patience,
                what="the latest WARC records",
            )
        except RedisUnavailable as exc:
            log.warning("%s: writing the response whole", exc)
            return None
        if not found:
            return None
        try:
            return node_entries.pointer_from(json.loads(found))
        except ValueError:  # BadEntry, torn JSON: not a pointer we can refer to
            return None


_LINKS: dict[int, NodeLink] = {}  # id(crawler) -> its link; one run per crawler


def node_link(crawler: Crawler) -> NodeLink:
    """The crawl's link to the archive writer (node mode only)."""
    link = _LINKS.get(id(crawler))
    if link is None:
        settings = crawler.settings
        link = NodeLink(
            client=redis_for(crawler),
            patience=patience_of(settings),
            wait=settings.getfloat("WARTA_WRITER_WAIT", WRITER_WAIT),
            node=node_name(settings),
            job=settings.get("WARTA_JOB") or None,
            origin="replica" if settings.get("WARTA_REPLICA_URL") else "real",
            stopping=lambda: gave_up_on_redis(crawler),
        )
        _LINKS[id(crawler)] = link
    return link


def release_link(crawler: Crawler) -> None:
    """The crawl is over: send what is queued and forget its link."""
    link = _LINKS.pop(id(crawler), None)
    if link is not None:
        link.flush()


def drop_link(crawler: Crawler) -> None:
    """The crawl is over and Redis is gone: forget its link and what it still queued
    (the writer's archive keeps the run open; the next run resumes and fetches again)."""
    _LINKS.pop(id(crawler), None)
