"""Generated regional outlets: `build_site(outlets=N)`, `warta replica --outlets N`.

Real Indonesian news is many regional desks on a few networks' CMSes. The
Tribun Network runs a desk per region at `NAME.tribunnews.com` (TribunJatim,
TribunSolo, TribunJabar, TribunPadang, TribunManado …), all with Tribun Jogja's
markup, section hubs and daily index; detik runs its regional desks under
`www.detik.com/NAME` (detikJatim, detikJabar, detikBali, detikSumut, detikSulsel,
detikSumbagsel), all with detikJogja's markup and `indeks`; Harian Jogja runs
channel sites at `NAME.harianjogja.com` (news, ekbis, wisata) beside Jogjapolitan,
each with its own news sitemaps. A generated outlet is one such real desk (never
one the default site has), served by the existing outlet module of its network,
so the existing crawler rules (crawler/extraction/rules/tribun.py, detik.py,
harianjogja.py: they cover every *.tribunnews.com, *.detik.com and
*.harianjogja.com host) read it exactly, and all three discovery styles occur.

Which desks, in which order, their sections (the region's cities, places in
replica/data/regional-places.toml), section weights and how their articles
vary are drawn from `Random(f"{seed}:network")`; their articles from
`Random(f"{seed}:outlets")`, after every article of the default site, so a site
without generated outlets is byte for byte what it was. `sources_toml` writes
their sources config tables (`warta replica --write-sources FILE`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache, partial
from random import Random

from replica.model import WIB, TrueArticle
from replica.outlets import detik, harianjogja, tribun
from replica.outlets.base import Host, Ids, Outlet, Section
from replica.text import slugify, vocabulary
from replica.writer import FIRST_MINUTE, LAST_MINUTE, Plan, SiteWriter

__all__ = ["MAX_OUTLETS", "Network", "network", "regional_articles", "sources_toml"]

# Tribun desks: (subdomain, brand, the region's cities). A brand "Jatim" is the site
# "TribunJatim.com" (dateline TRIBUNJATIM.COM); the older desks' brands keep a hyphen:
# "-Bali" is "Tribun-Bali.com" (TRIBUN-BALI.COM), and Makassar's desk is Tribun-Timur.
TRIBUN_DESKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("bali", "-Bali", ("Denpasar", "Badung")),
    ("medan", "-Medan", ("Medan", "Binjai")),
    ("makassar", "-Timur", ("Makassar", "Gowa")),
    ("jatim", "Jatim", ("Surabaya", "Malang", "Sidoarjo")),
    ("solo", "Solo", ("Solo", "Sukoharjo", "Klaten")),
    ("jabar", "Jabar", ("Bandung", "Garut")),
    ("banyumas", "Banyumas", ("Banyumas", "Cilacap")),
    ("muria", "Muria", ("Kudus", "Jepara")),
    ("jakarta", "Jakarta", ("Jakarta Selatan", "Jakarta Timur")),
    ("banten", "Banten", ("Serang", "Pandeglang")),
    ("bogor", "Bogor", ("Bogor", "Depok")),
    ("cirebon", "Cirebon", ("Cirebon", "Indramayu")),
    ("madura", "Madura", ("Bangkalan", "Sumenep")),
    ("lombok", "Lombok", ("Mataram", "Lombok Timur")),
    ("flores", "Flores", ("Manggarai Barat", "Sikka")),
    ("padang", "Padang", ("Padang", "Bukittinggi")),
    ("pekanbaru", "Pekanbaru", ("Pekanbaru", "Kampar")),
    ("batam", "Batam", ("Batam", "Tanjungpinang")),
    ("jambi", "Jambi", ("Jambi", "Muaro Jambi")),
    ("sumsel", "Sumsel", ("Palembang", "Ogan Ilir")),
    ("bengkulu", "Bengkulu", ("Bengkulu", "Rejang Lebong")),
    ("lampung", "Lampung", ("Bandar Lampung", "Lampung Selatan")),
    ("pontianak", "Pontianak", ("Pontianak", "Kubu Raya")),
    ("kalteng", "Kalteng", ("Palangka Raya", "Kotawaringin Timur")),
    ("kaltim", "Kaltim", ("Samarinda", "Balikpapan")),
    ("kaltara", "Kaltara", ("Tarakan", "Bulungan")),
    ("manado", "Manado", ("Manado", "Minahasa")),
    ("gorontalo", "Gorontalo", ("Gorontalo", "Bone Bolango")),
    ("palu", "Palu", ("Palu", "Sigi")),
    ("sultra", "Sultra", ("Kendari", "Konawe")),
    ("ambon", "Ambon", ("Ambon", "Maluku Tengah")),
    ("ternate", "Ternate", ("Ternate", "Tidore Kepulauan")),
    ("papua", "Papua", ("Jayapura", "Merauke")),
    ("sorong", "Sorong", ("Sorong", "Raja Ampat")),
)
# detik's regional desks: (path prefix, channel name, the region's cities).
DETIK_DESKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("jatim", "detikJatim", ("Surabaya", "Malang", "Sidoarjo")),
    ("jabar", "detikJabar", ("Bandung", "Bogor", "Garut")),
    ("bali", "detikBali", ("Denpasar", "Badung")),
    ("sumut", "detikSumut", ("Medan", "Binjai")),
    ("sulsel", "detikSulsel", ("Makassar", "Gowa")),
    ("sumbagsel", "detikSumbagsel", ("Palembang", "Bandar Lampung")),
)
# Harian Jogja's channel sites: (subdomain, sections as (slug, label, places)); wisata's
# sections take travel topics only.
HARIAN_CHANNELS: tuple[tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...]], ...] = (
    (
        "news",
        (
            ("jateng", "Jateng", ("Semarang", "Solo", "Klaten")),
            ("jatim", "Jatim", ("Surabaya", "Malang", "Sidoarjo")),
        ),
    ),
    (
        "ekbis",
        (
            ("jogja", "Jogja", ("Jogja", "Sleman", "Bantul")),
            ("jateng", "Jateng", ("Semarang", "Solo", "Magelang")),
        ),
    ),
    (
        "wisata",
        (
            ("jogja", "Jogja", ("Jogja", "Gunungkidul", "Kulon Progo")),
            ("jateng", "Jateng", ("Magelang", "Wonosobo", "Temanggung")),
        ),
    ),
)
MAX_OUTLETS = len(TRIBUN_DESKS) + len(DETIK_DESKS) + len(HARIAN_CHANNELS)
# Which network each generated outlet comes from, cyclically, while it has desks left:
# mostly Tribun (it has by far the most), a detik desk in six, a Harian Jogja channel in 12.
PATTERN = "TTTHTDTTTTTD"
HARIAN_SEQUENCE = "harianjogja-channels"  # their r-<id>s grow with time, from here
HARIAN_START = 1_240_000
DETIK_SEQUENCE = "detik-regional"  # the regional desks' ids grow with time, from here
DETIK_START = 8_400_000
TRIBUN_MENU_TAIL = (
    "Nasional", "Internasional", "Bisnis", "Sport", "Seleb", "Lifestyle", "Kesehatan",
    "Otomotif", "Video", "Foto", "Tribunners", "Tribun Wiki",
)  # fmt: skip


@dataclass(frozen=True)
class Network:
    """A site's generated outlets, in drawing order, and the hosts only they need."""

    outlets: tuple[Outlet, ...]
    hosts: tuple[Host, ...]

    @property
    def by_source(self) -> dict[str, Outlet]:
        return {outlet.source: outlet for outlet in self.outlets}

    @property
    def by_host(self) -> dict[str, Host]:
        return {host.name: host for host in self.hosts}


@lru_cache(maxsize=16)
def network(seed: int, count: int) -> Network:
    """`count` regional desks drawn from the seed (the same for a given seed and count).

    Raises ValueError beyond the MAX_OUTLETS real desks the replica knows.
    """
    if not 0 <= count <= MAX_OUTLETS:
        raise ValueError(f"outlets must be between 0 and {MAX_OUTLETS}, got {count}")
    rng = Random(f"{seed}:network")
    tribuns, detiks, harians = list(TRIBUN_DESKS), list(DETIK_DESKS), list(HARIAN_CHANNELS)
    for desks in (tribuns, detiks, harians):
        rng.shuffle(desks)
    outlets: list[Outlet] = []
    hosts: list[Host] = []
    for index in range(count):
        left = {"T": len(tribuns), "D": len(detiks), "H": len(harians)}
        kind = PATTERN[index % len(PATTERN)]
        if not left[kind]:
            kind = next(other for other in "TDH" if left[other])
        if kind == "T":
            brand = _tribun_brand(rng, *tribuns.pop(0))
            outlets.append(brand.outlet)
            hosts.append(Host(brand.outlet.host, partial(tribun.serve_desk, brand), tribun.ROBOTS))
        elif kind == "D":
            outlets.append(_detik_desk(rng, *detiks.pop(0)))
        else:
            channel = _harian_channel(rng, *harians.pop(0))
            outlets.append(channel)
            serve = partial(harianjogja.serve_outlet, channel)
            hosts.append(Host(channel.host, serve, harianjogja.robots(channel)))
    return Network(tuple(outlets), tuple(hosts))


def _sections(rng: Random, cities: tuple[str, ...]) -> tuple[Section, ...]:
    """A section per city (hub /<slug>), most news from the first: the desk's home city."""
    weights = [round(rng.uniform(1.0, 2.0), 1)] + [1.0] * (len(cities) - 1)
    return tuple(
        Section(slugify(city), city, (city,), weight)
        for city, weight in zip(cities, weights, strict=True)
    )


def _tribun_brand(rng: Random, desk: str, word: str, cities: tuple[str, ...]) -> tribun.Brand:
    sections = _sections(rng, cities)
    outlet = replace(
        tribun.TRIBUN,
        source=f"tribun{desk}",
        name=f"Tribun {word.lstrip('-')}",
        host=f"{desk}.tribunnews.com",
        share=0.0,  # not of the default site's articles: a fixed count each
        sections=sections,
        reporter_line_share=round(rng.uniform(0.2, 0.6), 2),
    )
    province = vocabulary().places[cities[0]]["province"]
    trending = (f"UMK {province} 2026", f"Banjir {cities[0]}", f"Pilkada {cities[-1]}")
    return tribun.Brand(
        outlet,
        f"Tribun{word}.com",  # TribunJatim.com, Tribun-Bali.com
        f"TRIBUN{word.upper()}.COM",  # TRIBUNJATIM.COM, TRIBUN-BALI.COM
        f"logo-tribun{desk}.png",
        ("News", *(section.label for section in sections), *TRIBUN_MENU_TAIL),
        trending,
    )


def _detik_desk(rng: Random, prefix: str, name: str, cities: tuple[str, ...]) -> Outlet:
    places = tuple(cities)
    return replace(
        detik.DETIK_JOGJA,
        source=f"detik{prefix}",
        name=name,
        share=0.0,
        sections=(
            Section("berita", "Berita", places, 0.7, "berita"),
            Section("wisata", "Wisata", places, 0.3, "wisata"),
        ),
        prefix=prefix,
        ids=Ids(3, 40, sequence=DETIK_SEQUENCE, start=DETIK_START),
        co_author_share=round(rng.uniform(0.1, 0.3), 2),
    )


def _harian_channel(
    rng: Random, subdomain: str, sections: tuple[tuple[str, str, tuple[str, ...]], ...]
) -> Outlet:
    channel = "wisata" if subdomain == "wisata" else None
    weights = [round(rng.uniform(1.0, 2.0), 1)] + [1.0] * (len(sections) - 1)
    return replace(
        harianjogja.HARIAN_JOGJA,
        source=f"harianjogja{subdomain}",
        name=f"Harian Jogja {subdomain.title()}",
        host=f"{subdomain}.harianjogja.com",
        share=0.0,
        sections=tuple(
            Section(slug, label, places, weight, channel)
            for (slug, label, places), weight in zip(sections, weights, strict=True)
        ),
        ids=Ids(2, 30, sequence=HARIAN_SEQUENCE, start=HARIAN_START),
        uncredited_image_share=round(rng.uniform(0.1, 0.3), 2),
    )


# --- their articles ---------------------------------------------------------------------


def regional_articles(
    generated: Network,
    writer: SiteWriter,
    rng: Random,
    first_day: date,
    days: int,
    per_outlet: int,
    counters: dict[str, int],
) -> list[TrueArticle]:
    """`per_outlet` articles for each generated outlet, spread over `days` days.

    Drawn from `rng` (the site's `Random(f"{seed}:outlets")`, or a later night's),
    after the default site's articles: `writer` keeps titles and slugs unique over
    the whole site and hires each outlet's staff the first time. `counters` holds
    the last detik and Harian Jogja ids given, carried over to later nights.
    """
    writer.reseed(rng, writer.now)
    for outlet in generated.outlets:
        if outlet.source not in writer.staff:
            writer.staff[outlet.source] = writer.hire(12)
            writer.editors[outlet.source] = writer.hire(5)
    counters.setdefault(DETIK_SEQUENCE, DETIK_START)
    counters.setdefault(HARIAN_SEQUENCE, HARIAN_START)
    topics = list(vocabulary().topics.values())
    plans = []
    for outlet in generated.outlets:
        offsets = [index % days for index in range(per_outlet)]  # every day gets its share
        rng.shuffle(offsets)
        for offset in offsets:
            section = rng.choices(outlet.sections, [s.weight for s in outlet.sections])[0]
            fitting = [t.name for t in topics if section.channel in (None, t.channel)]
            minute = rng.randint(FIRST_MINUTE, LAST_MINUTE)
            day = first_day + timedelta(days=offset)
            published = datetime(day.year, day.month, day.day, *divmod(minute, 60), tzinfo=WIB)
            place = rng.choice(section.places)
            plans.append(Plan(outlet, section, place, rng.choice(fitting), published))
    for plan in sorted(plans, key=lambda p: (p.published, p.outlet.source)):
        ids = plan.outlet.ids
        if ids.sequence is None:
            plan.number = rng.randint(ids.low, ids.high)
        else:  # detik's and Harian Jogja's ids grow with time over all their desks
            counters[ids.sequence] += rng.randint(ids.low, ids.high)
            plan.number = counters[ids.sequence]
    return [writer.article(plan) for plan in plans]


# --- their sources config ---------------------------------------------------------------

TRIBUN_DISCOVERY = """style = "section_hubs"
hub_url = "https://{host}/{{section}}"
item_links = "li.art-list h3 a::attr(href)"
next_page = "div#paginga div.paging a.next::attr(href)"
"""
HARIAN_DISCOVERY = """style = "news_sitemap"
sitemap_url = "https://{host}/sitemap.xml"
"""
DETIK_DISCOVERY = """style = "daily_index"
index_url = "https://www.detik.com/{prefix}/indeks/{{page}}?date={{date:%m/%d/%Y}}"
item_links = '#indeks-container article.list-content__item h3.media__title > \
a.media__link:not([href^="https://20.detik.com/"])::attr(href)'
page_links = "div.pagination a.pagination__item:not(.pagination__item--active)::attr(href)"
"""


def sources_toml(generated: Network) -> str:
    """The `[sources.<id>]` tables of the generated outlets, as sources.toml writes them."""
    tables = []
    for outlet in generated.outlets:
        sections = ", ".join(f'"{section.slug}"' for section in outlet.sections)
        rule = _rule_of(outlet)
        lines = [
            f"[sources.{outlet.source}]",
            f'name = "{outlet.name}"',
            f'rule = "{rule}"',
            f'domains = ["{outlet.host}"]',
            f"sections = [{sections}]",
        ]
        if rule == "detik":
            lines.append(f'url_prefix = "https://{outlet.host}/{outlet.prefix}/"')
            discovery = DETIK_DISCOVERY.format(prefix=outlet.prefix)
        elif rule == "harianjogja":
            discovery = HARIAN_DISCOVERY.format(host=outlet.host)
        else:
            discovery = TRIBUN_DISCOVERY.format(host=outlet.host)
        tables.append("\n".join(lines) + f"\n\n[sources.{outlet.source}.discovery]\n{discovery}")
    return "\n".join(tables)


def _rule_of(outlet: Outlet) -> str:
    """The crawler rule (crawler/extraction/rules/NAME.py) that reads the outlet's pages."""
    if isinstance(outlet, detik.DetikOutlet):
        return "detik"
    if isinstance(outlet, harianjogja.HarianJogjaOutlet):
        return "harianjogja"
    return "tribun"
