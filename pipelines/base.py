"""What the pipelines that use the archive share: the crawler, its stats, its archive."""

from __future__ import annotations

from crawler.archive_access import archive_for
from storage.archive import Archive


class ArchiveUsingPipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def archive(self) -> Archive:
        return archive_for(self.crawler)
