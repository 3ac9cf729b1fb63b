"""`warta reparse`: re-extract archived raw pages with the current extractor.

When the extractor improves (or an outlet rule is fixed), the archive's rows
can be brought up to date from the raw HTML it kept, without fetching anything.
Each article goes through the crawl's own pipeline chain (`pipelines.chain`):
validation, normalisation, deduplication and the write path, so the FTS index
follows, a body that now equals another row's is deduplicated as a crawl would,
and unchanged rows stay untouched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from crawler.extraction import extract_article
from pipelines.archive import article_row, changed_columns
from pipelines.chain import process
from pipelines.dedupe import DuplicateArticle
from pipelines.validate import InvalidArticle
from storage.archive import Archive
from storage.warc import WarcError

BATCH = 500  # articles read per query


@dataclass
class ReparseReport:
    articles: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    # (url, original): the body now equals that of another row of the same source
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    fields: Counter[str] = field(default_factory=Counter)  # column -> articles it changed in


def reparse(archive: Archive, ids: Iterable[int]) -> ReparseReport:
    """Re-extract the articles with these ids and write what changed.

    Each batch is re-read in id order; ids no longer in the archive are skipped. A
    re-read body that equals another row's of the same source is a duplicate,
    dropped as a crawl drops it.
    """
    report = ReparseReport()
    ids = iter(ids)
    # In batches: a million rows never sit in memory at once. Ids no longer in the
    # archive (deleted since they were selected) are simply not among the rows.
    while batch := list(islice(ids, BATCH)):
        for current in archive.articles(batch):
            report.articles += 1
            _reparse_one(archive, current, report)
    archive.flush()
    return report


def _reparse_one(archive: Archive, current: dict[str, Any], report: ReparseReport) -> None:
    url = current["url"]
    try:
        pages = archive.latest_pages(current["id"])
    except WarcError as exc:  # its WARC file moved or was lost: this article only fails
        report.failed.append((url, str(exc)))
        return
    if not pages:
        report.failed.append((url, "no raw page kept"))
        return
    (first_html, first_url), rest = pages[0], pages[1:]
    article = extract_article(first_html, first_url, more_pages=rest)
    if article is None:
        report.failed.append((url, "not an HTML article page"))
        return
    article.source = current["source"]
    article.section = article.section or current["section"]
    try:
        result = process(article, archive, reread=url)
    except InvalidArticle as exc:
        report.failed.append((url, exc.reason.replace("_", " ")))
        return
    except DuplicateArticle as exc:
        report.duplicates.append((url, exc.original))
        return
    if result.outcome == "unchanged":
        report.unchanged += 1
        return
    report.changed += 1
    report.fields.update(changed_columns(article_row(article), current))
