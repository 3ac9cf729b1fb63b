"""Write articles to the archive, counting new, updated and unchanged rows."""

from __future__ import annotations

from typing import Any

from crawler.archive_access import archive_failure, fail_crawl
from crawler.items import Article
from pipelines.base import ArchiveUsingPipeline
from storage.archive import ArchiveError, FencedOut, body_hash, iso_utc


class ArchivePipeline(ArchiveUsingPipeline):
    def process_item(self, item: Article, spider=None) -> Article:
        failure = archive_failure(self.crawler)
        if failure:  # this or another crawl of the archive could not write: stop too
            self.stats.inc_value("warta/articles_not_stored")
            fail_crawl(self.crawler, failure)
            return item
        archive = self.archive
        aliases = [item.fetched_url] if item.fetched_url else []
        try:
            result = archive.store(article_row(item), pages=item.pages, aliases=aliases)
        except FencedOut:  # another crawl took this source over: it stores the article
            self.stats.inc_value("warta/articles_not_stored_lost_lock")
            return item
        except ArchiveError as exc:  # disk full, read-only…: the batch was rolled back whole
            self.stats.inc_value("warta/archive_errors")
            self.stats.inc_value("warta/articles_not_stored")
            fail_crawl(self.crawler, exc)
            return item
        self.stats.inc_value(f"warta/articles_{result.outcome}")
        item.pages = []  # the raw pages are stored; don't keep them alive in memory
        return item


def article_row(item: Article) -> dict[str, Any]:
    """The archive row for an article: times in UTC with the original offset kept."""
    published_tz = None
    if item.published_at is not None and item.published_at.utcoffset() is not None:
        published_tz = item.published_at.isoformat()[-6:]
    return {
        "url": item.url,
        "source": item.source,
        "section": item.section,
        "title": item.title,
        "description": item.description,
        "summary": item.summary,
        "authors": item.authors,
        "editors": item.editors,
        "published_at": iso_utc(item.published_at) if item.published_at else None,
        "published_tz": published_tz,
        "modified_at": iso_utc(item.modified_at) if item.modified_at else None,
        "location": item.location,
        "tags": item.tags,
        "body": item.body,
        "images": item.images,
        "language": item.language,
        "body_hash": body_hash(item.body or ""),
        "extraction": item.provenance,
    }
