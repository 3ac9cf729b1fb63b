"""The offline replica: deterministic truth, and pages served over real HTTP per the contract.

Pages are fetched from the session's `replica_server` (tests/conftest.py) with
urllib and the outlet's Host header; a small reference reading of the
contract's selectors checks that what the pages show is exactly the truth.
"""

from __future__ import annotations

import json
import re
import unicodedata
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from replica.generator import build_site, truth_records
from replica.model import TRUTH_FIELDS, WIB
from replica.outlets import HOSTS, OUTLETS
from replica.routes import route
from replica.text import EN_DASH

SEED_URL = "https://jogja.tribunnews.com/2025/11/07/pemkot-magelang-gelar-retreat-diikuti-puluhan-pejabat-asn"
SEED_FILE = Path(__file__).resolve().parents[1] / "replica" / "data" / "seed-article.txt"
SOURCES = ["tribunjogja", "kompasregional", "detikjogja", "detikjateng", "harianjogja"]
LOOPBACK = re.compile(r"127\.0\.0\.1|localhost|\[::1\]")


@pytest.fixture(scope="module")
def big_server():
    """A site big enough for several listing pages per day and multi-page articles of all kinds."""
    from replica.server import ReplicaServer

    with ReplicaServer(build_site(1000, seed=9)) as server:
        yield server


# --- fetching --------------------------------------------------------------------------------


def fetch(server, url: str, method: str = "GET") -> tuple[int, dict, str]:
    """GET a real outlet URL from the replica: (status, headers, text). Never loopback in it."""
    host, path = url.split("/")[2], "/" + url.split("/", 3)[3]
    request = urllib.request.Request(server.base_url + path, headers={"Host": host}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, dict(error.headers), error.read()
    text = body.decode("utf-8")
    assert not LOOPBACK.search(text), f"loopback address served in {url}"
    return status, headers, text


def page(server, url: str) -> lxml.html.HtmlElement:
    status, headers, text = fetch(server, url)
    assert status == 200, url
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<meta charset="utf-8">' in text
    return lxml.html.fromstring(text)


def text_of(element) -> str:
    return " ".join(unicodedata.normalize("NFC", element.text_content()).split())


def walk(server, url: str, items: str, next_link: str) -> list[str]:
    """Follow a listing's `next_link` from `url`; the item hrefs of every page, in order."""
    found, seen_pages = [], set()
    while url and url not in seen_pages:
        seen_pages.add(url)
        doc = page(server, url)
        found += [a.get("href") for a in doc.cssselect(items)]
        url = next((a.get("href") for a in doc.cssselect(next_link)), None)
    return found


# --- the truth ---------------------------------------------------------------------------------


def test_same_seed_same_site_other_seed_other_site():
    first, again, other = build_site(40, seed=3), build_site(40, seed=3), build_site(40, seed=4)
    assert truth_records(first) == truth_records(again)
    assert [a.rendering for a in first.articles] == [a.rendering for a in again.articles]
    url = first.articles[0].url
    host, path = url.split("/")[2], "/" + url.split("/", 3)[3]
    assert route(first, host, path) == route(again, host, path)  # byte-identical pages
    assert truth_records(first) != truth_records(other)


def test_size_is_n_generated_plus_the_seed_article(small_site):
    assert len(build_site(0).articles) == 1
    assert len(build_site(25, seed=2).articles) == 26
    counts = {s: sum(a.source == s for a in small_site.articles) for s in SOURCES}
    # 80 articles by the shares 35/20/15/10/20 %, plus the seed article (Tribun).
    assert counts == {
        "tribunjogja": 29,
        "kompasregional": 16,
        "detikjogja": 12,
        "detikjateng": 8,
        "harianjogja": 16,
    }
    assert sum(a.pages > 1 for a in build_site(300).articles) > 10


def _seed_expectations() -> dict:
    """The seed article's truth, read from the text file independently of replica.seed."""
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    body_lines = lines[5 : lines.index("", 5)]
    body_lines[0] = body_lines[0].removeprefix(f"TRIBUNJOGJA.COM, MAGELANG {EN_DASH} ")
    body_lines[-1] = body_lines[-1].removesuffix(" (tro)")
    return {
        "title": lines[1],
        "description": lines[2],
        "summary": lines[4].removeprefix("Ringkasan Berita:"),
        "body": "\n\n".join(line for line in body_lines if not line.startswith("Baca juga")),
    }


def test_seed_article_truth(small_site):
    (seed,) = [a for a in small_site.articles if a.url == SEED_URL]
    truth = seed.truth()
    expected = _seed_expectations()
    assert truth["source"] == "tribunjogja"
    assert truth["section"] == "magelang"
    assert truth["title"] == "Pemkot Magelang Gelar Retreat Diikuti Puluhan Pejabat ASN"
    assert truth["title"] == expected["title"]
    assert truth["description"] == expected["description"]
    assert truth["summary"] == expected["summary"]
    assert truth["summary"].startswith("Aparatur sipil negara (ASN)")
    assert truth["authors"] == ["Yuwantoro Winduajie"]
    assert truth["editors"] == ["Iwan Al Khasni"]
    assert truth["published_at"] == datetime(2025, 11, 7, 15, 30, tzinfo=WIB)
    assert truth["published_at"].isoformat() == "2025-11-07T15:30:00+07:00"
    assert truth["location"] == "Magelang"
    assert truth["tags"][0] == "Pemkot Magelang"
    assert truth["body"] == expected["body"]
    assert truth["body"].startswith("Sebanyak 32 aparatur sipil negara")
    assert truth["body"].endswith("berkelanjutan.")
    assert "\u201c" in truth["body"] and f"(5{EN_DASH}7/11/2025)" in truth["body"]
    for unwanted in ("Baca juga", "(tro)", "UU ITE", "Ringkasan Berita", "TRIBUNJOGJA.COM"):
        assert unwanted not in truth["body"]
    assert (truth["pages"], truth["language"]) == (1, "id")


def _is_clean(text: str) -> bool:
    return text == " ".join(unicodedata.normalize("NFC", text).split())


def test_truth_follows_the_contract():
    site = build_site(300, seed=1)
    records = truth_records(site)
    assert {r["source"] for r in records} == set(SOURCES)
    assert len({r["url"] for r in records}) == len({r["title"] for r in records}) == len(records)
    all_paragraphs = [p for r in records for p in r["body"].split("\n\n")]
    assert len(set(all_paragraphs)) == len(all_paragraphs), "two articles share a paragraph"
    for article, r in zip(site.articles, records, strict=True):
        assert tuple(r) == TRUTH_FIELDS
        assert "?" not in r["url"] and r["url"].startswith("https://")
        outlet = OUTLETS[r["source"]]
        label = article.rendering.section_label
        assert r["section"] == re.sub(r" +", "-", label.strip().lower())
        assert outlet.section(r["section"]) is not None
        texts = [r["title"], r["description"], *r["authors"], *r["editors"], *r["tags"]]
        texts += r["body"].split("\n\n") + [r["summary"] or "x"]
        assert all(text and _is_clean(text) for text in texts), r["url"]
        assert r["location"].upper().title() == r["location"]
        assert all("," not in tag for tag in r["tags"])
        assert 5 <= len(r["body"].split("\n\n")) <= 16
        assert r["pages"] == len(article.rendering.page_starts)
        assert (r["pages"] == 1) if r["source"] == "harianjogja" else (1 <= r["pages"] <= 3)
        assert (r["summary"] is not None) == (r["source"] == "tribunjogja")
        assert (r["editors"] == []) == r["source"].startswith("detik")
        published, modified = r["published_at"], r["modified_at"]
        assert published.utcoffset() == timedelta(hours=7) and published.second == 0
        if r["url"] != SEED_URL:
            assert site.first_day <= published.date() <= site.last_day
            assert 5 <= published.hour <= 23
        if modified is None:
            assert r["source"] == "harianjogja"
        else:
            assert published <= modified < site.now and modified.utcoffset() == timedelta(hours=7)
        for image in r["images"]:
            assert set(image) == {"url", "caption", "credit"}
            assert image["url"].startswith("https://") and _is_clean(image["caption"])
        for unwanted in ("Baca juga", "Ringkasan Berita", "ADVERTISEMENT", "KOMPAS.com"):
            assert unwanted not in r["body"]
    modified_later = sum(r["modified_at"] not in (None, r["published_at"]) for r in records)
    assert 0.2 < modified_later / len(records) < 0.4
    assert site.now == datetime(2025, 11, 9, 1, 0, tzinfo=WIB)
    assert any("Kulon Progo" == r["location"] for r in records)


# --- article pages, read with the contract's selectors ----------------------------------------


def _paragraphs(container, skip) -> list[str]:
    """The body's own p/h2/h3 (direct children, in order), less the boilerplate ones."""
    found = []
    for child in container:
        if child.tag in ("p", "h2", "h3") and not skip(child):
            found.append(text_of(child))
    return found


def _read_tribun(server, article) -> tuple[list[str], list]:
    paragraphs, figures = [], []
    for number in range(1, article.pages + 1):
        url = article.url if number == 1 else f"{article.url}?page={number}"
        doc = page(server, url)
        (body,) = doc.cssselect("div.side-article.txt-article")
        paragraphs += _paragraphs(
            body,
            lambda p: "baca" in p.classes or text_of(p).startswith("Laporan Wartawan"),
        )
        figures += body.cssselect("figure")
        if article.pages > 1:
            assert text_of(doc.cssselect("div.paging span.total-page")[0]) == (
                f"Halaman {number}/{article.pages}"
            )
    prefix = f"TRIBUNJOGJA.COM, {article.location.upper()} {EN_DASH} "
    assert paragraphs[0].startswith(prefix)
    paragraphs[0] = paragraphs[0].removeprefix(prefix)
    assert re.search(r" \(\w{3}\)$", paragraphs[-1])
    paragraphs[-1] = paragraphs[-1].rsplit(" (", 1)[0]
    return paragraphs, figures


def _read_kompas(server, article) -> tuple[list[str], list]:
    doc = page(server, f"{article.url}?page=all")
    (body,) = doc.cssselect("div.read__content")
    paragraphs = _paragraphs(
        body[0],
        lambda p: text_of(p).startswith(("Baca juga:", "Simak breaking news")),
    )
    prefix = f"{article.location.upper()}, KOMPAS.com - "
    assert paragraphs[0].startswith(prefix)
    paragraphs[0] = paragraphs[0].removeprefix(prefix)
    credit = text_of(doc.cssselect("div.credit-title-name")[0])
    assert credit == f"Penulis: Kontributor {article.location}, {article.authors[0]}"
    return paragraphs, body.cssselect("figure")


def _read_detik(server, article) -> tuple[list[str], list]:
    doc = page(server, f"{article.url}?single=1")
    (body,) = doc.cssselect("div.detail__body-text.itp_bodycontent")
    paragraphs = _paragraphs(body, lambda p: False)
    prefix = f"{article.location} - "
    assert paragraphs[0].startswith(prefix)
    paragraphs[0] = paragraphs[0].removeprefix(prefix)
    assert re.search(r" \(\w{3}/\w{3}\)$", paragraphs[-1])
    paragraphs[-1] = paragraphs[-1].rsplit(" (", 1)[0]
    tags = [text_of(a) for a in doc.cssselect("div.detail__body-tag a")]
    assert tags == article.tags
    return paragraphs, body.cssselect("figure.detail__media-image")


def _read_harian_jogja(server, article) -> tuple[list[str], list]:
    doc = page(server, article.url)
    (body,) = doc.cssselect("div.article-content")
    paragraphs = _paragraphs(body, lambda p: text_of(p).startswith("Cek Berita dan Artikel"))
    prefix = f"Harianjogja.com, {article.location.upper()}\u2014"
    assert paragraphs[0].startswith(prefix)
    paragraphs[0] = paragraphs[0].removeprefix(prefix)
    tags = [m.get("content") for m in doc.cssselect('meta[property="article:tag"]')]
    assert tags == article.tags
    return paragraphs, body.cssselect("figure")


READERS = {
    "tribunjogja": _read_tribun,
    "kompasregional": _read_kompas,
    "detikjogja": _read_detik,
    "detikjateng": _read_detik,
    "harianjogja": _read_harian_jogja,
}


CREDITS = (  # how each outlet appends the photo credit to the caption
    re.compile(r"(.*) \(TRIBUNJOGJA\.COM/(.+)\)"),
    re.compile(r"(.*) \(KOMPAS\.com/(.+)\)"),
    re.compile(r"(.*) \(Foto: (.+)/detik(?:Jogja|Jateng)\)"),
    re.compile(r"(.*) \(Harian Jogja/(.+)\)"),
)


def _read_figure(figure) -> dict:
    caption, credit = text_of(figure.cssselect("figcaption")[0]), None
    for pattern in CREDITS:
        match = pattern.fullmatch(caption)
        if match:
            caption, credit = match.groups()
    return {"url": figure.cssselect("img")[0].get("src"), "caption": caption, "credit": credit}


def _json_ld(doc) -> dict:
    for script in doc.cssselect('script[type="application/ld+json"]'):
        data = json.loads(script.text)
        if data.get("@type") == "NewsArticle":
            return data
    raise AssertionError("no NewsArticle JSON-LD")


def test_every_article_page_shows_exactly_its_truth(replica_server, small_site, big_server):
    multi_page = [(big_server, a) for a in big_server.site.articles if a.pages > 1]
    assert {a.source for _, a in multi_page} == set(SOURCES) - {"harianjogja"}
    for replica_server, article in [(replica_server, a) for a in small_site.articles] + multi_page:
        doc = page(replica_server, article.url)
        assert doc.cssselect('link[rel="canonical"]')[0].get("href") == article.url
        assert doc.cssselect('meta[name="description"]')[0].get("content") == article.description
        data = _json_ld(doc)
        assert data["headline"] == article.title
        assert data["datePublished"] == article.published_at.isoformat()
        assert [a["name"] for a in data["author"]] == article.authors
        paragraphs, figures = READERS[article.source](replica_server, article)
        assert paragraphs == article.paragraphs, article.url
        assert [_read_figure(f) for f in figures] == article.images, article.url


def test_outlet_specific_article_markup(replica_server, small_site):
    by_source = {s: [a for a in small_site.articles if a.source == s] for s in SOURCES}
    seed = page(replica_server, SEED_URL)
    assert (
        seed.cssselect("title")[0].text
        == "Pemkot Magelang Gelar Retreat Diikuti Puluhan Pejabat ASN - Tribunjogja.com"
    )
    assert text_of(seed.cssselect("div.tagline a")[0]) == "Pemkot Magelang"
    assert text_of(seed.cssselect("h1#arttitle")[0]) == small_site.by_url[SEED_URL].title
    assert text_of(seed.cssselect("div#penulis")[0]) == "Penulis: Yuwantoro Winduajie"
    assert text_of(seed.cssselect("div#editor")[0]) == "Editor: Iwan Al Khasni"
    time = seed.xpath('//time[@datetime="2025-11-07T15:30+07:00"]')[0]
    assert text_of(time) == "Jumat, 7 November 2025 15:30 WIB"
    summary = seed.cssselect("blockquote.summary-article")[0]
    assert text_of(summary) == "Ringkasan Berita:" + small_site.by_url[SEED_URL].summary
    assert [text_of(a) for a in seed.cssselect("h5.tagcloud3 a.rd2")][0] == "Pemkot Magelang"
    widget = (
        '//div[contains(@class, "txt-article")]/following-sibling::div[contains(@class, "mb5")]'
    )
    assert seed.xpath(widget)
    assert text_of(seed.cssselect("p.comment-disclaimer")[0]).endswith("diatur dalam UU ITE.")
    assert seed.cssselect("p.baca a")[0].get("href").startswith("https://jogja.tribunnews.com/")

    kompas = by_source["kompasregional"][0]
    doc = page(replica_server, kompas.url)
    assert (
        doc.cssselect('meta[property="og:title"]')[0].get("content")
        == f"{kompas.title} - Kompas.com"
    )
    assert doc.cssselect('meta[name="content_author"]')[0].get("content") == kompas.authors[0]
    read_time = text_of(doc.cssselect("div.read__time")[0])
    assert read_time.startswith(f"Kompas.com, {kompas.published_at:%d/%m/%Y, %H:%M} WIB")
    assert ("Diperbarui" in read_time) == (kompas.modified_at != kompas.published_at)
    assert (
        text_of(doc.cssselect("div.credit-title-nameEditor")[0]) == f"Editor: {kompas.editors[0]}"
    )
    assert _json_ld(doc)["articleSection"] in ("Yogyakarta", "Jawa Tengah")

    detik = by_source["detikjateng"][0]
    doc = page(replica_server, detik.url)
    assert doc.cssselect('meta[property="og:title"]')[0].get("content") == detik.title
    assert text_of(doc.cssselect("div.detail__author")[0]).endswith(" - detikJateng")
    assert re.fullmatch(
        r"\w+, \d\d \w{3} \d{4} \d\d:\d\d WIB", text_of(doc.cssselect("div.detail__date")[0])
    )

    harian = by_source["harianjogja"][0]
    doc = page(replica_server, harian.url)
    assert doc.cssselect('meta[property="article:published_time"]')[0].get("content") == (
        harian.published_at.isoformat()
    )
    modified = doc.cssselect('meta[property="article:modified_time"]')
    assert (modified[0].get("content") if modified else None) == (
        harian.modified_at.isoformat() if harian.modified_at else None
    )
    assert text_of(doc.cssselect("div.author-article")[0]) == (
        f"Penulis: {harian.authors[0]} | Editor: {harian.editors[0]}"
    )
    assert (
        doc.cssselect('meta[property="og:title"]')[0].get("content")
        == f"{harian.title} | Harian Jogja"
    )


def test_multi_page_articles_have_every_page_and_no_more(big_server):
    replica_server = big_server
    for article in [a for a in big_server.site.articles if a.pages > 1]:
        detik = article.source.startswith("detik")
        for number in range(2, article.pages + 2):
            url = f"{article.url}/{number}" if detik else f"{article.url}?page={number}"
            status = fetch(replica_server, url)[0]
            assert status == (200 if number <= article.pages else 404), url
            if status == 200:
                doc = page(replica_server, url)
                assert doc.cssselect('link[rel="canonical"]')[0].get("href") == article.url


# --- listings -------------------------------------------------------------------------------------


def _truth_urls(site, source, keep=lambda a: True) -> list[str]:
    return [a.url for a in site.source_articles(source) if keep(a)]


def test_tribun_section_hubs_list_every_article_once_newest_first(replica_server, small_site):
    listed_all = []
    for section in OUTLETS["tribunjogja"].sections:
        first = f"https://jogja.tribunnews.com/{section.slug}"
        listed = walk(replica_server, first, "li.art-list h3 a", "div#paginga div.paging a.next")
        assert listed == _truth_urls(
            small_site, "tribunjogja", lambda a, s=section: a.section == s.slug
        )
        listed_all += listed
        doc = page(replica_server, first)
        for stamp in doc.cssselect("li.art-list time.foot.timeago"):
            assert re.fullmatch(r"\d+ (menit|jam|hari) lalu", text_of(stamp))
    assert sorted(listed_all) == sorted(_truth_urls(small_site, "tribunjogja"))


def test_tribun_hub_pages_and_paging_links(big_server):
    site, server = big_server.site, big_server
    listing = site.in_section("tribunjogja", "magelang")
    last = -(-len(listing) // 20)
    assert last >= 2
    doc = page(server, "https://jogja.tribunnews.com/magelang?page=2")
    hrefs = [a.get("href") for a in doc.cssselect("div#paginga div.paging a")]
    expected = [f"https://jogja.tribunnews.com/magelang?page={k}" for k in range(1, last + 1)]
    assert hrefs[:last] == expected
    assert len(doc.cssselect("li.art-list")) == min(20, len(listing) - 20)
    end = page(server, f"https://jogja.tribunnews.com/magelang?page={last}")
    assert end.cssselect("div#paginga div.paging a.next") == []


def test_tribun_daily_index_covers_each_day(replica_server, small_site):
    for day in small_site.days:
        url = (
            f"https://jogja.tribunnews.com/index-news?date={day.year}-{day.month}-{day.day}&page=1"
        )
        doc = page(replica_server, url)
        pages = {a.get("href") for a in doc.cssselect("div#paginga div.paging a")} | {url}
        listed = []
        for page_url in sorted(pages, key=lambda u: int(u.rsplit("=", 1)[1])):
            listed += [
                a.get("href")
                for a in page(replica_server, page_url).cssselect("ul.lsi > li.ptb15 h3.f16.fbo a")
            ]
        assert listed == [a.url for a in small_site.on_day("tribunjogja", day)]
        for stamp in doc.cssselect("ul.lsi time.grey"):
            assert re.fullmatch(r"\w+, \d{1,2} \w+ 2025 \d\d:\d\d", text_of(stamp))
    empty = page(replica_server, "https://jogja.tribunnews.com/index-news?date=2025-10-1&page=1")
    assert empty.cssselect("ul.lsi") and not empty.cssselect("ul.lsi > li")
    assert not empty.cssselect("div#paginga")


def test_kompas_and_detik_daily_indexes_cover_each_day(replica_server, small_site):
    indexes = {
        "kompasregional": (
            "https://indeks.kompas.com/?site=regional&date={day:%Y-%m-%d}&page=1",
            "div.articleItem a.article-link",
            "div.paging__wrap a.paging__link",
        ),
        "detikjogja": (
            "https://www.detik.com/jogja/indeks?date={day:%m/%d/%Y}&page=1",
            "article.list-content__item h3.media__title a.media__link",
            "div.pagination a.pagination__item",
        ),
        "detikjateng": (
            "https://www.detik.com/jateng/indeks?date={day:%m/%d/%Y}&page=1",
            "article.list-content__item h3.media__title a.media__link",
            "div.pagination a.pagination__item",
        ),
    }
    for source, (template, items, pager) in indexes.items():
        listed_all = []
        for day in small_site.days:
            first = template.format(day=day)
            pages = {a.get("href") for a in page(replica_server, first).cssselect(pager)} | {first}
            listed = []
            for url in sorted(pages, key=lambda u: int(u.rsplit("=", 1)[1])):
                listed += [a.get("href") for a in page(replica_server, url).cssselect(items)]
            assert listed == [a.url for a in small_site.on_day(source, day)], (source, day)
            listed_all += listed
        assert sorted(listed_all) == sorted(_truth_urls(small_site, source))


def test_daily_index_pagination_markup(big_server):
    site, server = big_server.site, big_server
    day = site.days[3]
    assert len(site.on_day("kompasregional", day)) > 15
    assert len(site.on_day("detikjogja", day)) > 20
    doc = page(server, f"https://indeks.kompas.com/?site=regional&date={day:%Y-%m-%d}&page=1")
    assert len(doc.cssselect("div.articleItem")) == 15
    assert doc.cssselect("div.paging__wrap a.paging__link.paging__link--next")
    assert re.fullmatch(
        r"\d\d/\d\d/2025, \d\d:\d\d WIB", text_of(doc.cssselect("div.articlePost-date")[0])
    )
    doc = page(server, f"https://www.detik.com/jogja/indeks?date={day:%m/%d/%Y}&page=1")
    assert [a for a in doc.cssselect("div.pagination a.pagination__item") if text_of(a) == "Next"]
    span = doc.cssselect("div.media__date span[title]")[0]
    assert re.fullmatch(r"\w+, \d\d \w{3} 2025 \d\d:\d\d WIB", span.get("title"))


def test_harian_jogja_sitemaps_list_every_article_once(replica_server, small_site):
    status, headers, xml = fetch(replica_server, "https://jogjapolitan.harianjogja.com/sitemap.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/xml")
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    index = lxml.etree.fromstring(xml.encode())
    days = index.xpath("//s:sitemap/s:loc/text()", namespaces=ns)
    assert days == [
        f"https://jogjapolitan.harianjogja.com/sitemap-news-{day:%Y-%m-%d}.xml"
        for day in reversed(small_site.days)
    ]
    listed = []
    for url in days:
        urlset = lxml.etree.fromstring(fetch(replica_server, url)[2].encode())
        for entry in urlset.xpath("//s:url", namespaces=ns):
            loc = entry.xpath("s:loc/text()", namespaces=ns)[0]
            when = entry.xpath("n:news/n:publication_date/text()", namespaces=ns)[0]
            title = entry.xpath("n:news/n:title/text()", namespaces=ns)[0]
            article = small_site.by_url[loc]
            assert (when, title) == (article.published_at.isoformat(), article.title)
            listed.append(loc)
    assert sorted(listed) == sorted(_truth_urls(small_site, "harianjogja"))


# --- links, service endpoints, errors ----------------------------------------------------------


def test_every_link_is_a_real_https_url(replica_server, small_site):
    urls = [
        SEED_URL,
        "https://jogja.tribunnews.com/sleman",
        "https://jogja.tribunnews.com/index-news?date=2025-11-7&page=1",
        "https://indeks.kompas.com/?site=regional&date=2025-11-07&page=1",
        "https://www.detik.com/jateng/indeks?date=11/07/2025&page=1",
    ] + [a.url for a in small_site.articles[:20]]
    for url in urls:
        doc = page(replica_server, url)
        for element in doc.xpath("//*[@href or @src]"):
            link = element.get("href") or element.get("src")
            assert link.startswith("https://"), (url, link)


def test_robots_txt_on_every_host(replica_server):
    expected = {
        "jogja.tribunnews.com": [
            "Disallow: /search",
            "Disallow: /tag/",
            "Disallow: /topic/",
            "Disallow: /api/",
        ],
        "regional.kompas.com": ["Disallow: /search"],
        "indeks.kompas.com": ["Disallow: /search"],
        "www.detik.com": ["Disallow: /search/"],
        "jogjapolitan.harianjogja.com": [
            "Disallow: /search",
            "Sitemap: https://jogjapolitan.harianjogja.com/sitemap.xml",
        ],
    }
    assert set(expected) == set(HOSTS)
    for host, lines in expected.items():
        status, headers, text = fetch(replica_server, f"https://{host}/robots.txt")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert text.splitlines() == ["User-agent: *", *lines]
    assert ("jogja.tribunnews.com", "/robots.txt") in replica_server.requests


def test_meta_and_truth_endpoints(replica_server, small_site):
    status, headers, text = fetch(replica_server, "https://www.detik.com/_replica/meta")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    meta = json.loads(text)
    assert meta == {
        "seed": 7,
        "articles": 80,
        "total": 81,
        "now": "2025-11-09T01:00:00+07:00",
        "first_day": "2025-11-02",
        "last_day": "2025-11-08",
        "night": 0,
        "hosts": list(HOSTS),
    }
    request = urllib.request.Request(replica_server.base_url + "/_replica/meta")  # Host: 127.0.0.1
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["now"] == meta["now"]
    lines = fetch(replica_server, "https://jogja.tribunnews.com/_replica/truth.jsonl")[
        2
    ].splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(small_site.articles)
    (seed,) = [r for r in records if r["url"] == SEED_URL]
    assert seed["published_at"] == "2025-11-07T15:30:00+07:00" and list(seed) == list(TRUTH_FIELDS)


@pytest.mark.parametrize(
    "url",
    [
        "https://unknown.example.com/",
        "https://jogja.tribunnews.com/",
        "https://jogja.tribunnews.com/klaten",
        "https://jogja.tribunnews.com/2025/11/07/no-such-article",
        f"{SEED_URL}?page=2",
        f"{SEED_URL}?page=x",
        "https://jogja.tribunnews.com/magelang?page=0",
        "https://jogja.tribunnews.com/index-news?date=2025-13-40",
        "https://regional.kompas.com/read/2025/11/07/153000123/nope",
        "https://www.detik.com/jogja/berita/d-1234567/nope",
        "https://jogjapolitan.harianjogja.com/sitemap-news-2024-01-01.xml",
        "https://jogjapolitan.harianjogja.com/r-1234567/nope",
    ],
)
def test_unknown_hosts_and_paths_are_404(replica_server, url):
    status, headers, text = fetch(replica_server, url)
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "404" in text


def test_head_answers_headers_only(replica_server):
    status, headers, text = fetch(replica_server, SEED_URL, method="HEAD")
    assert status == 200 and text == "" and int(headers["Content-Length"]) > 5000


def test_site_helpers(small_site):
    day = date(2025, 11, 7)
    assert SEED_URL in [a.url for a in small_site.on_day("tribunjogja", day)]
    assert SEED_URL in [a.url for a in small_site.in_section("tribunjogja", "magelang")]
    assert small_site.article(SEED_URL).title.startswith("Pemkot Magelang")
    assert small_site.days[0] == date(2025, 11, 2) and len(small_site.days) == 7
