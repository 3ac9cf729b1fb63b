"""The Redis connection of a crawl node, and riding out a Redis outage.

Used only past one machine (WARTA_REDIS_URL set, docs/deploy.md): locks, the
shared per-outlet rate, the frontier and the item stream all live in one Redis.
Every key warta writes starts with `warta:`.

A node must not lose work when Redis restarts or stalls for a few seconds:
`retrying` repeats a call with growing pauses until WARTA_REDIS_PATIENCE runs
out, and only then gives up with a one-line `RedisUnavailable`. A process that is
asked to stop meanwhile (SIGTERM) passes its `stop` event: the wait ends at once
with `RetryStopped`, instead of outlasting the operator's patience. A Redis that
answers but refuses the URL (a wrong password, a database number it does not
have) is no outage: `RedisRefused`, at once, names the setting to fix.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

T = TypeVar("T")
KEY_PREFIX = "warta:"
FIRST_PAUSE = 0.5  # seconds before the first retry; doubles, up to LONGEST_PAUSE
LONGEST_PAUSE = 5.0
DEFAULT_PATIENCE = 120.0  # seconds a node waits out an outage (WARTA_REDIS_PATIENCE)
GAVE_UP = "warta/redis_unavailable"  # the stat of a crawl that stopped for Redis


class RedisUnavailable(RuntimeError):
    """Redis did not answer within the node's patience."""


class RetryStopped(RedisUnavailable):
    """The process was asked to stop while it waited out a Redis outage."""


class RedisRefused(RedisUnavailable):
    """Redis answered but refused the connection as the URL asks for it (password,
    database number): a configuration error, which waiting would not mend."""


def key(*parts: str) -> str:
    """A warta key: key("lock", "tribunjogja") == "warta:lock:tribunjogja"."""
    return KEY_PREFIX + ":".join(parts)


def node_name(settings: BaseSettings) -> str:
    """This node's name: WARTA_NODE, or the machine's host name."""
    return str(settings.get("WARTA_NODE") or socket.gethostname())


def redis_for(crawler: Crawler) -> redis.Redis:
    """The process's client of the crawler's WARTA_REDIS_URL (one per URL)."""
    url = crawler.settings.get("WARTA_REDIS_URL")
    if not url:
        raise ValueError("WARTA_REDIS_URL is not set: this crawl is not a node")
    return redis_from_url(str(url))


@lru_cache(maxsize=4)
def redis_from_url(url: str) -> redis.Redis:
    """A client of `url`. Short socket timeouts: a stalled server is an outage to wait
    out with `retrying`, not a crawl thread blocked for minutes."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def gave_up_on_redis(crawler: Crawler) -> bool:
    """Whether this crawl is stopping for Redis (crawler/redis_locks.py
    `give_up_on_redis`): its other Redis calls need not wait again."""
    return bool(crawler.stats.get_value(GAVE_UP))


def patience_of(settings: BaseSettings) -> float:
    return settings.getfloat("WARTA_REDIS_PATIENCE", DEFAULT_PATIENCE)


def retrying(
    call: Callable[[], T],
    *,
    patience: float,
    what: str,
    stop: threading.Event | None = None,
) -> T:
    """`call()`, repeated through connection errors, timeouts and a full Redis (the
    operator may make room meanwhile) for up to `patience` seconds with doubling
    pauses; then RedisUnavailable naming `what` failed. Once `stop` is set, a failing
    call is not waited for: RetryStopped at once. A refused URL: RedisRefused at once."""
    deadline = time.monotonic() + patience
    pause = FIRST_PAUSE
    while True:
        try:
            return call()
        except Exception as exc:
            if _refused(exc):
                why = str(exc).rstrip(".")
                raise RedisRefused(
                    f"Redis refused the connection for {what}: {why}; check the password "
                    "and database number of the Redis URL (--redis, WARTA_REDIS_URL)"
                ) from exc
            if not _outage(exc):
                raise
            if stop is not None and stop.is_set():
                raise RetryStopped(f"stopped while Redis was unavailable for {what}") from exc
            if time.monotonic() + pause > deadline:
                raise RedisUnavailable(f"Redis unavailable for {what}: {exc}") from exc
            log.warning("Redis unavailable for %s (%s); retrying in %.1fs", what, exc, pause)
            # a signal handler that sets `stop` ends this wait (time.sleep would resume)
            if stop is None:
                time.sleep(pause)
            elif stop.wait(pause):
                raise RetryStopped(f"stopped while Redis was unavailable for {what}") from exc
            pause = min(pause * 2, LONGEST_PAUSE)


def _outage(exc: Exception) -> bool:
    """Whether a Redis error may pass if waited out: no connection, no answer in time,
    or a full Redis refusing writes (maxmemory with noeviction, docs/deploy.md)."""
    import redis

    return isinstance(exc, redis.ConnectionError | redis.TimeoutError | redis.OutOfMemoryError)


def _refused(exc: Exception) -> bool:
    """Whether a Redis error is its refusal of the connection itself (a wrong password,
    no password given, a database it does not have), not a failed command."""
    import redis

    if isinstance(exc, redis.AuthenticationError):  # a ConnectionError to redis-py
        return True
    text = str(exc)
    return text.startswith(("DB index is out of range", "NOAUTH", "WRONGPASS")) or (
        "must be called with the client already authenticated" in text
    )
