"""The replica's truth: a deterministic site of Indonesian regional news.

`build_site(articles=300, seed=1)` spreads N generated articles over the five
sources (shares in replica/outlets.py) and the days of the window, then adds
the real seed article (replica/seed.py). Everything random comes from one
`random.Random(seed)`, so (articles, seed, days, last_day) fixes the site byte
for byte. The server renders pages from it (replica/pages/); tests and
benchmarks compare what a crawl archived with `truth_records(site)`.

`night=n` moves the site n nights on (docs/replica-contract.md, "Nights"): each
later day gets `new_per_night` new articles and `edits_per_night` revisions
(replica/edits.py), drawn from their own `Random` per (seed, night), so night
n+1 is night n plus one more day and night 0 is the base site unchanged.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random

from replica.edits import revise_night
from replica.model import WIB, Insert, Rendering, Site, TrueArticle, replica_clock
from replica.outlets import HOSTS, OUTLETS, SYNDICATION_HOSTS, TRIBUN_SOURCES, Outlet, Section
from replica.seed import seed_article
from replica.text import NewsWriter, between, make_context, pick, slugify, two, vocabulary

__all__ = ["Site", "TrueArticle", "build_site", "truth_records"]

MULTI_PAGE_SHARE = 1 / 8
MODIFIED_SHARE = 0.30
# Boilerplate placed between body paragraphs: (kind, at most how many); at least one each.
INSERTS = {
    "tribunjogja": [("related", 2), ("ad", 2), ("share", 1)],
    "tribunjateng": [("related", 2), ("ad", 2), ("share", 1)],
    "kompasregional": [("related", 2), ("related_box", 1), ("ad", 2)],
    "harianjogja": [("related", 2), ("ad", 2)],
    "detik": [("related", 2), ("ad", 1)],
}
INSERT_ORDER = {"figure": 0, "related": 1, "related_box": 2, "ad": 3, "share": 4}
FIRST_MINUTE, LAST_MINUTE = 5 * 60, 23 * 60  # articles appear between 05:00 and 23:00 WIB
# Outlet ids grow with time from here (detik: one sequence for both desks).
ID_STARTS = {"detikjogja": 8_150_000, "detikjateng": 8_150_003, "harianjogja": 1_231_000}


def build_site(
    articles: int = 300,
    seed: int = 1,
    days: int = 7,
    last_day: date = date(2025, 11, 8),
    night: int = 0,
    new_per_night: int = 10,
    edits_per_night: int = 0,
    syndication: bool = False,
) -> Site:
    """N generated articles over `days` days ending on `last_day`, plus the seed article.

    `night` > 0: the site that many nights later, with `new_per_night` new
    articles on each later day and `edits_per_night` revised articles per night.
    `syndication`: add Tribun Jateng, syndicated and edited wire copies, and trap
    pairs (replica/syndication.py); drawn from their own `Random`, after the
    default site's articles, which stay exactly as without it.
    """
    if min(articles, night, new_per_night, edits_per_night) < 0 or days < 1:
        raise ValueError("articles, night and the per-night counts must be >= 0, days >= 1")
    rng = Random(seed)
    first_day = last_day - timedelta(days=days - 1)
    counters = dict(ID_STARTS)
    plans = _plan(rng, articles, first_day, days, counters)
    writer = _SiteWriter(rng, replica_clock(last_day))
    # A big site is millions of small objects that all live on: the cyclic garbage
    # collector would rescan them again and again (about 15 % of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        site_articles = [writer.article(plan) for plan in plans]
        site_articles.append(seed_article())
        clusters: list[list[str]] = []
        traps: list[tuple[str, str]] = []
        if syndication:
            from replica.syndication import syndicate  # it builds on this module's writer

            extra = syndicate(site_articles, writer, seed, first_day, days, articles, counters)
            site_articles.extend(extra.articles)
            clusters, traps = extra.clusters, extra.traps
        later = _Nights(seed, last_day, night, new_per_night, edits_per_night)
        edited = later.grow(site_articles, writer, counters)
    finally:
        if collecting:
            gc.enable()
    return Site(
        site_articles,
        seed=seed,
        requested=articles,
        first_day=first_day,
        last_day=last_day + timedelta(days=night),
        night=night,
        edited=edited,
        clusters=clusters,
        traps=traps,
        hosts=SYNDICATION_HOSTS if syndication else HOSTS,
        parameters={
            "articles": articles,
            "seed": seed,
            "days": days,
            "last_day": last_day,
            "new_per_night": new_per_night,
            "edits_per_night": edits_per_night,
            "syndication": syndication,
        },
    )


@dataclass(frozen=True)
class _Nights:
    """Nights 1..`count` after `last_day`: each a day of new articles, then revisions."""

    seed: int
    last_day: date
    count: int
    new_per_night: int
    edits_per_night: int

    def grow(
        self, site_articles: list[TrueArticle], writer: _SiteWriter, counters: dict[str, int]
    ) -> dict[int, list[str]]:
        """Add each night's articles and revisions to `site_articles`; the URLs revised per night.

        Each night draws from its own generators, seeded by (seed, night), so a night's
        articles do not depend on how many nights follow it; titles, slugs and
        paragraphs stay unique because the writer's sets carry over from night to night.
        """
        edited = {}
        for night in range(1, self.count + 1):
            day = self.last_day + timedelta(days=night)
            rng = Random(f"{self.seed}:night:{night}")
            writer.reseed(rng, replica_clock(day))
            plans = _plan(rng, self.new_per_night, day, 1, counters)
            site_articles.extend(writer.article(plan) for plan in plans)
            edited[night] = revise_night(
                site_articles,
                Random(f"{self.seed}:edits:{night}"),
                day,
                self.edits_per_night,
                writer.titles,
                writer.paragraphs,
            )
        return edited


def truth_records(site: Site) -> list[dict]:
    """Every article's truth (contract fields only), in the site's order."""
    return [article.truth() for article in site.articles]


# --- planning: which source, section, place, topic and time each article gets ------


@dataclass
class _Plan:
    outlet: Outlet
    section: Section
    place: str
    topic: str
    published: datetime
    number: int = 0


def _quotas(total: int) -> dict[str, int]:
    """Articles per source by their shares (largest remainder, so they sum to `total`)."""
    exact = {source: outlet.share * total for source, outlet in OUTLETS.items()}
    quotas = {source: int(value) for source, value in exact.items()}
    by_remainder = sorted(exact, key=lambda source: exact[source] - quotas[source], reverse=True)
    for source in by_remainder[: total - sum(quotas.values())]:
        quotas[source] += 1
    return quotas


def _plan(
    rng: Random, total: int, first_day: date, days: int, counters: dict[str, int]
) -> list[_Plan]:
    topics = list(vocabulary().topics.values())
    plans = []
    for source, quota in _quotas(total).items():
        outlet = OUTLETS[source]
        day_offsets = [index % days for index in range(quota)]  # every day gets its share
        rng.shuffle(day_offsets)
        for offset in day_offsets:
            section = rng.choices(outlet.sections, [s.weight for s in outlet.sections])[0]
            fitting = [t.name for t in topics if section.channel in (None, t.channel)]
            minute = rng.randint(FIRST_MINUTE, LAST_MINUTE)
            day = first_day + timedelta(days=offset)
            published = datetime(
                day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=WIB
            )
            plans.append(
                _Plan(outlet, section, rng.choice(section.places), rng.choice(fitting), published)
            )
    _number(rng, plans, counters)
    rng.shuffle(plans)
    return plans


def _number(rng: Random, plans: list[_Plan], counters: dict[str, int]) -> None:
    """Outlet ids that grow with time, as real detik and Harian Jogja ids do.

    `counters` (the last ids given, per ID_STARTS key) carries over to later nights.
    """
    for plan in sorted(plans, key=lambda p: (p.published, p.outlet.source)):
        source = plan.outlet.source
        if source in ("detikjogja", "detikjateng"):
            counters["detikjogja"] += rng.randint(3, 40)  # one id sequence for all of detik
            plan.number = counters["detikjogja"]
        elif source == "harianjogja":
            counters[source] += rng.randint(2, 30)
            plan.number = counters[source]
        elif source == "kompasregional":
            plan.number = rng.randint(100, 999)
        else:
            plan.number = rng.randint(3_000_000, 3_999_999)


# --- writing: one article from its plan ----------------------------------------------


@dataclass(frozen=True)
class _Staff:
    name: str
    initials: str


class _SiteWriter:
    """Writes the articles one by one, keeping titles, slugs and paragraphs unique."""

    def __init__(self, rng: Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.titles: set[str] = set()
        self.slugs: set[str] = set()
        self.paragraphs: set[str] = set()
        self.staff = {source: self._hire(12) for source in OUTLETS}
        self.editors = {source: self._hire(5) for source in OUTLETS}

    def reseed(self, rng: Random, now: datetime) -> None:
        """Write the next articles from `rng`, for a site whose clock is `now` (a later night)."""
        self.rng = rng
        self.now = now

    def _hire(self, count: int) -> list[_Staff]:
        vocab, people = vocabulary(), []
        names: list[str] = []
        while len(people) < count:
            name = vocab.person(self.rng, single_share=0.1)
            if name not in names:
                names.append(name)
                initials = "".join(self.rng.choice("abdefhijkmnoprstuwy") for _ in range(3))
                people.append(_Staff(name, initials))
        return people

    def article(self, plan: _Plan) -> TrueArticle:
        rng, outlet = self.rng, plan.outlet
        slots = make_context(rng, plan.place, plan.topic, plan.published)
        writer = NewsWriter(rng, plan.topic, slots, self.paragraphs)
        title = self._title(writer, slots)
        pages = (
            rng.choice((2, 2, 3)) if outlet.max_pages > 1 and rng.random() < MULTI_PAGE_SHARE else 1
        )
        blocks = self._blocks(writer, rng.randint(max(5, 3 * pages), 14))
        authors = rng.sample(
            self.staff[outlet.source], 2 if _is_detik(outlet) and rng.random() < 0.2 else 1
        )
        editor = rng.choice(self.editors[outlet.source])
        images = self._images(writer, plan, title, authors[0].name)
        summary = writer.summary() if _is_tribun(outlet) else None
        paragraphs = [text for _, text in blocks]
        rendering = Rendering(
            number=plan.number,
            section_label=plan.section.label,
            kinds=tuple(kind for kind, _ in blocks),
            page_starts=tuple(round(page * len(blocks) / pages) for page in range(pages)),
            inserts=self._inserts(outlet, [kind for kind, _ in blocks], len(images)),
            initials=self._initials(outlet, authors[0], editor),
            reporter_line=(
                f"Laporan Wartawan {outlet.name}, {authors[0].name}"
                if _is_tribun(outlet) and rng.random() < 0.4
                else None
            ),
            topic=plan.topic,
        )
        tags = writer.tags()
        return TrueArticle(
            source=outlet.source,
            url=_url(plan, slugify(title)),
            section=plan.section.slug,
            title=title,
            description=_description(summary, paragraphs[0]),
            summary=summary,
            authors=[person.name for person in authors],
            editors=[] if _is_detik(outlet) else [editor.name],
            published_at=plan.published,
            modified_at=self._modified(plan),
            location=plan.place,
            tags=[tag.lower() for tag in tags] if _is_detik(outlet) else tags,
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

    def _images(self, writer: NewsWriter, plan: _Plan, title: str, author: str) -> list[dict]:
        count = self.rng.choice((0, 1, 1, 1, 2))
        images = []
        for index in range(count):
            credit: str | None = (
                author
                if self.rng.random() < 0.6
                else self.rng.choice(self.staff[plan.outlet.source]).name
            )
            if not _is_tribun(plan.outlet) and self.rng.random() < 0.2:
                credit = None
            images.append(
                {
                    "url": _image_url(self.rng, plan, slugify(title), index),
                    "caption": writer.caption(),
                    "credit": credit,
                }
            )
        return images

    def _inserts(self, outlet: Outlet, kinds: list[str], images: int) -> tuple[Insert, ...]:
        """Boilerplate and figures between paragraphs, never after a heading or the last one."""
        spots = [index for index, kind in enumerate(kinds[:-1]) if kind == "p"]
        rng = self.rng
        # Up to two figures, at different spots (there are always four or more spots).
        figure_spots = sorted(two(rng, spots)) if images == 2 else [pick(rng, spots)][:images]
        inserts = [Insert(spot, "figure", index) for index, spot in enumerate(figure_spots)]
        related = 0
        for kind, most in INSERTS.get(outlet.source, INSERTS["detik"]):
            for _ in range(between(rng, 1, most)):
                inserts.append(Insert(pick(rng, spots), kind, related if kind == "related" else 0))
                related += kind == "related"
        return tuple(sorted(inserts, key=lambda i: (i.after, INSERT_ORDER[i.kind], i.ref)))

    def _initials(self, outlet: Outlet, author: _Staff, editor: _Staff) -> str | None:
        if _is_tribun(outlet):
            return author.initials
        if _is_detik(outlet):
            return f"{author.initials}/{editor.initials}"
        return None

    def _modified(self, plan: _Plan) -> datetime | None:
        """Later than published for ~30 %; else equal, or None where the page has no such date."""
        if self.rng.random() >= MODIFIED_SHARE:
            return None if plan.outlet.source == "harianjogja" else plan.published
        modified = plan.published + timedelta(minutes=self.rng.randint(10, 18 * 60))
        if modified >= self.now:  # never after the replica's clock
            modified = self.now - timedelta(minutes=self.rng.randint(5, 50))
        return modified


def _is_detik(outlet: Outlet) -> bool:
    return outlet.source in ("detikjogja", "detikjateng")


def _is_tribun(outlet: Outlet) -> bool:
    return outlet.source in TRIBUN_SOURCES


def _description(summary: str | None, first_paragraph: str) -> str:
    """Tribun: the summary's first clause, like the seed's lede; others: the first sentence."""
    if summary is not None:
        head = summary.rstrip(".").split(", ")[0]
        return head if len(head.split()) >= 8 else summary.rstrip(".")
    return first_paragraph.split(". ")[0].rstrip(".") + "."


def _url(plan: _Plan, slug: str) -> str:
    """The canonical URL in the outlet's shape (docs/replica-contract.md)."""
    outlet, when = plan.outlet, plan.published
    if _is_tribun(outlet):
        return f"https://{outlet.host}/{when:%Y/%m/%d}/{slug}"
    if outlet.source == "kompasregional":
        return f"https://{outlet.host}/read/{when:%Y/%m/%d}/{when:%H%M%S}{plan.number:03d}/{slug}"
    if _is_detik(outlet):
        return f"https://{outlet.host}/{outlet.prefix}/{plan.section.slug}/d-{plan.number}/{slug}"
    return f"https://{outlet.host}/r-{plan.number}/{slug}"


def _image_url(rng: Random, plan: _Plan, slug: str, index: int) -> str:
    """A plausible CDN address; the replica never serves (or is asked for) images."""
    short = "-".join(slug.split("-")[:6])
    when, number = plan.published, plan.number
    source = plan.outlet.source
    if _is_tribun(plan.outlet):
        desk = plan.outlet.host.split(".")[0]  # jogja, jateng
        return f"https://asset-2.tstatic.net/{desk}/foto/bank/images/{short}-{number}{index}.jpg"
    if source == "kompasregional":
        token = f"{rng.getrandbits(96):024x}"
        return (
            f"https://asset.kompas.com/crops/{token}=/0x0:1000x667/750x500/"
            f"data/photo/{when:%Y/%m/%d}/{short}-{index + 1}.jpg"
        )
    if source == "harianjogja":
        return f"https://img.harianjogja.com/posts/{when:%Y/%m/%d}/{number}/{short}-{index + 1}.jpg"
    visual = f"https://akcdn.detik.net.id/community/media/visual/{when:%Y/%m/%d}"
    return f"{visual}/{short}-{index + 1}_169.jpeg"
