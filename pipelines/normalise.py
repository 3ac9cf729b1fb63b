"""Normalise text and URLs so equal articles compare equal.

Text: Unicode NFC and single spaces, paragraphs separated by one blank line.
URL: the canonical URL (the page's rel=canonical when it stays on the same
site, else the fetched URL), canonicalised by crawler.urls. Dates stay aware;
the archive pipeline turns them into UTC plus the original offset.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Self

from scrapy.crawler import Crawler

from crawler.items import Article
from crawler.urls import canonical_url, crawl_hosts, same_site

SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def clean_text(text: str | None) -> str | None:
    """NFC, collapse spaces; None for empty text."""
    if text is None:
        return None
    text = SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return text or None


def clean_body(body: str | None) -> str | None:
    if body is None:
        return None
    paragraphs = (clean_text(p) for p in re.split(r"\n\s*\n|\n", body))
    joined = "\n\n".join(p for p in paragraphs if p)
    return joined or None


def clean_list(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        cleaned = clean_text(value)
        if cleaned and cleaned not in seen:
            seen[cleaned] = None
    return list(seen)


class NormalisePipeline:
    def __init__(self, hosts: Collection[str] = frozenset()) -> None:
        self.hosts = hosts  # the crawl's configured domains: URL host variants map onto them

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawl_hosts(crawler.settings))

    def process_item(self, item: Article, spider=None) -> Article:
        fetched = item.fetched_url or item.url
        declared = item.canonical_url or item.url
        item.url = canonical_url(declared if same_site(declared, fetched) else fetched, self.hosts)
        for name in ("title", "description", "summary", "section", "location", "language"):
            setattr(item, name, clean_text(getattr(item, name)))
        item.body = clean_body(item.body)
        item.authors = clean_list(item.authors)
        item.editors = clean_list(item.editors)
        item.tags = clean_list(item.tags)
        for image in item.images:
            for key in ("caption", "credit"):
                image[key] = clean_text(image.get(key))
        return item
