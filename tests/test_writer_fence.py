"""The archive writer's fence (warta/writer.py, storage/stream_runs.py): a node run whose
outlet lock was taken over sends nothing more that the writer applies.

Real parts: redis-server (tests/servers.py), the node side's own `NodeLink` and
`RedisLocks`, an `ArchiveWriter` on a SQLite file. The order of the stream entries is
the test's: a node paused past its lock's TTL resumes and flushes what it had queued
before its heartbeat tells it the lock is gone (crawler/redis_locks.py).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from crawler.node_link import NodeLink
from crawler.redis_locks import RedisLocks
from storage.archive import Archive
from storage.runs import LOST_MESSAGE
from warta.writer import ArchiveWriter

SOURCE = "tribunjogja"
LOCK = f"warta:lock:{SOURCE}"


def link(client: Any, node: str) -> NodeLink:
    """A node's stream to the writer; it awaits no answers (wait 0)."""
    return NodeLink(client=client, patience=0, wait=0, node=node, job=None, origin="real")


def opened(client: Any, node: str, locks: RedisLocks) -> NodeLink:
    """A node run that took the outlet's lock, opened its run and claimed the outlet."""
    stream = link(client, node)
    token = locks.acquire(SOURCE, f"{node}/1")
    stream.open_run(SOURCE, lock=token)
    stream.claim(SOURCE)
    stream.flush()
    return stream


def error_and_finish(stream: NodeLink, url: str) -> None:
    stream.add("error", {"source": SOURCE, "url": url, "reason": "http_500", "detail": None})
    stream.add("finish", {"status": "ok", "message": "finished", "counts": {"pages": 3}})
    stream.flush()


def test_a_run_whose_lock_another_hold_claimed_has_only_its_end_applied_as_lost_lock(
    redis_server: Any, tmp_path: Path
) -> None:
    client = redis_server.client()
    locks = RedisLocks(client, ttl=120)
    paused = opened(client, "node-a", locks)
    client.delete(LOCK)  # node-a was paused past its lock's TTL
    taker = opened(client, "node-b", locks)  # another crawl took the outlet over
    error_and_finish(paused, "https://jogja.tribunnews.com/a")  # node-a resumes, unaware
    error_and_finish(taker, "https://jogja.tribunnews.com/b")
    db = tmp_path / "warta.db"
    with Archive(db) as archive:
        writer = ArchiveWriter(archive, client, claim_after=1)
        writer.start()
        writer.run(until_idle=True)
        assert writer.progress.fenced == 1  # node-a's error; its end is applied
        assert "1 fenced (sent after their lock was gone)" in writer.progress_line()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        runs = dict(conn.execute("SELECT node, status || ': ' || message FROM crawl_runs"))
        errors = [url for (url,) in conn.execute("SELECT url FROM crawl_errors")]
    assert runs == {"node-a": f"lost_lock: {LOST_MESSAGE}", "node-b": "ok: finished"}
    assert errors == ["https://jogja.tribunnews.com/b"]


def test_a_run_that_ended_before_the_next_hold_claimed_is_not_fenced(
    redis_server: Any, tmp_path: Path
) -> None:
    """A writer far behind applies a run's entries after its lock was released and taken
    again: what the run sent while it held the lock is all applied."""
    client = redis_server.client()
    locks = RedisLocks(client, ttl=120)
    first = opened(client, "node-a", locks)
    error_and_finish(first, "https://jogja.tribunnews.com/a")
    client.delete(LOCK)  # released as the run ended
    error_and_finish(opened(client, "node-b", locks), "https://jogja.tribunnews.com/b")
    db = tmp_path / "warta.db"
    with Archive(db) as archive:  # the writer only starts now
        writer = ArchiveWriter(archive, client, claim_after=1)
        writer.start()
        writer.run(until_idle=True)
        assert writer.progress.fenced == 0
    with contextlib.closing(sqlite3.connect(db)) as conn:
        runs = dict(conn.execute("SELECT node, status FROM crawl_runs"))
        errors = sorted(url for (url,) in conn.execute("SELECT url FROM crawl_errors"))
    assert runs == {"node-a": "ok", "node-b": "ok"}
    assert errors == ["https://jogja.tribunnews.com/a", "https://jogja.tribunnews.com/b"]
