"""`OutletRule`: what one outlet's article pages look like, as data; `OutletRules`:
everything the crawler knows about one outlet (its layouts, URL shapes, names).

A rule names CSS selectors and regexes; `crawler.extraction.engine` applies
it. Outlets change their markup: a new layout gets a new rule version next to
the old one (old pages in the archive still use the old layout), and the
registry tries versions newest first, using the first whose body selector
matches the page. Version numbers count the rule versions as they were written,
not the age of the layout: detik's 2015 layout (read since 2026) is detik@2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo

from crawler.extraction.dates import WIB


@dataclass(frozen=True)
class CreditBlock:
    """A credit list where each person's role is written beside the name.

    `entry` selects one element per person (anywhere on the page: Kompas keeps
    the roles in a hidden modal); inside it `name` selects the name and `role`
    the role text ("Penulis", "Editor"; roles people.role_of does not know, such
    as "Sumber" or "Fotografer", are dropped).
    """

    entry: str
    name: str
    role: str


@dataclass(frozen=True)
class OutletRule:
    """One outlet's article layout. Selectors are CSS; patterns are regexes (case-insensitive)."""

    name: str
    version: int
    hosts: tuple[
        str, ...
    ]  # host names; subdomains match too ("kompas.com" ⊇ "regional.kompas.com")
    body: str  # the body container; the rule applies only when this matches
    # A selector that tells this version's layout apart when its body container is the
    # same as another version's (Tribun's 2015 and 2025 pages share
    # div.side-article.txt-article). The version then applies only where it matches,
    # and is tried before the host's versions without one (rules_for).
    layout: str | None = None
    title: str | None = None
    # Bylines. Unlabelled names in `authors` elements are authors, in `editors` elements
    # editors; labelled ones ("Penulis: A | Editor: B") go where their label says.
    authors: str | None = None
    editors: str | None = None
    # Role-labelled credit lists; where they name anyone, they replace `authors`/`editors`
    # and win over JSON-LD (extract.py: a stated role beats an unlabelled list).
    credits: tuple[CreditBlock, ...] = ()
    # Elements holding the publication date: a `datetime` attribute, or text like
    # "Kompas.com, 07/11/2025, 15:30 WIB - Diperbarui …" (the part after "Diperbarui"
    # is the modification date).
    dates: str | None = None
    # Metas (name, property or itemprop) carrying the exact publication time, tried in
    # order: epoch seconds/milliseconds, or the outlet's wall-clock time in `local_tz`
    # whatever zone letter it claims (dates.parse_wall_clock). Beats `dates` (minutes).
    published_metas: tuple[str, ...] = ()
    local_tz: tzinfo = WIB  # the outlet's own offset: published_at is given in it
    # Breadcrumb links; the last one's text is the section label (when metadata lacks it).
    section: str | None = None
    summary: str | None = None  # inside the body; removed from it
    summary_label: str | None = None  # pattern removed from the summary's start
    tags: str | None = None  # anywhere on the page, in page order
    # The article's photos, anywhere on the page (a cover photo above the body too), in
    # page order: each element holds one <img> and its caption (`photo_caption`, else
    # the figcaption); `photo_credit` is the credit element inside it ("(KOMPAS.com/A)").
    # Without `photos`, the body's <figure>s are the images.
    photos: str | None = None
    photo_caption: str | None = None
    photo_credit: str | None = None
    # Inside the body, never article text (photos are collected as images first).
    strip: tuple[str, ...] = ()
    # Paragraphs whose start matches any of these are dropped (on top of the common ones
    # in body.py).
    boilerplate: tuple[str, ...] = ()
    # Matched at the start of the first paragraph and removed; group "place" is the location.
    dateline: str | None = None
    title_suffixes: tuple[str, ...] = ()  # removed from og:title / <title>
    continuation: str | None = None  # links to the article's further pages
    # A meta whose content is the article's page count (Kompas `content_total_pages`):
    # pages ?page=2..N are further pages even where the paging widget shows fewer links.
    page_count_meta: str | None = None
    # Query that makes the outlet serve the whole article on one page ("page=all").
    whole_view: tuple[tuple[str, str], ...] = ()
    section_from_url: str | None = None  # pattern on the URL path with group "section"
    language: str = "id"

    @property
    def label(self) -> str:
        """How provenance names this rule: "rule:tribun@1"."""
        return f"rule:{self.name}@{self.version}"

    def covers(self, host: str) -> bool:
        host = host.lower()
        return any(host == h or host.endswith("." + h) for h in self.hosts)


@dataclass(frozen=True)
class OutletRules:
    """One outlet's crawler-side knowledge, in one place: a rule module's `OUTLET`.

    `name` is what a source in sources.toml names (`rule = "detik"`); the registry
    (rules/__init__.py) finds every module's `OUTLET` by itself.
    """

    name: str
    versions: tuple[OutletRule, ...]  # the layouts, newest first
    # A further page's own URL path: the article's path plus a page number
    # ("/jogja/berita/d-1234567/slug/2"). Group "article" is the article's path;
    # crawler.urls.canonical_url keeps only that.
    page_suffix: str | None = None
    # How bylines and photo credits name the outlet, never a person (people.is_outlet_name):
    # lower case, spaces ignored; "detik*" is a brand prefix (detikNews, detikJogja…),
    # a plain name matches whole or followed by a domain or channel word ("Harian Jogja TV").
    media_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A mistake here is a programming error in a rule module: fail on import, loudly.
        if not self.versions:
            raise ValueError(f"outlet {self.name!r}: no rule versions")
        if any(rule.name != self.name for rule in self.versions):
            raise ValueError(f"outlet {self.name!r}: a rule version has another name")
        if self.page_suffix and "article" not in re.compile(self.page_suffix).groupindex:
            raise ValueError(f"outlet {self.name!r}: page_suffix has no group 'article'")

    @property
    def hosts(self) -> tuple[str, ...]:
        """Every host its versions cover (subdomains too), in order, once."""
        return tuple(dict.fromkeys(host for rule in self.versions for host in rule.hosts))

    def covers(self, host: str) -> bool:
        return any(rule.covers(host) for rule in self.versions)
