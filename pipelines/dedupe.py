"""Exact deduplication against the archive.

The same canonical URL is one row (the store step then decides whether the
re-crawl changed anything). The same body under another URL of the same source
is the same article reached another way: the URL is recorded as its alias and
the item dropped. The same body at another outlet is a syndicated copy: it
keeps its own row, and the archive clusters it with the original.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.exceptions import DropItem

from crawler.items import Article
from crawler.node_link import is_node
from pipelines.base import PipelineStep, Stats, StepContext
from storage.archive import Archive, body_hash


class DuplicateArticle(DropItem):
    """The same source archived this body under another URL (`original`).

    Not an error: it has no `reason`, so crawler/errors.py records nothing.
    """

    def __init__(self, url: str, original: str) -> None:
        super().__init__(f"same body as archived {original}: {url}")
        self.url = url
        self.original = original


def deduplicate(item: Article, archive: Archive, stats: Stats | None = None) -> Article:
    """The item, unless its source archived the same body under another URL: then
    that URL gains the item's as an alias and `DuplicateArticle` is raised."""
    original = archive.url_with_body(body_hash(item.body or ""), item.source)
    if original is None or original == item.url:
        return item
    archive.add_alias(item.url, original)
    if stats is not None:
        stats.inc_value("warta/articles_duplicate")
    raise DuplicateArticle(item.url, original)


class DeduplicatePipeline(PipelineStep):
    @staticmethod
    def run(item: Article, context: StepContext) -> Article:
        return deduplicate(item, context.archive, context.stats)

    def process_item(self, item: Article, spider: Spider | None = None) -> Article:
        """On a crawl node the archive writer deduplicates (warta/writer.py): the node
        holds no archive to compare with."""
        if is_node(self.crawler):
            return item
        return super().process_item(item, spider)
