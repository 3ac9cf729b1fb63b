"""The one archive writer: `warta writer` stores what crawl nodes put on the stream.

SQLite has one writer, and its locking does not hold over a network file system,
so nodes never open the archive (crawler/node_link.py). They add entries to the
Redis stream `warta:stream` (format: crawler/node_entries.py); this process reads
them with the consumer group `writers` and applies them through the archive's
normal path: the same dedupe and store steps a local crawl's pipelines run
(versions, story clusters, FTS), the same run, error and coverage SQL.

Delivery is at least once, and applying is exactly once:

- a batch of entries is applied in one SQLite transaction (the Archive's batch
  limits are lifted, so nothing commits midway), which also records, per node
  run, the number of the last entry applied (storage/stream_runs.py). An entry
  read again (after a crash between commit and XACK, or added twice by a node
  retrying through a Redis outage) is skipped by that number;
- only after the commit are the known URLs and the URLs' latest WARC records
  published (`warta:known`, `warta:latest`: crawler/node_link.py), questions
  answered, and the entries acknowledged (XACK) and deleted (XDEL): the stream
  holds what is not applied yet, nothing more;
- one writer at a time holds `warta:writer` (a key with a TTL of `claim_after`
  seconds, renewed every loop). A writer killed with kill -9 leaves its lock to
  expire and its read but unacknowledged entries pending in the group; the next
  writer, once it holds the lock, takes them all over with XAUTOCLAIM (every
  pending entry is a dead writer's: the lock says no other writer lives) and
  applies them before reading new ones, so entries are applied in stream order;
- a node run closed by another hold's claim (its lock expired while the node was
  paused, and another crawl took the outlet) is fenced (storage/stream_runs.py):
  what it sends after that claim is not applied, only its end, as lost_lock;
- an entry that cannot be read (another format, torn JSON) is moved to
  `warta:stream:dead` with the reason, and acknowledged: one line in the log,
  nothing lost, the stream not blocked.

Questions (op `open`, `ask`) are answered once every entry before them is
applied, so a node reads the archive as a local crawl would at that point.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from crawler import node_entries
from crawler.node_entries import BadEntry
from crawler.redis_connection import key, retrying
from pipelines.archive import store
from pipelines.base import CountingStats
from pipelines.dedupe import DuplicateArticle, deduplicate
from storage import coverage
from storage.archive import Archive, ArchiveError
from storage.runs import LOST_MESSAGE, RunStatus
from storage.stream_runs import StreamRuns, known_urls, latest_pointers
from storage.warc import WarcPointer

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

LOCK = key("writer")
DEAD = key("stream", "dead")
KNOWN = key("known")
LATEST = key("latest")
REPLY_TTL = 600  # seconds an unread answer is kept
BATCH = 200  # entries read (and committed) at once
NEVER = 10**12  # the Archive's batch limits: only the writer commits

# renew the writer lock only while this process holds it (compare and expire)
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


class WriterLockLost(RuntimeError):
    """Another writer took the stream over (this one was paused past claim_after)."""


@dataclass
class Progress:
    applied: int = 0  # entries applied (skipped repeats not included)
    repeats: int = 0  # entries read again and skipped: already applied
    dead: int = 0
    fenced: int = 0  # entries of a run whose lock was gone when it sent them: not applied
    started: float = field(default_factory=time.monotonic)


@dataclass
class Published:
    """A batch's effects outside this process, sent only once it committed."""

    ids: list[bytes] = field(default_factory=list)  # the entries: acknowledged
    known: list[str] = field(default_factory=list)  # URLs that led to an article
    recaptured: set[str] = field(default_factory=set)  # URLs given a WARC record
    latest: dict[str, str] = field(default_factory=dict)  # their latest pointer (JSON)
    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    dead: list[tuple[bytes, dict[bytes, bytes], str]] = field(default_factory=list)


class ArchiveWriter:
    """Reads the stream into one archive; `run()` until stopped or idle."""

    def __init__(
        self,
        archive: Archive,
        client: redis.Redis,
        *,
        patience: float = 120.0,
        claim_after: float = 10.0,
        consumer: str | None = None,
        batch: int = BATCH,
    ) -> None:
        self.archive = archive
        archive.batch_size, archive.batch_seconds = NEVER, float(NEVER)
        self.client = client
        self.patience = patience
        self.claim_after = claim_after
        self.consumer = consumer or f"{socket.gethostname()}/{os.getpid()}"
        self.batch = batch
        self.runs = StreamRuns(archive)
        self.progress = Progress()
        self.stopping = False
        # set with `stopping`: it ends a wait for Redis at once (a signal handler sets
        # it, and an Event's wait returns where time.sleep would sleep on)
        self.stopped = threading.Event()

    # -- Redis calls -------------------------------------------------------------------

    def redis(self, call: Callable[[], Any], what: str) -> Any:
        """`call` through a Redis outage; RetryStopped at once if the writer is stopped
        meanwhile (nothing is lost: what is not acknowledged stays pending)."""
        return retrying(call, patience=self.patience, what=what, stop=self.stopped)

    # -- starting ----------------------------------------------------------------------

    def start(self) -> None:
        """Take the writer lock (waiting for a dead writer's to expire), create the group,
        take over what dead writers left pending, publish the known URLs and records."""
        self._wait_for_lock()
        if self.stopping:  # stopped while another writer held the stream: take nothing
            return
        try:
            self.redis(
                lambda: self.client.xgroup_create(
                    node_entries.STREAM, node_entries.GROUP, id="0", mkstream=True
                ),
                "the stream's consumer group",
            )
        except Exception as exc:  # the group exists already: the usual case
            if "BUSYGROUP" not in str(exc):
                raise
        self._claim_pending()
        self.renew()
        self._publish_all_known()
        self._publish_all_latest()

    def _wait_for_lock(self) -> None:
        waited = False
        ttl = int(self.claim_after * 1000)
        while not self.redis(
            lambda: self.client.set(LOCK, self.consumer, nx=True, px=ttl), "the writer lock"
        ):
            if not waited:
                holder = self.redis(lambda: self.client.get(LOCK), "the writer lock")
                log.warning("another writer holds the stream (%s): waiting", holder)
                waited = True
            if self.stopping or self.stopped.wait(min(1.0, self.claim_after / 4)):
                return

    def renew(self) -> None:
        """Keep the writer lock; one that lapsed (a slow start, a pause) is taken again if
        no other writer took it meanwhile (applying twice is harmless: seq says so)."""
        ttl = int(self.claim_after * 1000)
        renewed = self.redis(
            lambda: self.client.eval(_RENEW, 1, LOCK, self.consumer, ttl), "the writer lock"
        ) or self.redis(
            lambda: self.client.set(LOCK, self.consumer, nx=True, px=ttl), "the writer lock"
        )
        if not renewed:
            raise WriterLockLost("another writer took the stream over; stopping")

    def _claim_pending(self) -> None:
        """Every pending entry is a dead writer's (we hold the lock): take them over."""
        cursor = "0-0"
        claimed = 0
        while True:
            answer = self.redis(
                lambda c=cursor: self.client.xautoclaim(  # type: ignore[misc]
                    node_entries.STREAM,
                    node_entries.GROUP,
                    self.consumer,
                    min_idle_time=0,
                    start_id=c,
                    count=BATCH,
                ),
                "pending entries",
            )
            cursor, ids = answer[0], answer[1]
            claimed += len(ids)
            if cursor in (b"0-0", "0-0"):
                break
        if claimed:
            log.warning("took over %d entries a stopped writer had not acknowledged", claimed)

    def _publish_all_known(self) -> None:
        """warta:known = every URL of url_aliases."""
        chunks = known_urls(self.archive)
        self._swap_in(
            KNOWN, "the known URLs", chunks, lambda key, urls: self.client.sadd(key, *urls)
        )

    def _publish_all_latest(self) -> None:
        """warta:latest = each URL's latest WARC pointer."""
        chunks = (
            {url: pointer_json(pointer) for url, pointer in chunk}
            for chunk in latest_pointers(self.archive)
        )
        self._swap_in(
            LATEST,
            "the latest WARC records",
            chunks,
            lambda key, mapping: self.client.hset(key, mapping=mapping),
        )

    def _swap_in(
        self, key: str, what: str, chunks: Iterable[Any], add: Callable[[str, Any], Any]
    ) -> None:
        """Build `key` aside, `add`ing each chunk to it, then swap it in: nodes never read
        a half-built copy. No chunk at all: the key is deleted."""
        building = key + ":building"
        self.redis(lambda: self.client.delete(building), what)
        filled = False
        for chunk in chunks:
            filled = True
            self.redis(lambda c=chunk: add(building, c), what)  # type: ignore[misc]
        if filled:
            self.redis(lambda: self.client.rename(building, key), what)
        else:
            self.redis(lambda: self.client.delete(key), what)

    # -- the loop ------------------------------------------------------------------------

    def read(self, new: bool, block_ms: int) -> list[tuple[bytes, dict[bytes, bytes] | None]]:
        """This consumer's pending entries (new=False), or entries no one read yet."""
        answer = self.redis(
            lambda: self.client.xreadgroup(
                node_entries.GROUP,
                self.consumer,
                {node_entries.STREAM: ">" if new else "0"},
                count=self.batch,
                block=block_ms if new and block_ms > 0 else None,  # 0 would block for ever
            ),
            "the archive stream",
        )
        if not answer:
            return []
        return list(answer[0][1])

    def step(self, block_ms: int = 1000) -> int:
        """Apply one batch (pending first, else new entries, waiting up to `block_ms` for
        some; 0: not waiting); how many were read."""
        self.renew()
        entries = self.read(new=False, block_ms=0) or self.read(new=True, block_ms=block_ms)
        if entries:
            self.apply_batch(entries)
        return len(entries)

    def run(self, *, until_idle: bool = False, progress_every: float = 0) -> Progress:
        """Apply batches until `stopping` is set (SIGTERM) or, with until_idle, the stream
        has nothing more; finishing the batch at hand either way."""
        last_line = time.monotonic()
        while not self.stopping:
            read = self.step()
            if progress_every and time.monotonic() - last_line >= progress_every:
                log.warning("%s", self.progress_line())
                last_line = time.monotonic()
            if until_idle and not read:
                break
        return self.progress

    def stop(self) -> None:
        """Finish the batch at hand, then return from run(); a wait for Redis ends at once
        (RetryStopped)."""
        self.stopping = True
        self.stopped.set()

    def release(self) -> None:
        """Give up the writer lock (a clean exit: the next writer need not wait)."""
        self.redis(
            lambda: self.client.eval(
                _RELEASE,
                1,
                LOCK,
                self.consumer,
            ),
            "the writer lock",
        )

    def progress_line(self) -> str:
        seconds = max(time.monotonic() - self.progress.started, 1e-9)
        waiting = self.redis(lambda: self.client.xlen(node_entries.STREAM), "the archive stream")
        p = self.progress
        fenced = f", {p.fenced} fenced (sent after their lock was gone)" if p.fenced else ""
        return (
            f"writer: {p.applied} entries applied ({p.applied / seconds:.0f}/s), "
            f"{p.repeats} repeats skipped, {p.dead} unreadable, {waiting} in the stream"
            f"{fenced}"
        )

    # -- one batch ------------------------------------------------------------------------

    def apply_batch(self, entries: list[tuple[bytes, dict[bytes, bytes] | None]]) -> None:
        """Apply entries in one transaction; then publish, answer, acknowledge."""
        self._after_commit(self.commit(entries))

    def commit(self, entries: list[tuple[bytes, dict[bytes, bytes] | None]]) -> Published:
        """Apply entries and commit them; what nothing outside this process knows of
        until `_after_commit` sends it."""
        published = Published(ids=[entry_id for entry_id, _ in entries])
        for entry_id, fields_ in entries:
            if not fields_:  # deleted from the stream while pending: nothing to apply
                continue
            try:
                op, run, seq, data, reply = node_entries.decode(fields_)
                answer = self.apply(op, run, seq, data, published)
            except BadEntry as exc:
                published.dead.append((entry_id, fields_, str(exc)))
                continue
            if reply is not None and answer is not None:
                published.replies.append((reply, answer))
        self.archive.flush()  # the commit: everything else only after it
        for url in published.recaptured:  # as the archive has it now (a duplicate: none)
            pointer = self.archive.latest_warc_pointer(url)
            if pointer is not None:
                published.latest[url] = pointer_json(pointer)
        return published

    def _after_commit(self, published: Published) -> None:
        def send() -> None:
            pipe = self.client.pipeline(transaction=True)
            if published.known:
                pipe.sadd(KNOWN, *published.known)
            if published.latest:
                pipe.hset(LATEST, mapping=published.latest)  # type: ignore[arg-type]
            for reply, answer in published.replies:
                pipe.rpush(reply, json.dumps(answer))
                pipe.expire(reply, REPLY_TTL)
            for entry_id, fields_, why in published.dead:
                kept: dict[bytes, bytes] = {**fields_, b"dead_id": entry_id}
                pipe.xadd(DEAD, {**kept, b"dead_reason": why.encode()})  # type: ignore[dict-item]
            pipe.xack(node_entries.STREAM, node_entries.GROUP, *published.ids)
            pipe.xdel(node_entries.STREAM, *published.ids)
            pipe.execute()

        self.redis(send, "the archive stream")
        for entry_id, _, why in published.dead:
            log.error("unreadable stream entry %s moved to %s: %s", entry_id.decode(), DEAD, why)
        self.progress.dead += len(published.dead)

    def apply(
        self, op: str, run: str, seq: int, data: dict[str, Any], published: Published
    ) -> dict[str, Any] | None:
        """Apply one entry in the open batch; the answer to send, for a question."""
        try:
            if op == "open":
                return self._open(run, seq, data)
            if op == "ask":
                return self._ask(data)
            if op not in APPLIERS:
                raise BadEntry(f"unknown op {op!r}")
            known = self.runs.get(run)
            if known is None:
                raise BadEntry(f"{op} of run {run}, which never opened")
            if seq <= known.last_seq:
                self.progress.repeats += 1
                return None
            self.runs.advance(run, seq)  # first: any commit from here on includes it
            if known.fenced:  # sent after another hold claimed the outlet: its end only
                if op != "finish":
                    self.progress.fenced += 1
                    return None
                data = {**data, "status": str(RunStatus.LOST_LOCK), "message": LOST_MESSAGE}
            APPLIERS[op](self, run, known.run_id, data, published)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, BadEntry):
                raise
            raise BadEntry(f"{op}: {type(exc).__name__}: {exc}") from None
        self.progress.applied += 1
        return None

    def _open(self, run: str, seq: int, data: dict[str, Any]) -> dict[str, Any]:
        known = self.runs.get(run)
        if known is None:
            try:  # replica crawls and real ones never share an archive (storage/origin.py)
                self.archive.claim_origin(data.get("origin") or "real")
            except ArchiveError as exc:
                raise BadEntry(str(exc)) from None
            node, job, pid = data.get("node"), data.get("job"), data.get("pid")
            known = self.runs.open(run, data["source"], node, job, pid, data.get("lock"))
            self.runs.advance(run, seq)
            self.progress.applied += 1
        else:
            self.progress.repeats += 1
        return {"run_id": known.run_id, "resume": known.resume}

    def _ask(self, data: dict[str, Any]) -> dict[str, Any]:
        question = data.get("question")
        if question == "ledger":
            return ledger_answer(self.archive, data)
        if question == "unresolved_errors":
            rows = self.archive.runs.unresolved_errors(data["source"])
            return {"errors": [list(row) for row in rows]}
        raise BadEntry(f"unknown question {question!r}")

    # -- the ops that write ----------------------------------------------------------------

    def _claim(self, run: str, run_id: int, data: dict[str, Any], published: Published) -> None:
        # not the runs of the claimer's own hold: a backfill's peers that joined it
        self.runs.close_abandoned(data["source"], run_id, data.get("lock"))

    def _article(self, run: str, run_id: int, data: dict[str, Any], published: Published) -> None:
        item = node_entries.article_from(data)
        published.known.extend(url for url in (item.url, item.fetched_url) if url)
        published.recaptured.update(page.url for page in item.pages if page.warc)
        stats = CountingStats()
        try:
            item = deduplicate(item, self.archive, stats)
        except DuplicateArticle:
            self.runs.count(run, "duplicate")
            return
        self.runs.count(run, store(item, self.archive, stats).outcome)

    def _capture(self, run: str, run_id: int, data: dict[str, Any], published: Published) -> None:
        url, pointer = node_entries.capture_from(data)
        self.archive.note_capture(url, pointer)
        published.recaptured.add(url)

    def _error(self, run: str, run_id: int, data: dict[str, Any], published: Published) -> None:
        self.archive.runs.record_error(
            run_id,
            data["source"],
            data["url"],
            data["reason"],
            data.get("detail"),
            int(data.get("attempts", 1)),
        )

    def _walk(self, run: str, run_id: int, data: dict[str, Any], published: Published) -> None:
        coverage.record_walk(
            self.archive,
            data["source"],
            run_id,
            node_entries.walk_from(data["walk"]),
            certify=bool(data["certify"]),
            settled=date.fromisoformat(data["settled"]),
        )

    def _finish(self, run: str, run_id: int, data: dict[str, Any], published: Published) -> None:
        tallies = self.runs.tallies(run)
        counts = {name: int(value) for name, value in data["counts"].items()}
        counts["articles_new"] = tallies["new"]
        counts["articles_updated"] = tallies["updated"]
        counts["articles_unchanged"] = tallies["unchanged"]
        counts["articles_dropped"] = counts.get("articles_dropped", 0) + tallies["duplicate"]
        self.archive.runs.close_row(run_id, data["status"], counts, data.get("message"))


APPLIERS: dict[str, Callable[[ArchiveWriter, str, int, dict[str, Any], Published], None]] = {
    "claim": ArchiveWriter._claim,
    "article": ArchiveWriter._article,
    "capture": ArchiveWriter._capture,
    "error": ArchiveWriter._error,
    "walk": ArchiveWriter._walk,
    "finish": ArchiveWriter._finish,
}


def pointer_json(pointer: WarcPointer) -> str:
    """A record's pointer as `warta:latest` holds it (crawler/node_link.py reads it)."""
    return json.dumps(node_entries.pointer_data(pointer))


def ledger_answer(archive: Archive, data: dict[str, Any]) -> dict[str, Any]:
    """The ledger a node's run starts from (`coverage.ledger_at_start`, as a local crawl)."""
    ledger, walk_since = coverage.ledger_at_start(
        archive,
        data["source"],
        date.fromisoformat(data["since"]),
        date.fromisoformat(data["until"]),
        stop_at_known=bool(data["stop_at_known"]),
    )
    return node_entries.ledger_data(ledger, walk_since)
