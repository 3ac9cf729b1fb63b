"""One outlet's backfill spread over several nodes: a shared frontier in Redis.

`warta crawl SOURCE --since 2020-01-01 --distributed --redis URL` on two machines
(or twice on one) crawls one window of one outlet together. Scrapy's scheduler is
replaced by scrapy-redis 0.9.1's (`SCHEDULER_PERSIST` forced on), with these keys,
one set per backfill:

    warta:frontier:{source}:{since}..{until}[:{section}]:requests   sorted set (queue)
    …:seen    set of request fingerprints (the shared duplicate filter)
    …:state   hash member -> "busy" | "idle"
    …:beat    hash member -> Redis TIME of the member's last heartbeat
    …:done    hash by -> the member that completed the frontier, lost -> "1" | "0"

**Which backfill.** The same source and the same since..until window (plus the
section, if one is given) is the same backfill on every node: that is what an
operator types twice. `until` defaults to today, so a backfill started on two
machines either side of midnight would be two backfills: give `--until` for one
spanning days. A member is `{node}/{pid}`.

**Seeding.** Every node runs its spider's own `async start()` (scrapy-redis's
`RedisSpider` needs the `start_requests` Scrapy 2.16 removed): the first node's
seeds enter the queue, the next node's are already in `…:seen` and are dropped.

**Fingerprints.** scrapy-redis's `RFPDupeFilter` hashes its own JSON of method,
canonical URL and body; ours keeps its Redis set but asks the crawl's own
`request_fingerprinter`, so the shared filter drops exactly what Scrapy's local
one would (meta and cb_kwargs never count; `dont_filter` requests, such as
retries, bypass it as they do locally).

**Two steps made atomic** (Lua), where plain scrapy-redis has a gap:
- push: "add to seen, and queue if new" is one step. A node dying between the
  two would leave a URL seen by every node and queued by none.
- pop: taking a request and marking the member busy is one step, so no peer can
  see an empty queue and every member idle while a request is out.

Requests travel as scrapy-redis's queue encodes them (a pickle of `Request.to_dict`:
callbacks by spider method name, cb_kwargs and meta whole); our push and pop call
that encoding (`_encode_request`, `_decode_request`), one reason the version is
pinned (pyproject.toml, the `distributed` extra).

**Ending.** A node whose local work is done (Scrapy's `spider_idle`) marks
itself idle and stays open (`DontCloseSpider`) while the queue holds requests or
a live peer is busy: a busy peer's listing pages may still queue articles. The
first node to find the queue empty and no live member busy completes it: the
others leave on their next check, and it waits until no peer with a fresh
heartbeat remains (a peer killed while idle ages out), then, last out, deletes
the backfill's keys: the frontier is done and the archive is the record. A re-run of the same
backfill is then a fresh walk: it fetches the listing pages again, and no article
already archived (`follow_listing`).
Scrapy-redis without PERSIST would instead have the *first* node to finish
delete the queue and filter under the others' feet; we never flush on close.

**A dead node.** A peer whose heartbeat is older than WARTA_FRONTIER_PEER_TIMEOUT
seconds no longer counts. The requests it had popped and not finished are lost
from the queue (as in plain scrapy-redis), so the last node out records
`warta/frontier = complete_with_lost_peers` and warns; the run does not certify
coverage anyway (below), and a re-run of the backfill fetches exactly what is
missing, since archived articles are skipped.

**A node that stops early** (SIGTERM, a failed archive) leaves without claiming
the backfill done; whatever it left queued stays for the others or a re-run.

**Redis gone past the patience** (WARTA_REDIS_PATIENCE): the node stops as any
node does (crawler/redis_locks.py `give_up_on_redis`: one error line), and from then
on its scheduler waits for Redis no more: it queues and pops nothing, sends no
heartbeat, and leaves without a word, so the peers count it gone once its heartbeat
is old, as they count a killed node (above).

**Coverage.** Each node walks only part of the window's listings: a distributed
run adds the URLs it listed to the coverage ledger but never marks a day
walked or complete (crawler/spiders/base.py `close_coverage`). A later normal
run (the nightly one, or a single-node run of the window) certifies it,
fetching listing pages only.

Only imported in distributed mode: redis and scrapy_redis are not needed on one
machine (crawler/spiderloader.py imports this module from `update_settings`
only when WARTA_DISTRIBUTED is on).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler.backfill import LAST_OUT, frontier_key
from crawler.extensions import crawl_run
from crawler.redis_connection import (
    RedisUnavailable,
    gave_up_on_redis,
    node_name,
    patience_of,
    redis_for,
    retrying,
)
from crawler.redis_locks import give_up_on_redis

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)
T = TypeVar("T")

HEARTBEAT = 5.0  # seconds between a member's heartbeats (WARTA_FRONTIER_HEARTBEAT)
PEER_TIMEOUT = 60.0  # seconds without a heartbeat before a peer counts as dead
STAT = "warta/frontier"  # complete | complete_with_lost_peers | left | gone (spider_idle, close)

# The settings a distributed crawl runs with (priority cmdline: an -s cannot undo them).
SETTINGS = {
    "SCHEDULER": "crawler.frontier.FrontierScheduler",
    "SCHEDULER_PERSIST": True,  # never False: the first node out would wipe the queue
    "SCHEDULER_FLUSH_ON_START": False,
    "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    "DUPEFILTER_CLASS": "crawler.frontier.FrontierDupeFilter",
}

# KEYS: seen, queue. ARGV: fingerprint ("" = dont_filter), score, request. 1 if queued.
PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# KEYS: queue, state, beat. ARGV: member. The request, the member marked busy with it.
POP = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if #first == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], 'busy')
redis.call('HSET', KEYS[3], ARGV[1], redis.call('TIME')[1])
return first[1]
"""
# KEYS: state, beat. ARGV: member, state ("" keeps it). Heartbeat; join when a state given.
BEAT = """
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], redis.call('TIME')[1])
end
return 1
"""
# KEYS: queue, state, beat, seen, done. ARGV: member, peer timeout, leave ("1": without
# finishing), seconds the keys outlive a completion. Returns queued | waiting | done |
# last | last_lost | left | left_last.
# The first member to find the queue empty and no live peer busy completes the frontier:
# it deletes the queue and the filter at once and records itself in `done`. Any other
# member then leaves on its next check ('done'), and the completer waits until no peer
# with a fresh heartbeat remains before it deletes the rest and is the last out. So a
# peer killed while idle, whose heartbeat is still fresh, delays the end by at most the
# peer timeout instead of keeping the keys (and the filter a re-run would trust) for
# ever; should the completer die too, the keys expire.
IDLE = """
local now = tonumber(redis.call('TIME')[1])
local me = ARGV[1]
if ARGV[3] == '1' then
  redis.call('HDEL', KEYS[2], me)
  redis.call('HDEL', KEYS[3], me)
  for _, member in ipairs(redis.call('HKEYS', KEYS[3])) do
    if now - tonumber(redis.call('HGET', KEYS[3], member)) <= tonumber(ARGV[2]) then
      return 'left'
    end
  end
  return 'left_last'
end
local by = redis.call('HGET', KEYS[5], 'by')
if by and by ~= me then  -- another member completed it
  redis.call('HDEL', KEYS[2], me)
  redis.call('HDEL', KEYS[3], me)
  return 'done'
end
redis.call('HSET', KEYS[2], me, 'idle')
redis.call('HSET', KEYS[3], me, now)
if not by then
  if redis.call('ZCARD', KEYS[1]) > 0 then return 'queued' end
  local states = redis.call('HGETALL', KEYS[2])
  local lost = '0'
  for i = 1, #states, 2 do
    local member, state = states[i], states[i + 1]
    if member ~= me and state == 'busy' then
      local beat = tonumber(redis.call('HGET', KEYS[3], member) or '0')
      if now - beat <= tonumber(ARGV[2]) then return 'waiting' end
      lost = '1'  -- died with requests popped and not finished
    end
  end
  redis.call('DEL', KEYS[1], KEYS[4])
  redis.call('HSET', KEYS[5], 'by', me, 'lost', lost)
  for i = 2, 5 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
end
for _, member in ipairs(redis.call('HKEYS', KEYS[3])) do
  if member ~= me and now - tonumber(redis.call('HGET', KEYS[3], member)) <= tonumber(ARGV[2]) then
    return 'waiting'
  end
end
local lost = redis.call('HGET', KEYS[5], 'lost') == '1'
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return lost and 'last_lost' or 'last'
"""


def apply_settings(settings: BaseSettings) -> None:
    """Make a crawl's settings distributed: the frontier scheduler, persistence forced."""
    if not settings.get("WARTA_REDIS_URL"):
        raise ValueError("WARTA_DISTRIBUTED needs WARTA_REDIS_URL (--redis URL)")
    settings.setdict(SETTINGS, priority="cmdline")


def member_name(settings: BaseSettings) -> str:
    return f"{node_name(settings)}/{os.getpid()}"


class FrontierDupeFilter(RFPDupeFilter):
    """scrapy-redis's Redis-set filter, with the crawl's own request fingerprints."""

    def __init__(self, server: redis.Redis, key: str, crawler: Crawler) -> None:
        super().__init__(server, key=key, debug=crawler.settings.getbool("DUPEFILTER_DEBUG"))
        self.fingerprinter = crawler.request_fingerprinter

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler over one backfill's keys; ends only when every node is done."""

    def __init__(self, crawler: Crawler, server: redis.Redis) -> None:
        super().__init__(server, persist=True, queue_cls=SETTINGS["SCHEDULER_QUEUE_CLASS"])
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.member = member_name(settings)
        self.patience = patience_of(settings)
        self.heartbeat_every = settings.getfloat("WARTA_FRONTIER_HEARTBEAT", HEARTBEAT)
        self.peer_timeout = settings.getfloat("WARTA_FRONTIER_PEER_TIMEOUT", PEER_TIMEOUT)
        # Requests held in this node's downloader at most: what the outlet lets it fetch at
        # once. Scrapy would pop up to CONCURRENT_REQUESTS and queue them locally, starving
        # the peers, which look at the shared queue only at their idle checks (every 5 s).
        self.hold_at_most = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.base = ""
        self.left: str | None = None  # how this member left the frontier, once it has
        self.beating: AsyncioLoopingCall | LoopingCall | None = None
        self.scripts = {name: server.register_script(src) for name, src in _SCRIPTS.items()}
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        server = redis_for(crawler)
        retrying(server.ping, patience=patience_of(crawler.settings), what="the frontier")
        return cls(crawler, server)

    def keys(self, *names: str) -> list[str]:
        return [f"{self.base}:{name}" for name in names]

    def redis(self, call: Callable[[], T], what: str) -> T:
        return retrying(call, patience=self.patience, what=f"the frontier ({what})")

    def redis_or(self, fallback: T, call: Callable[[], T], what: str) -> T:
        """`redis(call, what)`; `fallback` once the crawl has given up on Redis (not
        asked: no second wait), or when this call gives up on it (the crawl stops)."""
        if gave_up_on_redis(self.crawler):
            return fallback
        try:
            return self.redis(call, what)
        except RedisUnavailable as exc:
            give_up_on_redis(self.crawler, exc)
            return fallback

    # -- Scrapy's scheduler interface -------------------------------------------------

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.base = frontier_key(spider)  # type: ignore[arg-type]  # a SourceSpider
        self.queue_key, self.dupefilter_key = self.keys("requests", "seen")
        self.queue = PriorityQueue(self.server, spider, self.queue_key)
        self.df = FrontierDupeFilter(self.server, self.dupefilter_key, self.crawler)
        self._beat("busy")  # busy until its own start() and first requests are done
        queued = self.redis(lambda: len(self.queue), "length")
        spider.logger.info("frontier %s as %s: %d requests queued", self.base, self.member, queued)
        self.beating = create_looping_call(self._beat, "")
        self.beating.start(self.heartbeat_every, now=False)

    def close(self, reason: str) -> None:
        """Never flush (scrapy-redis would, without PERSIST): others may still crawl."""
        if self.beating is not None and self.beating.running:
            self.beating.stop()
        if self.left is not None:
            return
        if gave_up_on_redis(self.crawler):  # leaving would wait out the patience again
            self._gone(reason="Redis unavailable")
            return
        try:  # stopped before the frontier was done: leave, claim nothing
            self._leave()
        except RedisUnavailable as exc:
            self._gone(reason=str(exc))

    def _gone(self, reason: str) -> None:
        """Left without a word: the peers count this node gone once its heartbeat is old."""
        self.left = "gone"
        self.stats.set_value(STAT, "gone")
        log.warning(
            "frontier %s: left without telling the peers (%s); they count this node gone "
            "after %.0fs without its heartbeat",
            self.base,
            reason,
            self.peer_timeout,
        )

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        data = self.queue._encode_request(request)
        queued = self.redis_or(
            None,  # stopping for Redis: not queued (a re-run of the backfill fetches it)
            lambda: self.scripts["push"](
                keys=self.keys("seen", "requests"), args=[fingerprint, -request.priority, data]
            ),
            "push",
        )
        if queued is None:
            return False
        if not queued:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self._holding() >= self.hold_at_most:  # leave the rest to the peers
            return None
        data = self.redis_or(
            None,
            lambda: self.scripts["pop"](
                keys=self.keys("requests", "state", "beat"), args=[self.member]
            ),
            "pop",
        )
        if data is None:
            return None
        self.stats.inc_value("scheduler/dequeued/redis")
        request: Request = self.queue._decode_request(data)
        return request

    def has_pending_requests(self) -> bool:
        return bool(self.redis_or(0, lambda: len(self.queue), "length"))

    def _holding(self) -> int:
        """Requests in this node's downloader: being fetched or waiting for their slot."""
        try:
            engine = self.crawler.engine
        except RuntimeError:  # no crawl running: the scheduler used on its own (benchmarks)
            return 0
        return len(engine.downloader.active)

    # -- ending -----------------------------------------------------------------------

    def spider_idle(self, spider: Spider) -> None:
        """This node's work is done: close only when the whole backfill is."""
        if self.left is not None or gave_up_on_redis(self.crawler):
            return  # stopping for Redis: `close` tells no peer
        try:
            if crawl_run(self.crawler).refused:  # it crawled nothing: claim nothing either
                self._leave()
                return
            outcome = self._idle(leave=False)
        except RedisUnavailable as exc:
            give_up_on_redis(self.crawler, exc)
            return
        if outcome in ("queued", "waiting"):
            raise DontCloseSpider(f"frontier {outcome}")
        self.left = outcome
        lost = outcome.endswith("_lost")
        self.stats.set_value(STAT, "complete_with_lost_peers" if lost else "complete")
        if lost:
            spider.logger.warning(
                "frontier %s: a node died mid-backfill; what it had in flight may be "
                "missing: run the same backfill again to fetch it",
                self.base,
            )
        if outcome.startswith("last"):
            self.stats.set_value(LAST_OUT, True)
            spider.logger.info("frontier %s complete; its keys deleted", self.base)

    def _leave(self) -> None:
        """Leave without claiming the backfill done: what is queued stays queued."""
        self.left = self._idle(leave=True)
        self.stats.set_value(STAT, "left")
        if self.left == "left_last":
            self.stats.set_value(LAST_OUT, True)

    def _idle(self, leave: bool) -> str:
        keys = self.keys("requests", "state", "beat", "seen", "done")
        # the keys of a completed frontier outlive it long enough for a dead peer to age out
        linger = int(3 * self.peer_timeout + 60)
        args: list[str | float] = [self.member, self.peer_timeout, "1" if leave else "0", linger]
        outcome = self.redis(lambda: self.scripts["idle"](keys=keys, args=args), "idle")
        return outcome.decode() if isinstance(outcome, bytes) else str(outcome)

    def _beat(self, state: str) -> None:
        keys = self.keys("state", "beat")
        try:  # past the patience the crawl stops, in one line (redis_or)
            beat = self.scripts["beat"]
            self.redis_or(None, lambda: beat(keys=keys, args=[self.member, state]), "beat")
        except Exception as exc:  # a lost heartbeat must not kill the reactor's loop
            log.error("frontier heartbeat failed: %s", exc)


_SCRIPTS = {"push": PUSH, "pop": POP, "beat": BEAT, "idle": IDLE}


def frontier_outcome(crawler: Crawler) -> Any:
    """How this crawl's node left the frontier (None if it is not distributed)."""
    return crawler.stats.get_value(STAT)
