"""Routing: (Host header, request target) -> `Page`, per docs/replica-contract.md.

Every outlet host answers its own URL shapes and robots.txt; `/_replica/meta`
and `/_replica/truth.jsonl` answer on any host. Anything else is a 404, as is
a malformed `page`/`date` parameter or a page past an article's last.
"""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from replica.model import Site
from replica.outlets import (
    DETIK_JATENG,
    DETIK_JOGJA,
    HARIAN_JOGJA,
    KOMPAS,
    KOMPAS_INDEX_HOST,
    TRIBUN,
    TRIBUN_JATENG,
)
from replica.pages import detik, harianjogja, kompas, tribun
from replica.pages.common import JSON, JSONL, TEXT, XML, Page, html_page, not_found

TRIBUN_ARTICLE = re.compile(r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+")
KOMPAS_ARTICLE = re.compile(r"/read/\d{4}/\d{2}/\d{2}/\d{9}/[a-z0-9-]+")
DETIK_ARTICLE = re.compile(r"(/(?:jogja|jateng)/(?:berita|wisata)/d-\d{7}/[a-z0-9-]+)(?:/(\d+))?")
DETIK_INDEX = re.compile(r"/(jogja|jateng)/indeks(?:/(\d+))?/?")
HARIAN_ARTICLE = re.compile(r"/r-\d{7}/[a-z0-9-]+")
HARIAN_SITEMAP = re.compile(r"/sitemap-news-(\d{4})-(\d{2})-(\d{2})\.xml")
ROBOTS = {
    TRIBUN.host: tribun.ROBOTS,
    TRIBUN_JATENG.host: tribun.ROBOTS,  # only on a site built with syndication
    KOMPAS.host: kompas.ROBOTS,
    KOMPAS_INDEX_HOST: kompas.ROBOTS,
    DETIK_JOGJA.host: detik.ROBOTS,
    HARIAN_JOGJA.host: harianjogja.ROBOTS,
}
DETIK_OUTLETS = {DETIK_JOGJA.prefix: DETIK_JOGJA, DETIK_JATENG.prefix: DETIK_JATENG}


class NotFound(Exception):
    """Raised by the handlers for anything the real site would not serve."""


def route(site: Site, host: str, target: str) -> Page:
    """The response for `GET target` with `Host: host` (host lowercase, without port)."""
    parts = urlsplit(target)
    path = parts.path or "/"
    query = parse_qs(parts.query, keep_blank_values=True)
    if path == "/_replica/meta":
        return Page(200, JSON, json.dumps(meta(site)).encode())
    if path == "/_replica/truth.jsonl":
        return Page(200, JSONL, truth_jsonl(site))
    if host not in ROBOTS or host not in site.hosts:
        return not_found()
    if path == "/robots.txt":
        return Page(200, TEXT, ROBOTS[host].encode())
    try:
        return HANDLERS[host](site, path, query)
    except NotFound:
        return not_found()


def meta(site: Site) -> dict:
    return {
        "seed": site.seed,
        "articles": site.requested,
        "total": len(site.articles),
        "now": site.now.isoformat(),
        "first_day": site.first_day.isoformat(),
        "last_day": site.last_day.isoformat(),
        "night": site.night,
        "hosts": list(site.hosts),
    }


def truth_jsonl(site: Site) -> bytes:
    """One JSON object per article: the truth fields, datetimes as ISO strings with offset."""
    lines = []
    for article in site.articles:
        record = article.truth()
        for name in ("published_at", "modified_at"):
            if record[name] is not None:
                record[name] = record[name].isoformat()
        lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- query parameters --------------------------------------------------------------------


def _param(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _listing_page(query: dict[str, list[str]]) -> int:
    value = _param(query, "page")
    if value is None or value == "":
        return 1
    if not value.isdigit() or int(value) < 1:
        raise NotFound
    return int(value)


def _article_page(value: str | None, pages: int, whole: str | None = "all") -> int | None:
    """1..pages from a page parameter; None (whole article) for `whole`; else NotFound."""
    if value is None:
        return 1
    if whole is not None and value == whole:
        return None
    if not value.isdigit() or not 1 <= int(value) <= pages:
        raise NotFound
    return int(value)


def _date(numbers: list[str]) -> date:
    try:
        year, month, day = (int(number) for number in numbers)
        return date(year, month, day)
    except ValueError:
        raise NotFound from None


def _article(site: Site, host: str, path: str):
    article = site.article(f"https://{host}{path}")
    if article is None:
        raise NotFound
    return article


# --- one handler per host -------------------------------------------------------------------


def _tribun(site: Site, path: str, query: dict, brand: tribun.Brand = tribun.JOGJA) -> Page:
    if path == "/index-news":
        raw = _param(query, "date")
        day = site.now.date() if raw is None else _date(raw.split("-"))
        return html_page(tribun.index_page(site, day, _listing_page(query), brand))
    section = path.strip("/")
    if path == f"/{section}" and brand.outlet.section(section):
        return html_page(tribun.hub_page(site, section, _listing_page(query), brand))
    if TRIBUN_ARTICLE.fullmatch(path):
        article = _article(site, brand.outlet.host, path)
        page = _article_page(_param(query, "page"), article.pages)
        return html_page(tribun.article_page(site, article, page))
    raise NotFound


def _kompas(site: Site, path: str, query: dict) -> Page:
    if KOMPAS_ARTICLE.fullmatch(path):
        article = _article(site, KOMPAS.host, path)
        page = _article_page(_param(query, "page"), article.pages)
        return html_page(kompas.article_page(site, article, page))
    raise NotFound


def _kompas_index(site: Site, path: str, query: dict) -> Page:
    if path != "/":
        raise NotFound
    raw = _param(query, "date")
    day = site.now.date() if raw is None else _date(raw.split("-"))
    regional = _param(query, "site") in (None, "", "regional")
    return html_page(kompas.index_page(site, day, _listing_page(query), regional))


def _detik(site: Site, path: str, query: dict) -> Page:
    index = DETIK_INDEX.fullmatch(path)
    if index:
        raw = _param(query, "date")
        if raw is None:
            day = site.now.date()
        else:
            month, day_number, year = (raw.split("/") + ["", "", ""])[:3]
            day = _date([year, month, day_number])
        outlet = DETIK_OUTLETS[index.group(1)]
        # the page number is a path segment (/indeks/2); /indeks alone is page 1
        number = int(index.group(2) or 1)
        if number < 1:
            raise NotFound
        return html_page(detik.index_page(site, outlet, day, number))
    match = DETIK_ARTICLE.fullmatch(path)
    if match:
        article = _article(site, DETIK_JOGJA.host, match.group(1))
        outlet = DETIK_OUTLETS[match.group(1).split("/")[1]]
        if _param(query, "single") == "1":
            page = None
        else:
            page = _article_page(match.group(2), article.pages, whole=None)
        return html_page(detik.article_page(site, outlet, article, page))
    raise NotFound


def _harian_jogja(site: Site, path: str, query: dict) -> Page:
    if path == "/sitemap.xml":
        return Page(200, XML, harianjogja.sitemap_index(site).encode())
    sitemap = HARIAN_SITEMAP.fullmatch(path)
    if sitemap:
        day = _date(list(sitemap.groups()))
        if day not in site.days:
            raise NotFound
        return Page(200, XML, harianjogja.day_sitemap(site, day).encode())
    if HARIAN_ARTICLE.fullmatch(path):
        return html_page(harianjogja.article_page(site, _article(site, HARIAN_JOGJA.host, path)))
    raise NotFound


def _tribun_jateng(site: Site, path: str, query: dict) -> Page:
    return _tribun(site, path, query, tribun.JATENG)


HANDLERS = {
    TRIBUN.host: _tribun,
    TRIBUN_JATENG.host: _tribun_jateng,
    KOMPAS.host: _kompas,
    KOMPAS_INDEX_HOST: _kompas_index,
    DETIK_JOGJA.host: _detik,
    HARIAN_JOGJA.host: _harian_jogja,
}
