"""The writer's copy of each URL's latest WARC record (`warta:latest`), which crawl nodes
read for their revisit checks (crawler/node_link.py `latest_pointer`, warta/writer.py).

Real parts: redis-server (tests/servers.py), the node side's `NodeLink`, an
`ArchiveWriter` on a SQLite file. The crawls through nodes that write the revisits
are in tests/test_stream_writer.py.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from crawler.node_link import LATEST, NodeLink
from crawler.redis_locks import RedisLocks
from storage.archive import Archive
from storage.warc import WarcPointer
from warta.writer import ArchiveWriter, pointer_json

SOURCE = "tribunjogja"
LISTING = "https://jogja.tribunnews.com/jogja"
POINTER = WarcPointer("warta-1-00000-node.warc.gz", 0, 812, "<urn:uuid:1>", "sha1:AAAA")


def opened_link(client: Any) -> NodeLink:
    link = NodeLink(client=client, patience=0, wait=0, node="node-a", job=None, origin="real")
    token = RedisLocks(client, ttl=120).acquire(SOURCE, "node-a/1")
    link.open_run(SOURCE, lock=token)
    return link


def applied(client: Any, db: Path) -> None:
    with Archive(db) as archive:
        writer = ArchiveWriter(archive, client, claim_after=1)
        writer.start()
        writer.run(until_idle=True)


def test_a_capture_the_node_sends_is_noted_and_published_for_every_node(
    redis_server: Any, tmp_path: Path
) -> None:
    client = redis_server.client()
    link = opened_link(client)
    assert link.latest_pointer(LISTING) is None  # nothing archived yet
    link.capture(LISTING, POINTER)
    link.flush()
    db = tmp_path / "warta.db"
    applied(client, db)
    with Archive(db, readonly=True) as archive:
        assert archive.latest_warc_pointer(LISTING) == POINTER  # noted, as a local crawl
    other = NodeLink(client=client, patience=0, wait=0, node="node-b", job=None, origin="real")
    assert other.latest_pointer(LISTING) == POINTER


def test_a_fenced_run_sends_no_capture(redis_server: Any, tmp_path: Path) -> None:
    client = redis_server.client()
    link = opened_link(client)
    link.fence()
    link.capture(LISTING, POINTER)
    link.flush()
    assert link.withheld == 1
    applied(client, tmp_path / "warta.db")
    assert client.hget(LATEST, LISTING) is None


def test_an_unreadable_copy_or_redis_down_means_no_original(redis_server: Any, caplog: Any) -> None:
    """The response is then written whole: never a revisit of a record not found."""
    client = redis_server.client()
    link = NodeLink(client=client, patience=0, wait=0, node="node-a", job=None, origin="real")
    client.hset(LATEST, LISTING, "{torn")
    assert link.latest_pointer(LISTING) is None
    client.hset(LATEST, LISTING, '["only", 2]')
    assert link.latest_pointer(LISTING) is None
    redis_server.stop()
    with caplog.at_level(logging.WARNING):
        assert link.latest_pointer(LISTING) is None
    assert "writing the response whole" in caplog.text


def test_a_crawl_that_gave_up_on_redis_waits_for_it_no_more(redis_server: Any, caplog: Any) -> None:
    """A response still in flight once the crawl stops for Redis (crawler/redis_locks.py
    `give_up_on_redis`) is written whole at once, and its entries stay queued: neither
    the revisit check nor the batch waits out the patience a second time."""
    client = redis_server.client()
    gave_up = False
    link = NodeLink(client=client, patience=30, wait=30, node="node-a", job=None, origin="real")
    link.stopping = lambda: gave_up
    client.hset(LATEST, LISTING, pointer_json(POINTER))
    assert link.latest_pointer(LISTING) == POINTER
    redis_server.stop()
    gave_up = True
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert link.latest_pointer(LISTING) is None
        link.capture(LISTING, POINTER)
        link.flush()
        assert link.ask({"what": "retries"}) is None
    assert time.monotonic() - started < 1  # not the 30 s of patience
    assert "retrying" not in caplog.text
    assert len(link.pending) == 1  # queued, dropped with the link (the run stays open)
