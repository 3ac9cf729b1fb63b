"""The replica's truth: a deterministic site of Indonesian regional news.

`build_site(articles=300, seed=1)` spreads N generated articles over the five
sources (shares in replica/outlets/) and the days of the window, has
replica/writer.py write each, then adds the real seed article
(replica/seed.py). Everything random comes from one `random.Random(seed)`,
so (articles, seed, days, last_day) fixes the site byte for byte. The server
renders pages from it (replica/outlets/); tests and benchmarks compare what
a crawl archived with `truth_records(site)`.

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
from replica.model import WIB, Site, TrueArticle, replica_clock
from replica.outlets import HOSTS, OUTLETS, SYNDICATION_HOSTS
from replica.outlets.regional import Network, network, regional_articles
from replica.seed import seed_article
from replica.syndication import syndicate
from replica.text import vocabulary
from replica.writer import FIRST_MINUTE, LAST_MINUTE, Plan, SiteWriter

__all__ = ["Site", "TrueArticle", "build_site", "truth_records"]

# Outlet ids that grow with time start here, per sequence (detik: one for both desks).
ID_STARTS = {o.ids.sequence: o.ids.start for o in OUTLETS.values() if o.ids.sequence}


def build_site(
    articles: int = 300,
    seed: int = 1,
    days: int = 7,
    last_day: date = date(2025, 11, 8),
    night: int = 0,
    new_per_night: int = 10,
    edits_per_night: int = 0,
    syndication: bool = False,
    outlets: int = 0,
    outlet_articles: int = 20,
) -> Site:
    """N generated articles over `days` days ending on `last_day`, plus the seed article.

    `night` > 0: the site that many nights later, with `new_per_night` new
    articles on each later day and `edits_per_night` revised articles per night.
    `syndication`: add Tribun Jateng, syndicated and edited wire copies, and trap
    pairs (replica/syndication.py); drawn from their own `Random`, after the
    default site's articles, which stay exactly as without it.
    `outlets`: add that many generated regional outlets (replica/outlets/regional.py),
    `outlet_articles` articles each over the window; drawn from their own `Random`
    after the others, so outlets=0 is the site as it always was. (Their desks get
    no new articles on later nights.)
    """
    if min(articles, night, new_per_night, edits_per_night, outlet_articles) < 0 or days < 1:
        raise ValueError("articles, night and the per-night counts must be >= 0, days >= 1")
    generated = network(seed, outlets)  # ValueError past the desks the replica knows
    rng = Random(seed)
    first_day = last_day - timedelta(days=days - 1)
    counters = dict(ID_STARTS)
    plans = _plan(rng, articles, first_day, days, counters)
    writer = SiteWriter(rng, replica_clock(last_day), list(OUTLETS))
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
            extra = syndicate(site_articles, writer, seed, first_day, days, articles, counters)
            site_articles.extend(extra.articles)
            clusters, traps = extra.clusters, extra.traps
        regional = _Regional(generated, seed, outlet_articles, -(-outlet_articles // days))
        site_articles.extend(regional.articles(writer, first_day, days, counters))
        later = _Nights(seed, last_day, night, new_per_night, edits_per_night, regional)
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
        hosts=(SYNDICATION_HOSTS if syndication else HOSTS)
        + tuple(host.name for host in generated.hosts),
        builder=build_site,
        generated=generated.by_source,
        generated_hosts=generated.by_host,
        parameters={
            "articles": articles,
            "seed": seed,
            "days": days,
            "last_day": last_day,
            "new_per_night": new_per_night,
            "edits_per_night": edits_per_night,
            "syndication": syndication,
            **({"outlets": outlets, "outlet_articles": outlet_articles} if outlets else {}),
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
    regional: _Regional

    def grow(
        self, site_articles: list[TrueArticle], writer: SiteWriter, counters: dict[str, int]
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
            site_articles.extend(self.regional.articles(writer, day, 1, counters, night))
            edited[night] = revise_night(
                site_articles,
                Random(f"{self.seed}:edits:{night}"),
                day,
                self.edits_per_night,
                writer.titles,
                writer.paragraphs,
            )
        return edited


@dataclass(frozen=True)
class _Regional:
    """The generated regional outlets' articles: `per_outlet` over the base window,
    then `per_day` on each later night (their daily rate, rounded up)."""

    network: Network
    seed: int
    per_outlet: int
    per_day: int

    def articles(
        self,
        writer: SiteWriter,
        first_day: date,
        days: int,
        counters: dict[str, int],
        night: int = 0,
    ) -> list[TrueArticle]:
        """The base window's articles (night 0) or one later night's; none without outlets."""
        if not self.network.outlets:
            return []
        key = f"{self.seed}:outlets" + (f":night:{night}" if night else "")
        count = self.per_day if night else self.per_outlet
        return regional_articles(
            self.network, writer, Random(key), first_day, days, count, counters
        )


def truth_records(site: Site) -> list[dict]:
    """Every article's truth (contract fields only), in the site's order."""
    return [article.truth() for article in site.articles]


# --- planning: which source, section, place, topic and time each article gets ------


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
) -> list[Plan]:
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
                Plan(outlet, section, rng.choice(section.places), rng.choice(fitting), published)
            )
    _number(rng, plans, counters)
    rng.shuffle(plans)
    return plans


def _number(rng: Random, plans: list[Plan], counters: dict[str, int]) -> None:
    """Outlet ids: random, or growing with time as real detik and Harian Jogja ids do.

    `counters` (the last ids given, per ID_STARTS key) carries over to later nights.
    """
    for plan in sorted(plans, key=lambda p: (p.published, p.outlet.source)):
        ids = plan.outlet.ids
        if ids.sequence is None:
            plan.number = rng.randint(ids.low, ids.high)
        else:
            counters[ids.sequence] += rng.randint(ids.low, ids.high)
            plan.number = counters[ids.sequence]
