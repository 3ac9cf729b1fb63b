"""Live progress of a crawl: one line per source every few seconds on stderr.

Enabled by the WARTA_PROGRESS_INTERVAL setting (seconds; `warta crawl` sets it),
so `scrapy crawl` keeps Scrapy's own periodic log instead.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressReporter:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("WARTA_PROGRESS_INTERVAL")
        if not interval:
            raise NotConfigured
        return cls(crawler, interval)

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report, spider.name)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def report(self, source: str) -> None:
        print(
            progress_line(source, self.crawler.stats.get_stats(), time.monotonic() - self.started),
            file=sys.stderr,
            flush=True,
        )


def progress_line(source: str, stats: Mapping[str, Any], elapsed: float) -> str:
    pages = stats.get("response_received_count", 0)
    errors = stats.get("log_count/ERROR", 0)
    dropped = stats.get("warta/articles_dropped", 0) + stats.get("warta/articles_duplicate", 0)
    return (
        f"{source:<16} {elapsed:6.0f}s  pages {pages:>6} ({pages / max(elapsed, 1e-9):5.1f}/s)  "
        f"new {stats.get('warta/articles_new', 0):>5}  "
        f"updated {stats.get('warta/articles_updated', 0):>4}  "
        f"dropped {dropped:>4}  "
        f"errors {errors:>3}"
    )
