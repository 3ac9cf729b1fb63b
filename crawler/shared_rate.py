"""One outlet's request rate, shared by every crawl process of it (node mode).

Scrapy's DOWNLOAD_DELAY spaces the requests of one process. When several
processes crawl one outlet (a distributed frontier, or nodes taking turns),
each would keep its own delay and the outlet would see N times the rate. So on a
node (WARTA_REDIS_URL set) the delay lives in Redis instead:

- every request reserves its host's next slot atomically (a Lua script on
  `warta:rate:{host}`: slot = max(now, last slot + delay), using Redis's own
  clock so the nodes' clocks need not agree) and then waits until its slot,
  without blocking the reactor. The key is the host the request goes to, not
  the source: politeness is owed to the server, whichever crawl asks;
- the delay is the crawl's DOWNLOAD_DELAY (the source's `download_delay`, or a
  `-s DOWNLOAD_DELAY=` override), stretched by up to DOWNLOAD_DELAY_JITTER so the
  outlet sees no clockwork rhythm, but never shortened below the delay;
- the local Scrapy delay is set to 0 (`share_delay`, applied by the spider
  loader as the crawl's settings are made): the shared slot already spaces the
  requests, and a local delay on top would only slow the crawl below the
  outlet's configured rate. AutoThrottle still runs: it only adds delay when
  the outlet answers slowly, which is a back-off worth keeping;
- retries still back off (crawler/middlewares.py waits before it hands the
  retry back; the retry then takes the next shared slot like any request).

Within a process, one request at a time per host holds a reservation
(`turn`): requests waiting for the downloader do not book slots far ahead that
a stopped crawl would leave unused.

A Redis outage is waited out (`retrying`, WARTA_REDIS_PATIENCE) in a thread; a
longer one stops the crawl with one error line (`give_up_on_redis`). Off a node
the middleware is not configured and costs nothing.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, task, threads

from crawler.redis_connection import (
    RedisUnavailable,
    gave_up_on_redis,
    key,
    patience_of,
    redis_for,
    retrying,
)
from crawler.redis_locks import REDIS_UNAVAILABLE, give_up_on_redis

if TYPE_CHECKING:
    import redis

SHARED_DELAY = "WARTA_SHARED_DELAY"  # the outlet's delay, as share_delay moved it
# Why a request that waited for its slot was not sent; crawler/errors.py records its URL
# as not archived, for the next run to fetch.
NOT_SENT = f"not sent: the crawl stopped ({REDIS_UNAVAILABLE})"
KEEP_MS = 60_000  # a rate key outlives its last slot by this long, then Redis drops it

# KEYS[1] the outlet's last slot; ARGV[1] delay s; ARGV[2] ms to keep the key past it.
# Returns the seconds to wait (a string: Lua numbers come back to Redis as integers).
RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, last + tonumber(ARGV[1]))
local keep = math.ceil((slot - now) * 1000) + tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.6f', slot), 'PX', keep)
return string.format('%.6f', slot - now)
"""


def share_delay(settings: BaseSettings) -> None:
    """Move the crawl's DOWNLOAD_DELAY to the shared rate, and zero the local delays
    (at the priority they had, so a later -s still wins the usual way)."""
    priority = settings.getpriority("DOWNLOAD_DELAY") or 0
    settings.set(SHARED_DELAY, settings.getfloat("DOWNLOAD_DELAY"), priority=priority)
    settings.set("DOWNLOAD_DELAY", 0, priority=priority)
    # AutoThrottle starts at max(DOWNLOAD_DELAY, its start delay): start it at the floor
    start = settings.getpriority("AUTOTHROTTLE_START_DELAY") or 0
    settings.set("AUTOTHROTTLE_START_DELAY", 0, priority=start)


class SharedRate:
    """Downloader middleware: waits for the outlet's next shared slot before each request."""

    def __init__(self, crawler: Crawler, client: redis.Redis) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.delay = settings.getfloat(SHARED_DELAY, settings.getfloat("DOWNLOAD_DELAY"))
        self.jitter = max(0.0, settings.getfloat("DOWNLOAD_DELAY_JITTER", 0.0))
        self.patience = patience_of(settings)
        self.reserve_script = client.register_script(RESERVE_LUA)
        self.turns: dict[str, defer.DeferredLock] = {}  # host -> its reservation turn

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("WARTA_REDIS_URL"):
            # not a node: Scrapy's own delay spaces the requests. No message: with one,
            # Scrapy logs a warning in every crawl on one machine.
            raise NotConfigured
        return cls(crawler, redis_for(crawler))

    def reserve(self, host: str) -> float:
        """Book the host's next slot; seconds until it (blocking: run in a thread)."""
        delay = self.delay * random.uniform(1.0, 1.0 + self.jitter)
        wait = retrying(
            lambda: self.reserve_script(keys=[key("rate", host)], args=[delay, KEEP_MS]),
            patience=self.patience,
            what=f"the request rate of {host}",
        )
        return float(wait)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname
        if self.delay <= 0 or not host:
            return
        turn = self.turns.setdefault(host, defer.DeferredLock())
        await maybe_deferred_to_future(turn.acquire())
        try:
            if gave_up_on_redis(self.crawler):  # stopping: what waited is not sent
                raise IgnoreRequest(NOT_SENT)
            try:
                wait = await maybe_deferred_to_future(threads.deferToThread(self.reserve, host))
            except RedisUnavailable as exc:  # said once, by give_up_on_redis
                give_up_on_redis(self.crawler, exc)
                raise IgnoreRequest(NOT_SENT) from None
            if wait > 0:
                # imported here: importing the reactor installs one, and the spider loader
                # imports this module before Scrapy installs the reactor it wants
                from twisted.internet import reactor

                await maybe_deferred_to_future(task.deferLater(reactor, wait))
        finally:
            turn.release()
