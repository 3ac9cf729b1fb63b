"""Exact deduplication against the archive.

The same canonical URL is one row (the archive pipeline then decides whether
the re-crawl changed anything). The same body under another URL of the same
source is the same article reached another way: the URL is recorded as its
alias and the item dropped. The same body at another outlet is a syndicated
copy: it keeps its own row, and the archive clusters it with the original.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.items import Article
from pipelines.base import ArchiveUsingPipeline
from storage.archive import body_hash


class DeduplicatePipeline(ArchiveUsingPipeline):
    def process_item(self, item: Article, spider=None) -> Article:
        archive = self.archive
        original = archive.url_with_body(body_hash(item.body or ""), item.source)
        if original is not None and original != item.url:
            archive.add_alias(item.url, original)
            self.stats.inc_value("warta/articles_duplicate")
            raise DropItem(f"same body as archived {original}: {item.url}")
        return item
