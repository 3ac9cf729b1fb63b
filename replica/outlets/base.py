"""What an outlet module of the replica declares: `Outlet`, `Section`, `Ids`, `Host`, `OutletGroup`.

An outlet module (replica/outlets/tribun.py, kompas.py …) defines its outlets
as instances of an `Outlet` subclass that knows the outlet's URL shapes, the
data the generator reads to write its articles (how they vary: summaries,
co-authors, initials, inserts, ids), the handlers that serve its hosts, and its
page renderers. It ends with one `GROUP = OutletGroup(...)`, which the registry
(replica/outlets/__init__.py) lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from random import Random

from replica.model import Site
from replica.pages.common import Page

DIY = ("Sleman", "Bantul", "Yogyakarta", "Kulon Progo", "Gunungkidul")
CENTRAL_JAVA = (
    "Semarang",
    "Solo",
    "Klaten",
    "Magelang",
    "Wonosobo",
    "Boyolali",
    "Temanggung",
    "Purworejo",
)

# A host's handler: (site, host, path, query parameters) -> the page; it raises
# replica.routing.NotFound for what the real site would not serve.
Handler = Callable[[Site, str, str, dict[str, list[str]]], Page]


@dataclass(frozen=True)
class Section:
    """A section: its URL/truth slug, the label pages show, and where its news happens."""

    slug: str
    label: str
    places: tuple[str, ...]
    weight: float = 1.0
    channel: str | None = None  # only topics of this channel (detik's wisata channel)


def place_sections(*labels: str) -> tuple[Section, ...]:
    """Sections each named after the one place its news happens in (Tribun, Harian Jogja).

    A label is the place's name, or "Label=Place" where they differ ("Kulonprogo=Kulon Progo").
    """
    sections = []
    for label in labels:
        name, _, place = label.partition("=")
        sections.append(Section(name.lower(), name, (place or name,)))
    return tuple(sections)


@dataclass(frozen=True)
class Ids:
    """How an outlet numbers its articles: a random number in [low, high], or, with a
    `sequence`, ids that grow with time by a random step in [low, high] from `start`.

    Outlets sharing a `sequence` name share one counter (detik's two desks).
    """

    low: int
    high: int
    sequence: str | None = None
    start: int = 0


@dataclass(frozen=True, kw_only=True)
class Outlet:
    """One source of docs/replica-contract.md and how its articles vary.

    Subclasses (one per outlet module) give the URL shapes: `article_url`, `image_url`.
    """

    source: str
    name: str
    host: str
    share: float  # of the generated articles
    sections: tuple[Section, ...]
    max_pages: int  # 1: never multi-page
    ids: Ids
    # Boilerplate placed between body paragraphs: (kind, at most how many); at least one each.
    inserts: tuple[tuple[str, int], ...]
    prefix: str = ""  # detik: "jogja" or "jateng"
    syndication_only: bool = False  # served only by a site built with syndication=True
    summaries: bool = False  # a "Ringkasan Berita" summary, whose first clause is the description
    reporter_line_share: float = 0.0  # articles opening with "Laporan Wartawan …"
    co_author_share: float = 0.0  # articles written by two reporters
    credits_editors: bool = True  # the page names the editor (truth `editors`)
    lowercase_tags: bool = False
    uncredited_image_share: float = 0.0  # photos without a credit
    initials: str | None = None  # after the last paragraph: "{author}" or "{author}/{editor}"
    dates_unmodified: bool = True  # an unrevised article still shows a modified date

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)

    def known_section(self, slug: str) -> Section:
        """The section `slug`, which the caller knows the outlet has (KeyError if not)."""
        section = self.section(slug)
        if section is None:
            raise KeyError(f"{self.source} has no section {slug!r}")
        return section

    def article_url(self, section: Section, when: datetime, number: int, slug: str) -> str:
        """The canonical URL of an article in the outlet's shape (docs/replica-contract.md)."""
        raise NotImplementedError

    def image_url(self, rng: Random, when: datetime, number: int, short: str, index: int) -> str:
        """A plausible CDN address of a photo; the replica never serves (or is asked for) one.

        `short`: the first words of the article's slug; `index`: the photo's, from 0.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Host:
    """A host the replica answers on: its handler and its robots.txt."""

    name: str
    handler: Handler
    robots: str
    syndication_only: bool = False  # served only by a site built with syndication=True


@dataclass(frozen=True)
class OutletGroup:
    """One outlet module's registry entry: its outlets and the hosts that serve them."""

    outlets: tuple[Outlet, ...]
    hosts: tuple[Host, ...]
