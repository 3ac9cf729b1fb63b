"""Write articles to the archive, counting new, updated and unchanged rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scrapy import Spider

from crawler.archive_access import archive_failure, fail_crawl
from crawler.items import Article
from crawler.node_link import is_node, node_link
from crawler.redis_connection import RedisUnavailable
from pipelines.base import PipelineStep, Stats, StepContext
from storage.archive import (
    Archive,
    ArchiveError,
    FencedOut,
    StoreResult,
    body_hash,
    decode_row,
    encode_row,
    iso_utc,
)
from storage.columns import ARTICLE_FIELDS, CONTENT_COLUMNS, EXTRACTION


def article_row(item: Article) -> dict[str, Any]:
    """The archive row for an article (storage/columns.py's ROW_COLUMNS): its stored
    fields, times in UTC with the original offset kept (published_tz), the extraction
    record, and the body's hash for deduplication."""
    row: dict[str, Any] = {}
    for name in ARTICLE_FIELDS:
        value = getattr(item, name)
        row[name] = iso_utc(value) if isinstance(value, datetime) else value
    row[EXTRACTION] = item.provenance
    row["published_tz"] = _offset(item.published_at)
    row["body_hash"] = body_hash(item.body or "")
    return row


def _offset(moment: datetime | None) -> str | None:
    """The moment's UTC offset as written ("+07:00"), if it has one."""
    if moment is None or moment.utcoffset() is None:
        return None
    return moment.isoformat()[-6:]


def changed_columns(row: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """The content columns in which `row` differs from the archived (decoded) `current`."""
    values = decode_row(encode_row(row))  # compared as the archive reads them back
    return [column for column in CONTENT_COLUMNS if values[column] != current[column]]


def store(
    item: Article, archive: Archive, stats: Stats | None = None, *, reparse: bool = False
) -> StoreResult:
    """Write the item to the archive and count the outcome (new, updated, unchanged).

    A reparse re-reads a row's own raw pages: nothing saw the article again, so an
    unchanged row is left as it is (a store would move its last_seen_at), and a
    changed one keeps its previous version with the reason "reparse".
    """
    row = article_row(item)
    current = archive.article_by_url(item.url) if reparse else None
    if current is not None and not changed_columns(row, current):
        result = StoreResult("unchanged", current["id"])
    else:
        aliases = [item.fetched_url] if item.fetched_url else []
        reason = "reparse" if reparse else "recrawl"
        result = archive.store(
            row, pages=item.pages, aliases=aliases, reason=reason, seen_at=seen_at(item, reparse)
        )
        item.pages = []  # the raw pages are stored; don't keep them alive in memory
    if stats is not None:
        stats.inc_value(f"warta/articles_{result.outcome}")
    return result


def seen_at(item: Article, reparse: bool) -> str | None:
    """When the article was seen: its first page's fetch time (a crawl's WARC-Date, an
    import's record's), so a WARC import gives the crawl's times; a reparse saw nothing
    (None: the store's clock, as before)."""
    if reparse or not item.pages:
        return None
    return iso_utc(item.pages[0].fetched_at)


class ArchivePipeline(PipelineStep):
    def push(self, item: Article) -> Article:
        try:
            node_link(self.crawler).article(item)
        except RedisUnavailable as exc:  # Redis stayed down past WARTA_REDIS_PATIENCE
            self.stats.inc_value("warta/articles_not_stored")
            fail_crawl(self.crawler, str(exc))
            return item
        item.pages = []  # sent; don't keep the raw pages alive in memory
        return item

    @staticmethod
    def run(item: Article, context: StepContext) -> Article:
        context.stored = store(
            item, context.archive, context.stats, reparse=context.reread is not None
        )
        return item

    def process_item(self, item: Article, spider: Spider | None = None) -> Article:
        """The step, but a crawl whose archive cannot be written stops (fail_crawl).
        On a crawl node the item goes onto the archive stream instead: the archive
        writer stores it (warta/writer.py), counting new, updated and unchanged."""
        if is_node(self.crawler):
            return self.push(item)
        failure = archive_failure(self.crawler)
        if failure:  # this or another crawl of the archive could not write: stop too
            self.stats.inc_value("warta/articles_not_stored")
            fail_crawl(self.crawler, failure)
            return item
        try:
            return self.run(item, self.context())
        except FencedOut:  # another crawl took this source over: it stores the article
            self.stats.inc_value("warta/articles_not_stored_lost_lock")
            return item
        except ArchiveError as exc:  # disk full, read-only…: the batch was rolled back whole
            self.stats.inc_value("warta/archive_errors")
            self.stats.inc_value("warta/articles_not_stored")
            fail_crawl(self.crawler, exc)
            return item
