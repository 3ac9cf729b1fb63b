"""What every pipeline step shares: the stats it counts in and the context it runs in.

A step is a plain function (`validate`, `normalise`, `deduplicate`, `store`). Each
Scrapy pipeline class wraps one step for a crawl; `pipelines.chain.process` runs
the same steps, in the same order, for callers without a crawl (`warta reparse`,
WARC import). A step drops an item by raising a `DropItem` subclass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Protocol, Self

from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.archive_access import archive_for
from crawler.items import Article
from crawler.urls import crawl_hosts
from storage.archive import Archive, StoreResult


class Stats(Protocol):
    """The part of Scrapy's stats collector the steps count with."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


@dataclass
class CountingStats:
    """Stats for a chain run outside a crawl: plain counts, readable afterwards."""

    values: Counter[str] = field(default_factory=Counter)

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count


@dataclass
class StepContext:
    """What a step may use besides the item.

    `reread` is set by a reparse: the URL of the archived row whose raw pages were
    extracted again. The row's key never moves, and it was not seen again, so an
    unchanged row is left untouched.
    """

    open_archive: Callable[[], Archive]  # called when a step first needs the archive
    stats: Stats
    hosts: Collection[str] = frozenset()  # the sources config's domains (canonical URLs)
    reread: str | None = None
    stored: StoreResult | None = None  # the store step's outcome, for the chain's caller

    @cached_property
    def archive(self) -> Archive:
        """The archive, opened on first use: validate and normalise never open it."""
        return self.open_archive()


class PipelineStep:
    """A Scrapy item pipeline that runs one step for a crawl.

    Subclasses define `run`, the adapter `pipelines.chain.process` calls too, so a
    crawl and a reparse go through the same code.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @cached_property
    def hosts(self) -> frozenset[str]:
        """The domains of the crawl's own sources config (`--sources`)."""
        return crawl_hosts(self.crawler.settings)

    def context(self) -> StepContext:
        return StepContext(partial(archive_for, self.crawler), self.stats, self.hosts)

    @staticmethod
    def run(item: Article, context: StepContext) -> Article:
        """The step, on the item, in `context`; raises a DropItem subclass to drop it."""
        raise NotImplementedError

    # Scrapy 2.13+ calls process_item(item) and warns when `spider` is required.
    def process_item(self, item: Article, spider: Spider | None = None) -> Article:
        return self.run(item, self.context())
