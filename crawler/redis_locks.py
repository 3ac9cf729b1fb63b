"""Per-outlet crawl locks in Redis: one node at a time crawls an outlet.

Past one machine the archive's SQLite lock (storage/runs.py `Locks`) cannot keep
two nodes apart, so a node takes its outlet's lock in Redis instead:

- key `warta:lock:{source}`, value the holder `"{node}/{pid}/{token}"`, where the
  token is random per acquisition: it tells this crawl's lock from a later one of
  the same process, and travels with the crawl's items (`CrawlRun.lock_token`) so
  that the stream writer can refuse writes of a crawl whose lock is gone
  (`RedisLocks.is_current`), as `Fence` does for the SQLite lock;
- taken with SET NX PX: the TTL is WARTA_LOCK_STALE_AFTER, so a dead node's lock
  expires on its own and the next crawl takes the outlet;
- renewed every WARTA_LOCK_HEARTBEAT seconds only while the value is still this
  crawl's (a Lua compare-and-pexpire), and released only by its holder (a Lua
  compare-and-delete): a node that was stalled past the TTL never extends or
  deletes the lock a newer crawl took meanwhile. It learns it lost the lock and
  stops as `lost_lock`.

A lock that vanished (expired) counts as lost, even if no one took it yet: the
crawl cannot know whether another crawl held it meanwhile. A Redis *restart*
keeps the lock only if Redis persists (appendonly, docs/deploy.md).

Every call goes through `retrying`, so a Redis outage shorter than
WARTA_REDIS_PATIENCE is waited out; a longer one stops the crawl with one error
line (`give_up_on_redis`). Redis is imported only by the calls themselves: the
single-machine crawl imports this module but never needs the package.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler
from twisted.internet import threads
from twisted.python.failure import Failure

from crawler.archive_access import stop_crawl
from crawler.redis_connection import (
    GAVE_UP,
    RedisUnavailable,
    gave_up_on_redis,
    key,
    node_name,
    patience_of,
    redis_for,
    retrying,
)
from storage.archive import Archive
from storage.runs import LOST_MESSAGE, LockHolder, RunStatus, SourceLocked

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

REDIS_UNAVAILABLE = "redis_unavailable"  # the close reason of a crawl that lost Redis

# KEYS[1] lock; ARGV[1] "/token"; ARGV[2] ttl ms. Renew only a lock that is still ours.
HEARTBEAT_LUA = """
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, -string.len(ARGV[1])) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# KEYS[1] lock; ARGV[1] "/token". Delete only a lock that is still ours.
RELEASE_LUA = """
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, -string.len(ARGV[1])) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class HeldByAnotherNode(SourceLocked):
    """Another crawl (on this node or another) holds the outlet's Redis lock."""

    def __init__(self, source: str, holder: str) -> None:
        node, _, rest = holder.partition("/")
        pid = rest.partition("/")[0]
        RuntimeError.__init__(
            self, f"source {source!r} is already being crawled by {node} (pid {pid}; Redis lock)"
        )
        self.holder = LockHolder(
            source=source,
            pid=int(pid) if pid.isdigit() else 0,
            host=node,
            run_id=None,
            acquired_at="?",  # Redis keeps no time with the lock, only its TTL
            heartbeat_at="?",
            holder=holder,
        )


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class RedisLocks:
    """The outlets' crawl locks in one Redis (`client`), each living `ttl` seconds
    unless renewed."""

    def __init__(self, client: redis.Redis, ttl: float, *, patience: float = 0.0) -> None:
        self.client = client
        self.ttl_ms = max(1, int(ttl * 1000))
        self.patience = patience
        self._heartbeat = client.register_script(HEARTBEAT_LUA)
        self._release = client.register_script(RELEASE_LUA)

    def _call(self, call: Callable[[], Any], what: str) -> Any:
        return retrying(call, patience=self.patience, what=what)

    def acquire(self, source: str, holder: str) -> str:
        """Take the lock for `holder` ("{node}/{pid}"); the token that now names this
        crawl's hold. Raises HeldByAnotherNode (a SourceLocked) naming the holder."""
        token = secrets.token_hex(16)
        value = f"{holder}/{token}"
        name = key("lock", source)
        taken = self._call(
            lambda: self.client.set(name, value, nx=True, px=self.ttl_ms), f"locking {source}"
        )
        if not taken:
            current = self.holder(source)
            # it expired between SET and GET: a lock no one holds may be taken again
            if current is None:
                return self.acquire(source, holder)
            raise HeldByAnotherNode(source, current)
        return token

    def heartbeat(self, source: str, token: str) -> bool:
        """Renew the lock's TTL; False if it is no longer this token's (expired or taken)."""
        renewed = self._call(
            lambda: self._heartbeat(keys=[key("lock", source)], args=[f"/{token}", self.ttl_ms]),
            f"the lock heartbeat of {source}",
        )
        return bool(renewed)

    def release(self, source: str, token: str) -> bool:
        """Give the lock up if it is still this token's; whether it was."""
        released = self._call(
            lambda: self._release(keys=[key("lock", source)], args=[f"/{token}"]),
            f"releasing the lock of {source}",
        )
        return bool(released)

    def holder(self, source: str) -> str | None:
        """The holder "{node}/{pid}/{token}" of the outlet's lock, None if it is free."""
        value = self._call(lambda: self.client.get(key("lock", source)), f"reading {source}")
        return _text(value)

    def is_current(self, source: str, token: str) -> bool:
        """Whether `token` still holds the outlet (the fence for a crawl's writes)."""
        holder = self.holder(source)
        return holder is not None and holder.endswith(f"/{token}")


def give_up_on_redis(crawler: Crawler, error: BaseException) -> None:
    """Redis stayed away past the node's patience (or refused a call): stop the crawl,
    saying so once."""
    if not gave_up_on_redis(crawler):
        crawler.stats.set_value(GAVE_UP, 1)
        log.error("%s; stopping the crawl", error)
    stop_crawl(crawler, REDIS_UNAVAILABLE)


class RedisLock:
    """The run recorder's lock of an outlet in node mode (crawler/extensions.py): taken,
    heartbeated and released in Redis instead of the archive's crawl_locks."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.locks = RedisLocks(
            redis_for(crawler),
            settings.getfloat("WARTA_LOCK_STALE_AFTER", 120.0),
            patience=patience_of(settings),
        )
        self.holder = f"{node_name(settings)}/{os.getpid()}"
        self.token: str | None = None
        self.on_lost: Callable[[str], None] | None = None
        self.beating = False  # a heartbeat is under way (in a thread: an outage blocks it)

    def acquire(
        self, archive: Archive | None, source: str, run_id: int, on_lost: Callable[[str], None]
    ) -> None:
        """Take the outlet's lock, or raise SourceLocked (or RedisUnavailable). `archive` is
        None on a node that sends its writes to the archive writer (crawler/node_link.py)."""
        self.token = self.locks.acquire(source, self.holder)
        self.on_lost = on_lost
        log.info("took the Redis lock of %s as %s/%s", source, self.holder, self.token)

    def heartbeat(self, archive: Archive | None, source: str) -> None:
        """Renew the lock in a thread, so that an outage waited out never blocks the crawl."""
        if self.beating or self.token is None or gave_up_on_redis(self.crawler):
            return
        self.beating = True
        beat = threads.deferToThread(self.locks.heartbeat, source, self.token)
        beat.addCallbacks(self._beaten, self._beat_failed, callbackArgs=(archive, source))

    def _beaten(self, held: bool, archive: Archive | None, source: str) -> None:
        self.beating = False
        if not held and self.on_lost is not None:
            if archive is not None:  # this crawl's writes of the outlet stop now
                archive.locks.fence().lose(source)
            self.on_lost(source)

    def _beat_failed(self, failure: Failure) -> None:
        self.beating = False
        error = failure.value or RedisUnavailable(f"the lock heartbeat failed: {failure}")
        give_up_on_redis(self.crawler, error)  # handled here: no stray traceback

    def finish(
        self,
        archive: Archive,
        source: str,
        run_id: int,
        status: str,
        counts: Mapping[str, int],
        message: str | None,
    ) -> str:
        """Release the lock and close the run; lost_lock if the lock was no longer ours."""
        status, message = self.release(source, status, message)
        archive.runs.finish(run_id, status, counts, message=message)
        return str(status)

    def release(self, source: str, status: str, message: str | None) -> tuple[str, str | None]:
        """Release the lock: the run's (status, message), lost_lock if it was no longer ours."""
        if gave_up_on_redis(self.crawler):
            log.warning("the Redis lock of %s is left to expire on its own", source)
        elif self.token is not None:
            try:
                if not self.locks.release(source, self.token):
                    status, message = RunStatus.LOST_LOCK, LOST_MESSAGE
            except RedisUnavailable as exc:  # the TTL frees the outlet in a while
                log.warning("%s; the lock of %s expires on its own", exc, source)
        return status, message
