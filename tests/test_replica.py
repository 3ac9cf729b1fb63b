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
    # the visible credit names the people only; the hidden modal gives their roles
    names = [text_of(h6) for h6 in doc.cssselect("div.credit div.credit-title-name h6")]
    assert names == [f"{article.authors[0]},", article.editors[0]]
    assert text_of(doc.cssselect("div.credit-title p")[0]) == "Tim Redaksi"
    modal = doc.cssselect("div#creditModal")[0]
    roles = [text_of(h6) for h6 in modal.cssselect("h6.credit-author-position")]
    people = [text_of(h6) for h6 in modal.cssselect("h6.credit-author-name")]
    assert people == [article.authors[0], article.editors[0]]
    assert roles == ["Penulis", "Editor"]
    photos = doc.cssselect("div.cover-photo") + body.cssselect("div.photo")
    return paragraphs, [_read_kompas_photo(photo) for photo in photos]


def _read_kompas_photo(photo) -> dict:
    (caption,) = photo.cssselect("div.photo__caption")
    author = caption.cssselect("span.photo__author")
    credit = text_of(author[0]) if author else None
    text = text_of(caption)
    if credit is not None:
        text = text.removesuffix(credit).strip()
        credit = re.fullmatch(r"\(KOMPAS\.com/(.+)\)", credit).group(1)
    return {"url": photo.cssselect("img")[0].get("src"), "caption": text, "credit": credit}


def _read_detik(server, article) -> tuple[list[str], list]:
    doc = page(server, f"{article.url}?single=1")
    (body,) = doc.cssselect("div.detail__body.itp_bodycontent_wrapper > div.detail__body-text")
    assert "itp_bodycontent" in body.classes
    # the dateline is a <strong> before the first <p>, then " - "
    assert body[0].tag == "strong" and text_of(body[0]) == article.location
    assert body[0].tail.strip() == "-"
    paragraphs = _paragraphs(
        body, lambda p: not text_of(p) or text_of(p).startswith(("Lihat juga Video", "[Gambas:"))
    )
    # the editor initials close the text in their own <strong>, just before the tags
    initials = body.xpath("./strong")[-1]
    assert re.fullmatch(r"\(\w{3}/\w{3}\)", text_of(initials))
    assert initials.getnext().get("class") == "detail__body-tag mgt-16"
    tags = [text_of(a) for a in body.cssselect("div.detail__body-tag a")]
    assert tags == article.tags
    figures = doc.cssselect("div.detail__media figure") + body.cssselect("figure")
    return paragraphs, [_read_detik_figure(f) for f in figures]


def _read_detik_figure(figure) -> dict:
    caption = text_of(figure.cssselect("figcaption.detail__media-caption")[0])
    match = re.fullmatch(r"Foto: (.*) \((.+)/detik(?:Jogja|Jateng)\)", caption)
    text, credit = match.groups() if match else (caption.removeprefix("Foto: "), None)
    return {"url": figure.cssselect("img")[0].get("src"), "caption": text, "credit": credit}


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


CREDITS = (  # how Tribun and Harian Jogja append the photo credit to the caption
    re.compile(r"(.*) \(TRIBUNJOGJA\.COM/(.+)\)"),
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
        # Kompas writes its JSON-LD dates in UTC (the same instant)
        assert datetime.fromisoformat(data["datePublished"]) == article.published_at
        people = data["author"] if isinstance(data["author"], list) else [data["author"]]
        # Kompas's JSON-LD author names the editor, as on the real page
        kompas = article.source == "kompasregional"
        assert [p["name"] for p in people] == (article.editors if kompas else article.authors)
        paragraphs, images = READERS[article.source](replica_server, article)
        assert paragraphs == article.paragraphs, article.url
        if article.source in ("tribunjogja", "harianjogja"):
            images = [_read_figure(f) for f in images]
        assert images == article.images, article.url


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
    assert doc.cssselect('meta[property="og:title"]')[0].get("content") == kompas.title
    metas = {m.get("name"): m.get("content") for m in doc.cssselect("meta[name]")}
    assert (metas["content_author"], metas["content_editor"]) == (
        kompas.authors[0],
        kompas.editors[0],
    )
    assert metas["content_PublishedDate"] == f"{kompas.published_at:%Y-%m-%d %H:%M:%S}"
    assert metas["content_location"] == kompas.location
    assert metas["content_total_pages"] == str(kompas.pages)
    published = doc.cssselect('meta[property="article:published_time"]')[0].get("content")
    assert published.endswith("+00:00")  # UTC, as on the real page
    assert datetime.fromisoformat(published) == kompas.published_at
    read_time = text_of(doc.cssselect("div.read__time")[0])
    assert read_time.startswith(f"Kompas.com - {kompas.published_at:%d/%m/%Y, %H:%M} WIB")
    assert ("Diperbarui" in read_time) == (kompas.modified_at != kompas.published_at)
    crumbs = [text_of(a) for a in doc.cssselect("h3.breadcrumb li.breadcrumb__item a")]
    assert crumbs[-1] in ("Yogyakarta", "Jawa Tengah")
    assert doc.cssselect("ul.tag__article__wrap a.tag__article__link")[0].get("data-url")

    detik = by_source["detikjateng"][0]
    doc = page(replica_server, detik.url)
    assert doc.cssselect('meta[property="og:title"]')[0].get("content") == detik.title
    assert text_of(doc.cssselect("div.detail__author")[0]).endswith(" - detikJateng")
    assert text_of(doc.cssselect("div.detail__author > span.detail__label")[0]) == "detikJateng"
    assert re.fullmatch(
        r"\w+, \d\d \w{3} \d{4} \d\d:\d\d WIB", text_of(doc.cssselect("div.detail__date")[0])
    )
    metas = {m.get("name"): m.get("content") for m in doc.cssselect("meta[name]")}
    published = detik.published_at
    assert metas["publishdate"] == f"{published:%Y/%m/%d %H:%M:%S}"  # WIB wall-clock
    assert metas["dtk:publishdateunix"] == str(int(published.timestamp() * 1000))
    assert metas["pubdate"] == f"{published:%Y-%m-%dT%H-%M-%S}Z"  # the Z lies: it is WIB
    assert metas["author"] == ", ".join(detik.authors)
    assert doc.cssselect('meta[property="article:author"]')[0].get("content") == (
        "https://www.facebook.com/detikcom"
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


DETIK_ARTICLE_LINKS = '#indeks-container article.list-content__item h3.media__title > a.media__link:not([href^="https://20.detik.com/"])'


def _page_number(url: str) -> int:
    """?page=N (Kompas) or /indeks/N?date=… (detik)."""
    match = re.search(r"[?&]page=(\d+)", url) or re.search(r"/indeks/(\d+)", url)
    return int(match.group(1))


def test_kompas_and_detik_daily_indexes_cover_each_day(replica_server, small_site):
    indexes = {
        "kompasregional": (
            "https://indeks.kompas.com/?site=regional&date={day:%Y-%m-%d}&page=1",
            "div.articleList div.articleItem > a.article-link",
            "div.paging__wrap a.paging__link[data-ci-pagination-page]",
        ),
        "detikjogja": (
            "https://www.detik.com/jogja/indeks/1?date={day:%m/%d/%Y}",
            DETIK_ARTICLE_LINKS,
            "div.pagination a.pagination__item[href]",
        ),
        "detikjateng": (
            "https://www.detik.com/jateng/indeks/1?date={day:%m/%d/%Y}",
            DETIK_ARTICLE_LINKS,
            "div.pagination a.pagination__item[href]",
        ),
    }
    for source, (template, items, pager) in indexes.items():
        listed_all = []
        for day in small_site.days:
            first = template.format(day=day)
            pages = {a.get("href") for a in page(replica_server, first).cssselect(pager)} | {first}
            listed = []
            for url in sorted(pages, key=_page_number):
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
    last = doc.cssselect("div.paging__wrap a.paging__link--last")[0]
    expected_last = -(-len(site.on_day("kompasregional", day)) // 15)
    assert last.get("data-ci-pagination-page") == str(expected_last)
    active = doc.cssselect("div.paging__wrap a.paging__link--active")[0]
    assert (text_of(active), active.get("href")) == ("1", "javascript:void(0)")
    assert re.fullmatch(
        r"\d\d/\d\d/2025, \d\d:\d\d WIB", text_of(doc.cssselect("div.articlePost-date")[0])
    )

    def detik_index(number: int) -> lxml.html.HtmlElement:
        return page(server, f"https://www.detik.com/jogja/indeks/{number}?date={day:%m/%d/%Y}")

    doc = detik_index(1)
    pager = doc.cssselect("div.pagination")[0]
    assert pager[0].tag == "a" and text_of(pager[0]) == "Prev" and pager[0].get("href") is None
    assert text_of(pager[-1]) == "Next" and pager[-1].get("href").endswith(
        f"/jogja/indeks/2?date={day:%m/%d/%Y}"
    )
    active = doc.cssselect("div.pagination a.pagination__item--active")[0]
    assert active.get("href") == f"https://www.detik.com/jogja/indeks/1?date={day:%m/%d/%Y}"
    assert doc.cssselect("form#form_indeks input[name=date]")[0].get("value") == f"{day:%m/%d/%Y}"
    span = doc.cssselect("div#indeks-container div.media__date > span[d-time]")[0]
    assert re.fullmatch(r"\w+, \d\d \w{3} 2025 \d\d:\d\d WIB", span.get("title"))
    assert re.fullmatch(r"\d+ (menit|jam|hari) yang lalu", text_of(span))
    newest = site.on_day("detikjogja", day)[0].published_at
    assert span.get("d-time") == str(int(newest.timestamp()))  # unix seconds
    # 20detik video items, one after every fifth article, link off the outlet
    hrefs = [a.get("href") for a in doc.cssselect("article.list-content__item h3 a.media__link")]
    assert len(hrefs) == 20
    videos = [h for h in hrefs if h.startswith("https://20.detik.com/detikupdate/")]
    assert len(videos) == 3 and hrefs[5] == videos[0]
    assert fetch(server, videos[0])[0] == 404
    assert page(server, f"https://www.detik.com/jogja/indeks?date={day:%m/%d/%Y}").cssselect(
        "article.list-content__item"
    )  # /indeks alone is page 1


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
        "https://www.detik.com/jateng/indeks/1?date=11/07/2025",
    ] + [a.url for a in small_site.articles[:20]]
    for url in urls:
        doc = page(replica_server, url)
        for element in doc.xpath("//*[@href or @src or @data-url]"):
            link = element.get("href") or element.get("src")
            # Kompas's tag links and current-page link are javascript:void(0), as on the
            # real pages; the tag's address is in data-url
            if link == "javascript:void(0)":
                link = element.get("data-url") or "https://"
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
