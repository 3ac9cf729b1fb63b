"""Writing one article from its plan: `SiteWriter.article(Plan)` -> `TrueArticle`.

The generator (replica/generator.py) plans which outlet, section, place, topic
and time each article gets; the syndication (replica/syndication.py) plans its
own; both hand the plans to one `SiteWriter`, which keeps titles, slugs and
paragraphs unique over the whole site. How an outlet's articles differ
(summaries, co-authors, initials, inserts, URL shapes) is the outlet's data
(replica/outlets/base.py, `Outlet`); nothing here names an outlet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from replica.model import Insert, Rendering, TrueArticle
from replica.outlets.base import Outlet, Section
from replica.text import NewsWriter, between, make_context, pick, slugify, two, vocabulary

MULTI_PAGE_SHARE = 1 / 8
MODIFIED_SHARE = 0.30
INSERT_ORDER = {"figure": 0, "related": 1, "related_box": 2, "ad": 3, "share": 4}
FIRST_MINUTE, LAST_MINUTE = 5 * 60, 23 * 60  # articles appear between 05:00 and 23:00 WIB


@dataclass
class Plan:
    """What an article is about and where and when it appears (its id: `number`)."""

    outlet: Outlet
    section: Section
    place: str
    topic: str
    published: datetime
    number: int = 0


@dataclass(frozen=True)
class Staff:
    name: str
    initials: str


class SiteWriter:
    """Writes the articles one by one, keeping titles, slugs and paragraphs unique."""

    def __init__(self, rng: Random, now: datetime, outlets: list[str]) -> None:
        self.rng = rng
        self.now = now
        self.titles: set[str] = set()
        self.slugs: set[str] = set()
        self.paragraphs: set[str] = set()
        self.staff = {source: self.hire(12) for source in outlets}
        self.editors = {source: self.hire(5) for source in outlets}

    def reseed(self, rng: Random, now: datetime) -> None:
        """Write the next articles from `rng`, for a site whose clock is `now` (a later night)."""
        self.rng = rng
        self.now = now

    def hire(self, count: int) -> list[Staff]:
        """`count` people with different names, and their initials."""
        vocab = vocabulary()
        people: list[Staff] = []
        names: list[str] = []
        while len(people) < count:
            name = vocab.person(self.rng, single_share=0.1)
            if name not in names:
                names.append(name)
                initials = "".join(self.rng.choice("abdefhijkmnoprstuwy") for _ in range(3))
                people.append(Staff(name, initials))
        return people

    def article(self, plan: Plan) -> TrueArticle:
        rng, outlet = self.rng, plan.outlet
        slots = make_context(rng, plan.place, plan.topic, plan.published)
        writer = NewsWriter(rng, plan.topic, slots, self.paragraphs)
        title = self._title(writer, slots)
        pages = (
            rng.choice((2, 2, 3)) if outlet.max_pages > 1 and rng.random() < MULTI_PAGE_SHARE else 1
        )
        blocks = self._blocks(writer, rng.randint(max(5, 3 * pages), 14))
        two_authors = outlet.co_author_share and rng.random() < outlet.co_author_share
        authors = rng.sample(self.staff[outlet.source], 2 if two_authors else 1)
        editor = rng.choice(self.editors[outlet.source])
        images = self._images(writer, plan, title, authors[0].name)
        summary = writer.summary() if outlet.summaries else None
        paragraphs = [text for _, text in blocks]
        share = outlet.reporter_line_share
        rendering = Rendering(
            number=plan.number,
            section_label=plan.section.label,
            kinds=tuple(kind for kind, _ in blocks),
            page_starts=tuple(round(page * len(blocks) / pages) for page in range(pages)),
            inserts=self.inserts(outlet, [kind for kind, _ in blocks], len(images)),
            initials=self._initials(outlet, authors[0], editor),
            reporter_line=(
                f"Laporan Wartawan {outlet.name}, {authors[0].name}"
                if share and rng.random() < share
                else None
            ),
            topic=plan.topic,
        )
        tags = writer.tags()
        url = outlet.article_url(plan.section, plan.published, plan.number, slugify(title))
        return TrueArticle(
            source=outlet.source,
            url=url,
            section=plan.section.slug,
            title=title,
            description=description(summary, paragraphs[0]),
            summary=summary,
            authors=[person.name for person in authors],
            editors=[editor.name] if outlet.credits_editors else [],
            published_at=plan.published,
            modified_at=self._modified(plan),
            location=plan.place,
            tags=[tag.lower() for tag in tags] if outlet.lowercase_tags else tags,
            body="\n\n".join(paragraphs),
            images=images,
            language="id",
            pages=pages,
            rendering=rendering,
        )

    def _title(self, writer: NewsWriter, slots: dict[str, str]) -> str:
        for attempt in range(60):
            title = writer.title()
            if attempt >= 30:  # crowded site: tell it apart by its place
                title = f"{title} di {slots['village_full']}, {slots['district_full']}"
            slug = slugify(title)
            if title not in self.titles and slug not in self.slugs:
                self.titles.add(title)
                self.slugs.add(slug)
                return title
        raise RuntimeError("could not make a unique title")  # never seen: 60 draws all taken

    def _blocks(self, writer: NewsWriter, count: int) -> list[tuple[str, str]]:
        """Body paragraphs as (kind, text); some articles get h2/h3 subheadings."""
        blocks = [("p", text) for text in writer.paragraphs(count)]
        if count >= 6 and self.rng.random() < 0.3:
            level = self.rng.choice(("h2", "h3"))
            spots = sorted(self.rng.sample(range(2, count - 1), self.rng.choice((1, 1, 2))))
            for spot in reversed(spots):
                heading = writer.subheading()
                if heading is not None:
                    blocks.insert(spot, (level, heading))
        return blocks

    def _images(
        self, writer: NewsWriter, plan: Plan, title: str, author: str
    ) -> list[dict[str, str | None]]:
        count = self.rng.choice((0, 1, 1, 1, 2))
        outlet, short = plan.outlet, "-".join(slugify(title).split("-")[:6])
        images: list[dict[str, str | None]] = []
        for index in range(count):
            staff = self.staff[outlet.source]
            credit: str | None = author if self.rng.random() < 0.6 else self.rng.choice(staff).name
            uncredited = outlet.uncredited_image_share
            if uncredited and self.rng.random() < uncredited:
                credit = None
            images.append(
                {
                    "url": outlet.image_url(self.rng, plan.published, plan.number, short, index),
                    "caption": writer.caption(),
                    "credit": credit,
                }
            )
        return images

    def inserts(self, outlet: Outlet, kinds: list[str], images: int) -> tuple[Insert, ...]:
        """Boilerplate and figures between paragraphs, never after a heading or the last one."""
        spots = [index for index, kind in enumerate(kinds[:-1]) if kind == "p"]
        rng = self.rng
        # Up to two figures, at different spots (there are always four or more spots).
        figure_spots = sorted(two(rng, spots)) if images == 2 else [pick(rng, spots)][:images]
        inserts = [Insert(spot, "figure", index) for index, spot in enumerate(figure_spots)]
        related = 0
        for kind, most in outlet.inserts:
            for _ in range(between(rng, 1, most)):
                inserts.append(Insert(pick(rng, spots), kind, related if kind == "related" else 0))
                related += kind == "related"
        return tuple(sorted(inserts, key=lambda i: (i.after, INSERT_ORDER[i.kind], i.ref)))

    def _initials(self, outlet: Outlet, author: Staff, editor: Staff) -> str | None:
        if outlet.initials is None:
            return None
        return outlet.initials.format(author=author.initials, editor=editor.initials)

    def _modified(self, plan: Plan) -> datetime | None:
        """Later than published for ~30 %; else equal, or None where the page has no such date."""
        if self.rng.random() >= MODIFIED_SHARE:
            return plan.published if plan.outlet.dates_unmodified else None
        modified = plan.published + timedelta(minutes=self.rng.randint(10, 18 * 60))
        if modified >= self.now:  # never after the replica's clock
            modified = self.now - timedelta(minutes=self.rng.randint(5, 50))
        return modified


def description(summary: str | None, first_paragraph: str) -> str:
    """With a summary: its first clause, like the seed's lede; else the first sentence."""
    if summary is not None:
        head = summary.rstrip(".").split(", ")[0]
        return head if len(head.split()) >= 8 else summary.rstrip(".")
    return first_paragraph.split(". ")[0].rstrip(".") + "."
