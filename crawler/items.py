"""The Article item: the one type that flows from extraction through the pipelines
into the archive.

Field names are the archive's column names. Extraction fills the content fields;
the spider adds where the article came from (source, section, fetched pages);
the pipelines normalise and store it. Every list of article columns derives from
the fields (storage/columns.py), so a new field needs no hand-kept list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class WarcPointer:
    """Where a page's bytes are kept: the whole gzip member of its WARC response record
    (storage/warc.py writes and reads them)."""

    file: str  # the file NAME, relative to the archive's WARC folder (folders move)
    offset: int
    length: int
    record_id: str  # WARC-Record-ID, "<urn:uuid:…>"
    digest: str  # WARC-Payload-Digest, "sha1:…"


@dataclass
class FetchedPage:
    """One HTTP response that went into an article (multi-page articles have several)."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    warc: WarcPointer | None = None  # the response record it came from, when captured


@dataclass
class Article:
    """An extracted news article. Lists are never None; missing scalars are None."""

    # The fields' order is the archive's column order (exports list them so): where the
    # article is, what it says, who wrote it and when, then the crawl's own fields.
    url: str  # canonical URL once normalised
    source: str | None = None  # filled by the spider, not by extraction
    section: str | None = None
    title: str | None = None
    description: str | None = None
    summary: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    published_at: datetime | None = None  # timezone-aware, in the page's own offset
    modified_at: datetime | None = None
    location: str | None = None  # dateline place, e.g. "Magelang"
    body: str | None = None  # clean paragraphs separated by a blank line
    images: list[dict[str, Any]] = field(default_factory=list)  # {url, caption, credit}
    language: str | None = None
    canonical_url: str | None = None  # as the page declares it (rel=canonical)
    # Which extraction layer produced each field: "jsonld", "meta", "rule:<name>", "generic"…
    provenance: dict[str, str] = field(default_factory=dict)
    # Filled by the spider, not by extraction.
    fetched_url: str | None = None
    pages: list[FetchedPage] = field(default_factory=list)
