"""`warta reparse`: re-extract archived raw pages with the current extractor.

When the extractor improves (or an outlet rule is fixed), the archive's rows
can be brought up to date from the raw HTML it kept, without fetching anything.
Each article goes through the same normalisation and write path as a crawl,
so the FTS index follows and unchanged rows stay untouched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from crawler.extraction import extract_article
from pipelines.archive import article_row
from pipelines.normalise import NormalisePipeline
from pipelines.validate import problem
from storage.archive import CONTENT_COLUMNS, Archive, encode_row
from storage.query import Query


@dataclass
class ReparseReport:
    articles: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    fields: Counter = field(default_factory=Counter)  # column -> articles where it changed


def raw_pages(archive: Archive, article_id: int) -> list[tuple[bytes, str]]:
    """The article's latest fetch: its pages in order, as (html, url)."""
    return archive.latest_pages(article_id)


def reparse(
    archive: Archive, selected: Query | str | None = None, params: tuple = ()
) -> ReparseReport:
    """Re-extract every article the query selects (default: all) and write what changed."""
    report = ReparseReport()
    if isinstance(selected, str):  # TODO(#14 integration): remove; the CLI passes a Query
        chosen: Iterator[dict] = _articles(archive, selected, params)
    else:
        chosen = _selected(archive, selected or Query())
    for current in chosen:
        report.articles += 1
        pages = raw_pages(archive, current["id"])
        if not pages:
            report.failed.append((current["url"], "no raw page kept"))
            continue
        (first_html, first_url), rest = pages[0], pages[1:]
        article = extract_article(first_html, first_url, more_pages=rest)
        reason = "not an HTML article page" if article is None else problem(article)
        if reason:
            report.failed.append((current["url"], reason))
            continue
        article.source = current["source"]
        article.section = article.section or current["section"]
        NormalisePipeline().process_item(article)
        article.url = current["url"]  # the row's key never moves
        row = article_row(article)
        stored = encode_row(row)
        changed = [c for c in CONTENT_COLUMNS if stored[c] != current[c]]
        if not changed:
            report.unchanged += 1
            continue
        archive.store(row, reason="reparse")
        report.changed += 1
        report.fields.update(changed)
    archive.flush()
    return report


def _selected(archive: Archive, query: Query) -> Iterator[dict]:
    ids = archive.article_ids(query)
    while batch := list(islice(ids, 500)):  # a million rows never sit in memory at once
        yield from archive.articles(batch)


def _articles(archive: Archive, where: str, params: tuple) -> Iterator[dict]:
    last_id = 0
    while True:  # in pages by id: a million rows never sit in memory at once
        rows = list(
            archive.db.query(
                f"SELECT * FROM articles WHERE id > ? AND ({where}) ORDER BY id LIMIT 500",
                [last_id, *params],
            )
        )
        if not rows:
            return
        yield from rows
        last_id = rows[-1]["id"]
