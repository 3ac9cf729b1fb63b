"""The replica's nights: the site as it evolves from one nightly crawl to the next.

Night 0 is the default site byte for byte; each later night adds a day of new
articles (listed first) and revises a few older ones in place. Pages are read
over real HTTP from one server whose site is swapped from night to night.
"""

from __future__ import annotations

import inspect
import json
import threading
import time as time_module
import urllib.request
from datetime import date, datetime, time

import lxml.html
import pytest

from replica.edits import TITLE_TAILS
from replica.generator import build_site, truth_records
from replica.model import WIB
from replica.outlets import detik, harianjogja, kompas, tribun
from replica.outlets.tribun import TRIBUN
from replica.pages.common import numeric_date_time
from replica.routes import route
from replica.server import ReplicaServer, serve_forever
from tests.test_replica import (
    DETIK_ARTICLE_LINKS,
    READERS,
    SEED_URL,
    _is_clean,
    _json_ld,
    fetch,
    page,
    text_of,
)

ARGS = {"articles": 80, "seed": 7}
NEW_DAY, NEXT_DAY = date(2025, 11, 9), date(2025, 11, 10)
EDITS = 4
POPULAR = "div.populer, div.most, div.box-popular, div.popular"  # the outlets' "Terpopuler"


@pytest.fixture(scope="module")
def nights(small_site):
    """The small site on nights 0, 1 and 2, with EDITS revisions a night."""
    return [small_site] + [build_site(**ARGS, night=n, edits_per_night=EDITS) for n in (1, 2)]


@pytest.fixture(scope="module")
def server(small_site):
    with ReplicaServer(small_site) as served:
        yield served


def serving(server: ReplicaServer, site):
    server.site = site
    return server


def targets(site) -> list[tuple[str, str]]:
    """(host, path) of every article page and listing page of the site."""
    found = [(a.url.split("/")[2], "/" + a.url.split("/", 3)[3]) for a in site.articles]
    for day in site.days:
        found += [
            (TRIBUN.host, f"/index-news?date={tribun.index_date(day)}&page=1"),
            ("indeks.kompas.com", f"/?site=regional&date={day:%Y-%m-%d}&page=1"),
            ("www.detik.com", f"/jogja/indeks/1?date={day:%m/%d/%Y}"),
            ("www.detik.com", f"/jateng/indeks/1?date={day:%m/%d/%Y}"),
            ("jogjapolitan.harianjogja.com", f"/sitemap-news-{day:%Y-%m-%d}.xml"),
        ]
    found += [(TRIBUN.host, f"/{section.slug}?page=1") for section in TRIBUN.sections]
    return found + [("jogjapolitan.harianjogja.com", "/sitemap.xml"), ("x", "/_replica/meta")]


def newest_first(articles) -> list[str]:
    return [a.url for a in sorted(articles, key=lambda a: a.published_at, reverse=True)]


def untailed(title: str) -> str:
    """The title without the tail a revision adds."""
    for tail in TITLE_TAILS:
        title = title.removesuffix(f", {tail}")
    return title


def hrefs(server, url: str, selector: str) -> list[str]:
    return [a.get("href") for a in page(server, url).cssselect(selector)]


# --- night 0 ---------------------------------------------------------------------------------


def test_night_zero_is_the_default_site_byte_for_byte(small_site):
    zero = build_site(**ARGS, night=0, new_per_night=25, edits_per_night=6)
    assert truth_records(zero) == truth_records(small_site)
    assert [a.rendering for a in zero.articles] == [a.rendering for a in small_site.articles]
    for host, path in targets(small_site):
        assert route(zero, host, path) == route(small_site, host, path), (host, path)
    assert (zero.night, zero.now, zero.last_day) == (0, small_site.now, date(2025, 11, 8))
    assert zero.new_urls(0) == [] and zero.edited_since(0) == []


# --- new articles ----------------------------------------------------------------------------


def test_night_one_adds_new_per_night_articles_on_the_new_day(nights):
    base, one = nights[0], build_site(**ARGS, night=1, new_per_night=10)
    new = [a for a in one.articles if a.url not in base.by_url]
    assert len(new) == 10 and len(one.articles) == len(base.articles) + 10
    assert one.new_urls(0) == newest_first(new) and one.new_urls(1) == []
    assert truth_records(one)[: len(base.articles)] == truth_records(base)  # no edits asked
    assert {a.source for a in new} == {
        "tribunjogja",
        "kompasregional",
        "detikjogja",
        "detikjateng",
        "harianjogja",
    }
    records = truth_records(one)
    assert len({r["url"] for r in records}) == len({r["title"] for r in records}) == len(records)
    paragraphs = [p for r in records for p in r["body"].split("\n\n")]
    assert len(set(paragraphs)) == len(paragraphs)
    for article in new:
        published = article.published_at
        assert published.date() == NEW_DAY and time(5) <= published.time() <= time(23)
        assert published.utcoffset() == WIB.utcoffset(None)
        assert article.modified_at is None or published <= article.modified_at < one.now
        texts = [article.title, article.description, *article.authors, *article.paragraphs]
        assert all(_is_clean(text) for text in texts)
    assert one.now == datetime(2025, 11, 10, 1, 0, tzinfo=WIB)
    assert one.days[-1] == NEW_DAY and one.first_day == base.first_day
    # ids keep growing with time, as the outlets' do
    for prefix in ("/d-", "/r-"):
        numbers = [
            (a.published_at, int(a.url.split(prefix)[1].split("/")[0]))
            for a in one.articles
            if prefix in a.url
        ]
        assert [n for _, n in sorted(numbers)] == sorted(n for _, n in numbers)


def test_new_articles_are_listed_first_where_the_outlets_list_them(server, nights):
    base, one = nights[0], nights[1]
    serving(server, one)
    new = [a for a in one.articles if a.url not in base.by_url]
    of = {s: [a for a in new if a.source == s] for s in {a.source for a in new}}
    for section in TRIBUN.sections:
        listed = hrefs(server, f"https://{TRIBUN.host}/{section.slug}", "li.art-list h3 a")
        fresh = newest_first(a for a in of["tribunjogja"] if a.section == section.slug)
        older = [a.url for a in base.in_section("tribunjogja", section.slug)]
        assert listed == (fresh + older)[:20], section.slug
    items = "ul.lsi > li.ptb15 h3.f16.fbo a"
    url = f"https://{TRIBUN.host}/index-news?date=2025-11-9&page=1"
    assert hrefs(server, url, items) == newest_first(of["tribunjogja"])
    url = kompas.index_url(NEW_DAY, 1)
    assert hrefs(server, url, "div.articleItem a.article-link") == newest_first(
        of["kompasregional"]
    )
    for outlet_source, outlet in (("detikjogja", "jogja"), ("detikjateng", "jateng")):
        url = f"https://www.detik.com/{outlet}/indeks/1?date=11/09/2025"
        listed = hrefs(server, url, DETIK_ARTICLE_LINKS)
        assert listed == newest_first(of[outlet_source])
    # older days' listings stay as they were
    url = detik.index_url(detik.DETIK_JOGJA, base.last_day, 1)
    assert hrefs(server, url, DETIK_ARTICLE_LINKS) == [
        a.url for a in base.on_day("detikjogja", base.last_day)
    ]


def test_harian_jogja_sitemaps_gain_the_new_day_first(server, nights):
    base, one = nights[0], nights[1]
    serving(server, one)
    status, _, text = fetch(server, f"{harianjogja.BASE}/sitemap.xml")
    locs = [loc.split("</loc>")[0] for loc in text.split("<loc>")[1:]]
    assert status == 200 and locs[0] == harianjogja.sitemap_url(NEW_DAY)
    assert locs[1:] == [harianjogja.sitemap_url(day) for day in reversed(base.days)]
    status, _, text = fetch(server, harianjogja.sitemap_url(NEW_DAY))
    listed = [loc.split("</loc>")[0] for loc in text.split("<loc>")[1:]]
    new = [a for a in one.articles if a.source == "harianjogja" and a.url not in base.by_url]
    assert status == 200 and listed == newest_first(new) and listed


def test_night_two_keeps_night_one_and_adds_its_own_day(nights):
    base, one, two = nights
    assert two.new_urls(0) == two.new_urls(1) + one.new_urls(0)  # newest first
    assert len(two.new_urls(1)) == 10 and len(two.new_urls(0)) == 20
    assert {two.by_url[u].published_at.date() for u in two.new_urls(1)} == {NEXT_DAY}
    again = set(two.edited_urls(2))
    for url in one.new_urls(0):
        if url not in again:
            assert two.by_url[url].truth() == one.by_url[url].truth()
            assert two.by_url[url].rendering == one.by_url[url].rendering
    # every article not revised on night 2 is as it was on night 1
    unchanged = [a for a in one.articles if a.url not in again]
    assert [two.by_url[a.url].truth() for a in unchanged] == [a.truth() for a in unchanged]
    # the truth as of an earlier night: the same site, built for that night
    assert truth_records(two.at_night(1)) == truth_records(one)
    assert truth_records(two.at_night(0)) == truth_records(base)
    assert two.clock(1) == one.now and two.clock(0) == base.now


def test_new_articles_do_not_depend_on_edits_or_later_nights(nights):
    plain = build_site(**ARGS, night=2)
    assert plain.new_urls(0) == nights[2].new_urls(0)
    edited = set(nights[2].edited_since(0))
    for url in plain.new_urls(0):
        if url not in edited:
            assert plain.by_url[url].truth() == nights[2].by_url[url].truth()


def test_unrevised_article_bodies_stay_the_same_from_night_to_night(server, nights):
    """ "Baca juga" links of an old article do not move when newer articles appear.

    (They do show a linked article's revised title: hence a site without revisions.)
    """
    base, two = nights[0], build_site(**ARGS, night=2)
    for article in base.articles:
        bodies = []
        for site in (base, two):
            serving(server, site)
            doc = page(server, article.url)
            for widget in doc.cssselect(POPULAR):  # "Terpopuler" changes daily, as it should
                widget.drop_tree()
            bodies.append(lxml.html.tostring(doc))
        assert bodies[0] == bodies[1], article.url


# --- revisions -------------------------------------------------------------------------------


def test_revisions_keep_the_url_and_change_title_or_body(nights):
    base, one, two = nights
    assert len(one.edited_urls(1)) == EDITS and two.edited_urls(1) == one.edited_urls(1)
    assert len(two.edited_urls(2)) == EDITS and one.edited_urls(2) == []
    for night, site, before in ((1, one, base), (2, two, one)):
        for url in site.edited_urls(night):
            assert url != SEED_URL and url in before.by_url
            old, new = before.by_url[url].truth(), site.by_url[url].truth()
            assert new["modified_at"].date() == date(2025, 11, 8 + night)
            assert new["modified_at"] > (old["modified_at"] or old["published_at"])
            assert new["modified_at"] < site.now
            assert (new["title"], new["body"]) != (old["title"], old["body"])
            assert untailed(new["title"]) == untailed(old["title"])  # a slight change
            old_paragraphs, new_paragraphs = old["body"].split("\n\n"), new["body"].split("\n\n")
            assert new_paragraphs[0] == old_paragraphs[0]  # dateline paragraph kept
            assert len(new_paragraphs) in (len(old_paragraphs), len(old_paragraphs) + 1)
            same = {"title", "body", "modified_at"}
            assert {k: v for k, v in old.items() if k not in same} == {
                k: v for k, v in new.items() if k not in same
            }
            assert all(_is_clean(text) for text in [new["title"], *new_paragraphs])
    # a night-1 revision is still there on night 2 (unless revised again)
    for url in set(one.edited_urls(1)) - set(two.edited_urls(2)):
        assert two.by_url[url].truth() == one.by_url[url].truth()
    records = truth_records(two)
    paragraphs = [p for r in records for p in r["body"].split("\n\n")]
    assert len(set(paragraphs)) == len(paragraphs)
    assert len({r["title"] for r in records}) == len(records)


def test_revised_pages_show_the_revision(server):
    site = build_site(**ARGS, night=2, edits_per_night=12)
    serving(server, site)
    revised = [site.by_url[url] for url in site.edited_since(0)]
    assert {a.source for a in revised} == set(READERS)
    for article in revised:
        doc = page(server, article.url)
        modified = article.modified_at.isoformat()
        if article.source == "harianjogja":
            meta = doc.cssselect('meta[property="article:modified_time"]')[0]
            assert meta.get("content") == modified
        else:  # Kompas writes it in UTC: the same instant
            assert datetime.fromisoformat(_json_ld(doc)["dateModified"]) == article.modified_at
        assert _json_ld(doc)["headline"] == article.title
        if article.source == "kompasregional":
            assert text_of(doc.cssselect("div.read__time")[0]).endswith(
                f"Diperbarui {numeric_date_time(article.modified_at)}"
            )
        paragraphs, _ = READERS[article.source](server, article)
        assert paragraphs == article.paragraphs, article.url


# --- clock, server, determinism --------------------------------------------------------------


def test_meta_has_the_night_and_its_clock(server, nights):
    serving(server, nights[2])
    meta = json.loads(fetch(server, "https://www.detik.com/_replica/meta")[2])
    assert meta["night"] == 2 and meta["now"] == "2025-11-11T01:00:00+07:00"
    assert (meta["first_day"], meta["last_day"]) == ("2025-11-02", "2025-11-10")
    assert (meta["articles"], meta["total"]) == (80, 101)


def test_server_swaps_site_between_crawls(server, nights):
    base, one = nights[0], nights[1]
    new_url = one.new_urls(0)[0]
    revised = one.by_url[one.edited_urls(1)[0]]
    serving(server, base)
    assert fetch(server, new_url)[0] == 404
    assert _json_ld(page(server, revised.url))["headline"] == base.by_url[revised.url].title
    port = server.port
    serving(server, one)
    assert server.port == port and server.site is one
    assert fetch(server, new_url)[0] == 200
    assert _json_ld(page(server, revised.url))["headline"] == revised.title


def test_swapping_is_atomic_for_requests_in_flight(server, nights):
    base, one = nights[0], nights[1]
    path = f"/{TRIBUN.sections[0].slug}"
    expected = {route(site, TRIBUN.host, path).body for site in (base, one)}
    assert len(expected) == 2
    bodies, stop = [], threading.Event()

    def swap() -> None:
        while not stop.is_set():
            for site in (base, one):
                server.site = site
                time_module.sleep(0.0002)  # let the server threads run between swaps

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        for _ in range(60):
            request = urllib.request.Request(server.base_url + path, headers={"Host": TRIBUN.host})
            with urllib.request.urlopen(request, timeout=10) as response:
                bodies.append(response.read())
    finally:
        stop.set()
        swapper.join()
    assert set(bodies) <= expected


def test_same_arguments_same_nights():
    first = build_site(**ARGS, night=3, edits_per_night=2)
    again = build_site(**ARGS, night=3, edits_per_night=2)
    other = build_site(80, seed=8, night=3, edits_per_night=2)
    assert truth_records(first) == truth_records(again)
    assert [a.rendering for a in first.articles] == [a.rendering for a in again.articles]
    assert [first.edited_urls(n) for n in (1, 2, 3)] == [again.edited_urls(n) for n in (1, 2, 3)]
    assert set(first.new_urls(0)).isdisjoint(other.new_urls(0))


def test_arguments_are_checked_and_reach_the_cli_entry_point():
    with pytest.raises(ValueError):
        build_site(night=-1)
    with pytest.raises(ValueError):
        build_site(edits_per_night=-1)
    tiny = build_site(0, night=1, new_per_night=0, edits_per_night=3)
    assert len(tiny.articles) == 1 and tiny.edited_urls(1) == []  # only the seed: never revised
    parameters = inspect.signature(serve_forever).parameters
    assert {"night", "new_per_night", "edits_per_night"} <= set(parameters)
