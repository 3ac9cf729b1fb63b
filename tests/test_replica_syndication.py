"""The replica's syndication: Tribun Jateng, syndicated and edited wire copies, and traps.

`build_site(..., syndication=True)` (docs/replica-contract.md, "Syndication")
adds copies of stories with known truth (`Site.clusters`) and different stories
that share a long passage (`Site.traps`), for testing near-duplicate detection.
The default site stays exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import timedelta

import lxml.html
import pytest

from replica.generator import build_site, truth_records
from replica.model import TRUTH_FIELDS
from replica.outlets import ALL_OUTLETS, HOSTS, SYNDICATION_HOSTS
from replica.outlets.tribun import TRIBUN_JATENG
from replica.routes import route
from replica.syndication import TEAM, shingles, similarity
from replica.text import EN_DASH
from tests.test_replica import _json_ld, fetch, page, text_of, walk

# sha256 of the truth records of build_site(300, seed=1), computed before syndication existed.
DEFAULT_TRUTH_SHA256 = "51ee33a3deef3bb77ce92ee959238b980d8a80a9879b9a44ca05116d581d16e9"
JATENG = f"https://{TRIBUN_JATENG.host}"


def truth_digest(site) -> str:
    text = json.dumps(
        truth_records(site),
        ensure_ascii=False,
        sort_keys=True,
        default=lambda value: value.isoformat(),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def split(url: str) -> tuple[str, str]:
    return url.split("/")[2], "/" + url.split("/", 3)[3]


@pytest.fixture(scope="module")
def default_site():
    return build_site(300, seed=1)


@pytest.fixture(scope="module")
def site():
    return build_site(300, seed=1, syndication=True)


@pytest.fixture(scope="module")
def server(site):
    from replica.server import ReplicaServer

    with ReplicaServer(site) as served:
        yield served


def kinds(site) -> tuple[list, list]:
    """The clusters split into (Tribun Jogja -> Jateng, detik -> Kompas / Harian Jogja)."""
    tribun = [c for c in site.clusters if site.by_url[c[0]].source == "tribunjogja"]
    wire = [c for c in site.clusters if site.by_url[c[0]].source.startswith("detik")]
    assert len(tribun) + len(wire) == len(site.clusters)
    return tribun, wire


# --- the default site ------------------------------------------------------------------------


def test_default_site_is_unchanged(default_site):
    assert truth_digest(default_site) == DEFAULT_TRUTH_SHA256
    off = build_site(300, seed=1, syndication=False)
    assert truth_digest(off) == DEFAULT_TRUTH_SHA256
    assert (default_site.clusters, default_site.traps) == ([], [])
    assert default_site.hosts == HOSTS and TRIBUN_JATENG.host not in HOSTS
    assert {a.source for a in default_site.articles} == set(ALL_OUTLETS) - {"tribunjateng"}
    assert route(default_site, TRIBUN_JATENG.host, "/robots.txt").status == 404
    assert route(default_site, TRIBUN_JATENG.host, "/semarang").status == 404


def test_syndicated_site_adds_to_the_default_site(default_site, site):
    base = len(default_site.articles)
    assert truth_records(site)[:base] == truth_records(default_site)
    assert [a.rendering for a in site.articles[:base]] == [
        a.rendering for a in default_site.articles
    ]
    assert site.hosts == SYNDICATION_HOSTS
    assert site.parameters["syndication"] is True
    # every outlet page of a default article is the same, but for the Tribun Jogja
    # articles' "Baca juga" neighbours (other articles are listed now)
    detik = next(a for a in default_site.articles if a.source == "detikjateng")
    assert route(site, *split(detik.url)) == route(default_site, *split(detik.url))


# --- truth -----------------------------------------------------------------------------------


def _is_clean(text: str) -> bool:
    return bool(text) and text == " ".join(unicodedata.normalize("NFC", text).split())


def test_truth_follows_the_contract(site):
    records = truth_records(site)
    assert len({r["url"] for r in records}) == len(records)
    assert {r["source"] for r in records} == set(ALL_OUTLETS)
    for article, r in zip(site.articles, records, strict=True):
        assert tuple(r) == TRUTH_FIELDS
        outlet = ALL_OUTLETS[r["source"]]
        assert r["url"].startswith(f"https://{outlet.host}/") and "?" not in r["url"]
        assert outlet.section(r["section"]).label == article.rendering.section_label
        texts = [r["title"], r["description"], *r["authors"], *r["editors"], *r["tags"]]
        assert all(_is_clean(text) for text in texts + r["body"].split("\n\n")), r["url"]
        assert 5 <= len(r["body"].split("\n\n")) <= 16
        assert len(article.rendering.kinds) == len(r["body"].split("\n\n"))
        assert r["pages"] == len(article.rendering.page_starts)
        tribun = r["source"] in ("tribunjogja", "tribunjateng")
        assert (r["summary"] is not None) == tribun
        assert (r["editors"] == []) == r["source"].startswith("detik")
        assert r["authors"] or article.rendering.byline == TEAM
        assert all(
            item.after < len(article.rendering.kinds) - 1 for item in article.rendering.inserts
        )
        published, modified = r["published_at"], r["modified_at"]
        assert site.first_day <= published.date() <= site.last_day and 5 <= published.hour <= 23
        assert modified is None or published <= modified < site.now
    # Harian Jogja and detik ids still grow with time
    for prefix in ("/d-", "/r-"):
        numbers = sorted(
            (a.published_at, int(a.url.split(prefix)[1].split("/")[0]))
            for a in site.articles
            if prefix in a.url
        )
        assert [n for _, n in numbers] == sorted(n for _, n in numbers)


def test_clusters_have_the_intended_shapes(site, default_site):
    tribun, wire = kinds(site)
    generated = default_site.articles[:-1]  # less the seed article
    count = {s: sum(a.source == s for a in generated) for s in ALL_OUTLETS}
    assert len(tribun) == round(count["tribunjogja"] * 0.10) == 10
    assert len(wire) == round((count["detikjogja"] + count["detikjateng"]) * 0.05) == 4
    assert sum(a.source == "tribunjateng" for a in site.articles) == 15 + len(tribun)
    assert len(site.traps) == 3
    urls = [url for cluster in site.clusters for url in cluster]
    assert len(urls) == len(set(urls)) and set(urls) <= set(site.by_url)
    for cluster in site.clusters:
        times = [site.by_url[url].published_at for url in cluster]
        assert times == sorted(times) and len(cluster) >= 2
    for original, copy in tribun:
        assert original in default_site.by_url and copy.startswith(JATENG + "/")
        delay = site.by_url[copy].published_at - site.by_url[original].published_at
        assert timedelta(minutes=10) <= delay <= timedelta(minutes=180)
    assert {len(cluster) for cluster in wire} == {2, 3}
    for original, *copies in wire:
        assert original in default_site.by_url
        for copy in copies:
            assert site.by_url[copy].source in ("kompasregional", "harianjogja")
            delay = site.by_url[copy].published_at - site.by_url[original].published_at
            assert timedelta(hours=1) <= delay <= timedelta(hours=6)
    assert set(urls).isdisjoint(url for pair in site.traps for url in pair)


def test_tribun_copies_are_small_sentence_level_edits(site):
    tribun, _ = kinds(site)
    retitled = team = edited = 0
    for original_url, copy_url in tribun:
        original, copy = site.by_url[original_url], site.by_url[copy_url]
        assert copy.url == f"{JATENG}/{copy.published_at:%Y/%m/%d}/{copy.url.rsplit('/', 1)[1]}"
        assert copy.url.rsplit("/", 1)[1] == re.sub(r"[^a-z0-9]+", "-", copy.title.lower()).strip(
            "-"
        )
        assert TRIBUN_JATENG.section(copy.section) is not None
        keep = ("summary", "description", "location", "tags", "images", "pages")
        assert [getattr(copy, k) for k in keep] == [getattr(original, k) for k in keep]
        assert copy.authors in (original.authors, [])
        team += copy.authors == []
        retitled += copy.title != original.title
        old, new = original.paragraphs, copy.paragraphs
        assert len(old) == len(new) and old[0] == new[0]
        changed = sum(a != b for a, b in zip(old, new, strict=True))
        assert changed <= 2
        edited += changed > 0
        assert similarity(original.body, copy.body) >= 0.7
    assert retitled and team and edited and edited < len(tribun)


def test_wire_copies_are_edited_but_share_most_text(site):
    _, wire = kinds(site)
    for original_url, *copies in wire:
        original = site.by_url[original_url]
        for copy_url in copies:
            copy = site.by_url[copy_url]
            assert copy.title != original.title
            assert copy.body != original.body
            assert abs(len(copy.paragraphs) - len(original.paragraphs)) <= 1
            assert similarity(original.body, copy.body) >= 0.70, copy.url
            assert copy.location == original.location and copy.editors
            assert copy.description == copy.paragraphs[0].split(". ")[0].rstrip(".") + "."


def _longest_shared_run(first: str, second: str) -> int:
    """The length in words of the longest word run both texts contain."""
    size = 0
    while shingles(first, size + 1) & shingles(second, size + 1):
        size += 1
    return size


def test_traps_share_a_long_passage_but_little_else(site):
    clustered = {url for cluster in site.clusters for url in cluster}
    kinds_seen = set()
    for first_url, second_url in site.traps:
        first, second = site.by_url[first_url], site.by_url[second_url]
        assert first_url not in clustered and second_url not in clustered
        assert first.rendering.topic != second.rendering.topic
        assert len(first.paragraphs) >= 7 and len(second.paragraphs) >= 7  # 6 + the shared one
        assert similarity(first.body, second.body) < 0.30
        assert _longest_shared_run(first.body, second.body) >= 50
        (shared,) = set(first.paragraphs) & set(second.paragraphs)
        kinds_seen.add(shared.startswith("\u201c"))
    assert kinds_seen == {True, False}  # a press release and a long quote


def test_text_is_shared_only_within_clusters_and_traps(site):
    together = {frozenset(pair) for pair in site.traps}
    for cluster in site.clusters:
        together |= {frozenset((a, b)) for a in cluster for b in cluster if a != b}
    holders: dict[str, list[str]] = {}
    for article in site.articles:
        for paragraph in set(article.paragraphs):
            holders.setdefault(paragraph, []).append(article.url)
    for paragraph, urls in holders.items():
        for a in urls:
            for b in urls:
                assert a == b or frozenset((a, b)) in together, (paragraph[:60], a, b)


# --- served over HTTP ------------------------------------------------------------------------


def _read_jateng(server, article) -> list[str]:
    paragraphs = []
    for number in range(1, article.pages + 1):
        doc = page(server, article.url if number == 1 else f"{article.url}?page={number}")
        (body,) = doc.cssselect("div.side-article.txt-article")
        for child in body:
            if child.tag in ("p", "h2", "h3") and "baca" not in child.classes:
                if not text_of(child).startswith("Laporan Wartawan"):
                    paragraphs.append(text_of(child))
        for link in body.cssselect("p.baca a"):
            assert link.get("href").startswith(JATENG + "/")
        for caption in body.cssselect("figcaption"):
            assert "TRIBUNJOGJA" not in text_of(caption)
    prefix = f"TRIBUNJATENG.COM, {article.location.upper()} {EN_DASH} "
    assert paragraphs[0].startswith(prefix), article.url
    paragraphs[0] = paragraphs[0].removeprefix(prefix)
    assert re.search(r" \(\w{3}\)$", paragraphs[-1])
    paragraphs[-1] = paragraphs[-1].rsplit(" (", 1)[0]
    return paragraphs


def test_jateng_pages_show_their_truth_with_jateng_boilerplate(server, site):
    jateng = site.source_articles("tribunjateng")
    assert any(a.pages > 1 for a in jateng) and any(not a.authors for a in jateng)
    for article in jateng:
        doc = page(server, article.url)
        assert doc.cssselect("title")[0].text == f"{article.title} - Tribunjateng.com"
        og = doc.cssselect('meta[property="og:site_name"]')[0].get("content")
        assert og == "Tribunjateng.com"
        assert doc.cssselect('link[rel="canonical"]')[0].get("href") == article.url
        byline = article.authors[0] if article.authors else TEAM
        assert text_of(doc.cssselect("div#penulis")[0]) == f"Penulis: {byline}"
        assert text_of(doc.cssselect("div#editor")[0]) == f"Editor: {article.editors[0]}"
        assert _json_ld(doc)["publisher"]["name"] == "Tribunjateng.com"
        assert _read_jateng(server, article) == article.paragraphs
        assert "Tribunjogja.com" not in lxml.html.tostring(doc, encoding="unicode")


def test_jateng_listings_and_robots(server, site):
    listed_all = []
    for section in TRIBUN_JATENG.sections:
        listed = walk(server, f"{JATENG}/{section.slug}", "li.art-list h3 a", "div#paginga a.next")
        assert listed == [a.url for a in site.in_section("tribunjateng", section.slug)]
        listed_all += listed
    assert sorted(listed_all) == sorted(a.url for a in site.source_articles("tribunjateng"))
    for day in site.days:
        url = f"{JATENG}/index-news?date={day.year}-{day.month}-{day.day}&page=1"
        listed = walk(server, url, "ul.lsi > li.ptb15 h3.f16.fbo a", "div#paginga a.next")
        assert listed == [a.url for a in site.on_day("tribunjateng", day)]
    status, _, robots = fetch(server, f"{JATENG}/robots.txt")
    assert status == 200 and "Disallow: /tag/" in robots.splitlines()
    meta = json.loads(fetch(server, f"{JATENG}/_replica/meta")[2])
    assert meta["hosts"] == list(SYNDICATION_HOSTS)
    assert fetch(server, f"{JATENG}/sleman")[0] == 404


def test_wire_copies_are_served_and_listed_by_their_outlet(server, site):
    _, wire = kinds(site)
    for _original, *copies in wire:
        for url in copies:
            copy = site.by_url[url]
            doc = page(server, url)
            if copy.source == "kompasregional":
                first = text_of(doc.cssselect("div.read__content p")[0])
                assert first.startswith(f"{copy.location.upper()}, KOMPAS.com - ")
                index = (
                    f"https://indeks.kompas.com/?site=regional&date={copy.published_at:%Y-%m-%d}"
                )
                pages = walk(
                    server, index, "div.articleItem a.article-link", "a.paging__link--next"
                )
                assert url in pages
            else:
                first = text_of(doc.cssselect("div.article-content p")[0])
                assert first.startswith(f"Harianjogja.com, {copy.location.upper()}\u2014")
                sitemap = f"https://jogjapolitan.harianjogja.com/sitemap-news-{copy.published_at:%Y-%m-%d}.xml"
                assert f"<loc>{url}</loc>" in fetch(server, sitemap)[2]
            assert _json_ld(doc)["headline"] == copy.title


# --- determinism, nights -----------------------------------------------------------------------


def test_same_arguments_same_syndication(site):
    again = build_site(300, seed=1, syndication=True)
    assert truth_records(again) == truth_records(site)
    assert [a.rendering for a in again.articles] == [a.rendering for a in site.articles]
    assert (again.clusters, again.traps) == (site.clusters, site.traps)
    copy = site.clusters[0][1]
    assert route(again, *split(copy)) == route(site, *split(copy))
    other = build_site(300, seed=2, syndication=True)
    assert other.clusters != site.clusters


def test_syndication_carries_over_to_later_nights(site):
    small = build_site(80, seed=7, syndication=True)
    later = build_site(80, seed=7, syndication=True, night=2, edits_per_night=3)
    assert later.clusters == small.clusters and later.traps == small.traps
    assert truth_records(later.at_night(0)) == truth_records(small)
    assert {len(c) for c in small.clusters} >= {2} and small.traps
