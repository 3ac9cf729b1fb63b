"""The replica's data model: `TrueArticle` (truth + how it is rendered) and `Site`.

`TrueArticle` holds exactly the truth fields of docs/replica-contract.md; what
only the page renderers need (paragraph kinds, page split, where "Baca juga"
lines, ads and figures go, reporter initials …) lives apart in its `rendering`.
`Site` adds the lookups the server needs: by URL, per source and day, per section,
and, for a site some nights on (docs/replica-contract.md, "Nights"), which
articles appeared or were revised after a given night.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from crawler.items import Article

WIB = timezone(timedelta(hours=7))

# The truth's fields are the Article item's (crawler/items.py), in its order, less what
# only a crawl knows; its `pages` is the number of pages (the item's: the fetched pages).
NOT_IN_TRUTH = ("canonical_url", "fetched_url", "provenance")
TRUTH_FIELDS = tuple(f.name for f in fields(Article) if f.name not in NOT_IN_TRUTH)


@dataclass(frozen=True, slots=True)
class Insert:
    """Something placed in the page body after paragraph `after` (never part of the body).

    kind: "figure" (ref = index into images), "related" ("Baca juga" link, ref =
    index into the site's related links), "related_box", "ad" or "share".
    """

    after: int
    kind: str
    ref: int = 0


@dataclass(frozen=True, slots=True)
class Rendering:
    """Private rendering data: how the article is dressed on its pages."""

    number: int  # outlet id: detik d-…, Harian Jogja r-…, Kompas URL suffix, Tribun internal
    section_label: str
    kinds: tuple[str, ...]  # "p", "h2" or "h3", one per body paragraph
    page_starts: tuple[int, ...]  # index of the first paragraph of each page
    inserts: tuple[Insert, ...]  # in page order
    initials: str | None = None  # "tro" (Tribun) or "abc/def" (detik), after the last paragraph
    reporter_line: str | None = None  # Tribun "Laporan Wartawan Tribun Jogja, Name"
    related: tuple[tuple[str, str], ...] = ()  # fixed "Baca juga" (title, url); else neighbours
    topic: str | None = None  # the generator's topic: nightly revisions write more of it
    byline: str | None = None  # a desk credit shown when `authors` is empty: "Tim Tribun Jateng"


@dataclass(slots=True)
class TrueArticle:
    """One article as the archive must hold it, plus its private `rendering`."""

    source: str
    url: str
    section: str
    title: str
    description: str
    summary: str | None
    authors: list[str]
    editors: list[str]
    published_at: datetime
    modified_at: datetime | None
    location: str | None
    tags: list[str]
    body: str
    images: list[dict]
    language: str
    pages: int
    rendering: Rendering = field(repr=False)

    def truth(self) -> dict:
        """The contract's fields only (fresh copies; datetimes stay aware datetimes)."""
        record = {name: getattr(self, name) for name in TRUTH_FIELDS}
        for name in ("authors", "editors", "tags"):
            record[name] = list(record[name])
        record["images"] = [dict(image) for image in self.images]
        return record

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n")

    def page_paragraphs(self, page: int | None) -> range:
        """Indexes of the paragraphs on page `page` (1-based); None: the whole article."""
        starts = self.rendering.page_starts
        if page is None:
            return range(len(self.rendering.kinds))
        end = starts[page] if page < len(starts) else len(self.rendering.kinds)
        return range(starts[page - 1], end)


def replica_clock(last_day: date) -> datetime:
    """The simulated "now": 01:00 WIB the morning after the last day of articles."""
    return datetime.combine(last_day + timedelta(days=1), time(1, 0), tzinfo=WIB)


def _newest_first(article: TrueArticle) -> tuple[datetime, str]:
    return (article.published_at, article.url)


class Site:
    """The generated site: its articles, its clock and the lookups the server needs.

    `last_day` is the newest day of the window: the base window's last day plus
    `night` (new articles appear on each of those later days); `now` is the
    clock of that night, 01:00 WIB the morning after `last_day`.
    """

    def __init__(
        self,
        articles: list[TrueArticle],
        *,
        seed: int,
        requested: int,
        first_day: date,
        last_day: date,
        night: int = 0,
        edited: dict[int, list[str]] | None = None,
        parameters: dict | None = None,
        clusters: list[list[str]] | None = None,
        traps: list[tuple[str, str]] | None = None,
        hosts: tuple[str, ...],
        builder: Callable[..., Site],
        generated: Mapping[str, Any] | None = None,
        generated_hosts: Mapping[str, Any] | None = None,
    ) -> None:
        self.articles = articles
        self.seed = seed
        self.requested = requested  # N: the generated articles, without the seed article
        self.first_day = first_day
        self.last_day = last_day
        self.night = night
        self.now = replica_clock(last_day)
        self.parameters = parameters or {}  # build_site's arguments, less `night`
        self._builder = builder  # build_site: `at_night` builds the site again with it
        self._edited = edited or {}
        # Syndication (docs/replica-contract.md): groups of URLs that are copies of one
        # story, each earliest first, and pairs that share a passage but are different
        # stories. Empty unless the site was built with syndication=True.
        self.clusters = [list(group) for group in clusters or ()]
        self.traps = [tuple(pair) for pair in traps or ()]
        self.hosts = hosts  # the hosts it serves
        # Generated regional outlets (replica/outlets/regional.py; empty by default):
        # source -> Outlet, and the hosts only they have -> Host (handler, robots.txt).
        # Typed loosely: the outlet types live in replica/outlets/, which imports this.
        self.generated: dict[str, Any] = dict(generated or {})
        self.generated_hosts: dict[str, Any] = dict(generated_hosts or {})
        self.by_url = {article.url: article for article in articles}
        self._by_source: dict[str, list[TrueArticle]] = defaultdict(list)
        self._by_day: dict[tuple[str, date], list[TrueArticle]] = defaultdict(list)
        self._by_section: dict[tuple[str, str], list[TrueArticle]] = defaultdict(list)
        self._newer: dict[str, int] = defaultdict(int)  # per source: articles of later nights
        base_clock = self.clock(0)
        for article in sorted(articles, key=_newest_first, reverse=True):
            self._by_source[article.source].append(article)
            self._by_day[article.source, article.published_at.date()].append(article)
            self._by_section[article.source, article.section].append(article)
            self._newer[article.source] += article.published_at > base_clock
        self._position = {
            article.url: index
            for listing in self._by_source.values()
            for index, article in enumerate(listing)
        }

    # --- nights ----------------------------------------------------------------------

    def clock(self, night: int) -> datetime:
        """The replica's clock on `night` (0: the base site's), 01:00 WIB."""
        return replica_clock(self.last_day - timedelta(days=self.night - night))

    def new_urls(self, since_night: int = 0) -> list[str]:
        """URLs of the articles first published after `since_night`'s clock, newest first."""
        since = self.clock(since_night)
        ordered = sorted(self.articles, key=_newest_first, reverse=True)
        return [article.url for article in ordered if article.published_at > since]

    def edited_urls(self, night: int) -> list[str]:
        """URLs of the articles the outlets revised on `night` (1..self.night)."""
        return list(self._edited.get(night, ()))

    def edited_since(self, since_night: int = 0) -> list[str]:
        """URLs revised on any night after `since_night`, each once, in night order."""
        nights = range(since_night + 1, self.night + 1)
        return list(dict.fromkeys(url for night in nights for url in self.edited_urls(night)))

    def at_night(self, night: int) -> Site:
        """The same site as it was (or will be) on another night: its truth then."""
        return self._builder(**self.parameters, night=night)

    @property
    def days(self) -> list[date]:
        """The days of the window, oldest first."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=offset) for offset in range(count)]

    def article(self, url: str) -> TrueArticle | None:
        return self.by_url.get(url)

    def source_articles(self, source: str) -> list[TrueArticle]:
        """A source's articles, newest first."""
        return self._by_source.get(source, [])

    def on_day(self, source: str, day: date) -> list[TrueArticle]:
        """A source's articles published on `day` (WIB), newest first."""
        return self._by_day.get((source, day), [])

    def in_section(self, source: str, section: str) -> list[TrueArticle]:
        """A source's articles of one section, newest first."""
        return self._by_section.get((source, section), [])

    def related(self, article: TrueArticle, count: int = 6) -> list[tuple[str, str]]:
        """(title, url) of other articles of the same source, for "Baca juga" and widgets."""
        fixed = list(article.rendering.related)
        listing = self.source_articles(article.source)
        start = self._position.get(article.url, 0)
        neighbours = [
            listing[self._wrap(article.source, start + step)] for step in range(1, count + 1)
        ]
        links = fixed + [(other.title, other.url) for other in neighbours if other is not article]
        return links or [(article.title, article.url)]

    def _wrap(self, source: str, index: int) -> int:
        """A listing index; past the oldest article, back to the base site's newest.

        Wrapping into the base articles only, never to later nights' ones, keeps an
        old article's "Baca juga" links the same from one night to the next.
        """
        size = len(self._by_source[source])
        if index < size:
            return index
        newer = self._newer[source]
        base = size - newer
        return newer + (index - size) % base if base else index % size

    def popular(self, source: str, count: int = 5) -> list[TrueArticle]:
        """The "Terpopuler" widget: the same few articles of a source on every page."""
        listing = self.source_articles(source)
        stride = max(1, len(listing) // count)
        return listing[::stride][:count]
