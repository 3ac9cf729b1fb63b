"""Normalise text and URLs so equal articles compare equal.

Text: `crawler.extraction.text`'s one cleaner (NFC, one set of spaces), paragraphs
separated by one blank line. URL: the canonical URL (the page's rel=canonical when
it stays on the same site, else the fetched URL), canonicalised by crawler.urls.
Dates stay aware; the store step turns them into UTC plus the original offset.
"""

from __future__ import annotations

from collections.abc import Collection

from crawler.extraction.text import clean_or_none, clean_paragraphs
from crawler.items import Article
from crawler.urls import canonical_url, same_site
from pipelines.base import PipelineStep, StepContext

TEXT_FIELDS = ("title", "description", "summary", "section", "location", "language")
LIST_FIELDS = ("authors", "editors", "tags")


def clean_list(values: list[str]) -> list[str]:
    """Each value cleaned; empty and repeated ones dropped, first occurrences kept."""
    seen: dict[str, None] = {}
    for value in values:
        cleaned = clean_or_none(value)
        if cleaned and cleaned not in seen:
            seen[cleaned] = None
    return list(seen)


def normalise(
    item: Article, hosts: Collection[str] = frozenset(), *, url: str | None = None
) -> Article:
    """Clean the item's text and set its canonical URL, with host variants mapped onto
    `hosts` (the crawl's configured domains), or set `url` when the caller fixes it (a
    reparse keeps the archived row's key)."""
    if url is None:
        fetched = item.fetched_url or item.url
        declared = item.canonical_url or item.url
        url = canonical_url(declared if same_site(declared, fetched) else fetched, hosts)
    item.url = url
    for name in TEXT_FIELDS:
        setattr(item, name, clean_or_none(getattr(item, name)))
    item.body = clean_paragraphs(item.body)
    for name in LIST_FIELDS:
        setattr(item, name, clean_list(getattr(item, name)))
    for image in item.images:
        for key in ("caption", "credit"):
            image[key] = clean_or_none(image.get(key))
    return item


class NormalisePipeline(PipelineStep):
    @staticmethod
    def run(item: Article, context: StepContext) -> Article:
        return normalise(item, context.hosts, url=context.reread)
