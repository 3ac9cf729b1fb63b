"""Drop items that cannot be archived, with a logged and counted reason."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.items import Article

MIN_BODY_CHARS = 80  # shorter than two sentences: an empty shell, not an article


class ValidatePipeline:
    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item: Article, spider=None) -> Article:
        reason = problem(item)
        if reason:
            self.stats.inc_value("warta/articles_dropped")
            self.stats.inc_value(f"warta/dropped/{reason.split(':')[0]}")
            raise DropItem(f"{reason}: {item.fetched_url or item.url}")
        return item


def problem(item: Article) -> str | None:
    """Why an article cannot be archived, or None when it can."""
    if not item.url:
        return "no url"
    if not item.title or not item.title.strip():
        return "no title"
    if not item.body or len(item.body.strip()) < MIN_BODY_CHARS:
        return "no body"
    return None
