"""What identifies one backfill across nodes, and the outlet lock its nodes share.

crawler/frontier.py explains the distributed backfill. This module stays apart from
it (which needs scrapy_redis) so that the run recorder can take a backfill's lock
without importing the frontier.

**Which backfill.** The same source, the same since..until window and the same
section (if any) is the same backfill on every node.

**Its lock.** On a node an outlet's lock lives in Redis (crawler/redis_locks.py)
and admits one crawl. A backfill's nodes must all crawl the outlet, so they share
one hold instead: the lock's value names the backfill, not a process, and a token
the node that took the lock drew; the nodes that join the hold read the token from
the value, so renewing, releasing and `is_current` work as for any hold. A node
whose backfill holds the lock joins it; any other crawl of the outlet is refused,
and refuses the backfill's nodes while it holds the outlet. Only the last node out
of the frontier releases it; a node leaving earlier closes its run and leaves the
lock to the others (who keep renewing it; if all die, its TTL frees the outlet).

**One token per hold.** Each run carries its hold's token to the archive writer
(its `open` entry, crawler/node_link.py), and so does the taker's `claim` (close
the outlet's runs left "running" by killed crawls): the writer closes only runs of
another hold, whose lock is gone since the claimer holds it now, never a run of the
claimer's own hold, a peer that joined and opened its run before the claim was
applied. The same backfill run again after its hold ended (all its nodes killed,
the lock expired) draws a new token, so its claim does close the dead hold's runs.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import date
from typing import Protocol

from scrapy.crawler import Crawler

from crawler.redis_connection import RedisUnavailable, gave_up_on_redis, key
from crawler.redis_locks import HeldByAnotherNode, RedisLock
from storage.archive import Archive
from storage.runs import LOST_MESSAGE, RunStatus

log = logging.getLogger(__name__)

SHARED_HOLDER = "backfill|"  # how a lock held by a backfill (not a process) begins
# Set by the frontier on the node that left it with no other live node in it: that
# node releases the backfill's shared lock.
LAST_OUT = "warta/frontier_last_out"


class Window(Protocol):
    """A source spider's window (crawler/spiders/base.py)."""

    name: str
    section: str | None

    @property
    def since(self) -> date: ...

    @property
    def until(self) -> date: ...


def backfill_id(spider: Window) -> str:
    """The backfill this crawl is part of: "source:since..until[:section]"."""
    window = f"{spider.since.isoformat()}..{spider.until.isoformat()}"
    return ":".join([spider.name, window] + ([spider.section] if spider.section else []))


def frontier_key(spider: Window) -> str:
    """The common prefix of the backfill's Redis keys: warta:frontier:{backfill id}."""
    return key("frontier", backfill_id(spider))


def shared_holder(spider: Window) -> str:
    """The lock holder every node of one backfill shares."""
    return SHARED_HOLDER + backfill_id(spider)


def hold_token(value: str) -> str:
    """The token of a lock value "{holder}/shared/{token}"."""
    return value.rpartition("/")[2]


def last_out(crawler: Crawler) -> bool:
    """Whether this crawl's node left its backfill with no other live node in it."""
    return bool(crawler.stats.get_value(LAST_OUT))


class BackfillLock(RedisLock):
    """The outlet's Redis lock as the nodes of one distributed backfill share it."""

    joined = False  # True when this node joined a hold another node of the backfill took

    def acquire(
        self, archive: Archive | None, source: str, run_id: int, on_lost: Callable[[str], None]
    ) -> None:
        """Take the outlet's lock for the backfill, or join it; SourceLocked otherwise."""
        holder = shared_holder(self.crawler.spider)  # type: ignore[arg-type]  # SourceSpider
        mine = f"{holder}/shared/"
        value = mine + secrets.token_hex(16)  # a new hold's token (joiners adopt it)
        client, name, ttl = self.locks.client, key("lock", source), self.locks.ttl_ms
        taken = self.locks._call(
            lambda: client.set(name, value, nx=True, px=ttl), f"locking {source}"
        )
        if not taken:
            current = self.locks.holder(source)
            if current is None:  # expired between SET and GET: free again
                return self.acquire(archive, source, run_id, on_lost)
            if not current.startswith(mine):
                raise HeldByAnotherNode(source, current)
            value = current
            if not self.locks.heartbeat(source, hold_token(value)):  # expired meanwhile
                return self.acquire(archive, source, run_id, on_lost)
            self.joined = True
        self.token, self.on_lost = hold_token(value), on_lost

    def release(self, source: str, status: str, message: str | None) -> tuple[str, str | None]:
        """The last node out releases the lock; the others only check it is still theirs."""
        if last_out(self.crawler) or self.token is None or gave_up_on_redis(self.crawler):
            return super().release(source, status, message)
        try:
            if not self.locks.is_current(source, self.token):
                status, message = RunStatus.LOST_LOCK, LOST_MESSAGE
        except RedisUnavailable as exc:  # the run is closed all the same
            log.warning("%s; could not check the lock of %s", exc, source)
        return status, message
