"""Helpers shared by the outlets' renderers: escaping, dates, JSON-LD, body assembly, paging.

Every renderer returns a `Page`; text always goes through `esc` (html.escape)
and links are always the outlets' real https:// URLs, never the server's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from math import ceil
from urllib.parse import quote

from replica.model import Insert, Site, TrueArticle
from replica.text import day_name, long_day, slugify

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"
JSONL = "application/x-ndjson; charset=utf-8"

MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")

# An ad slot's markup: outlets differ only in the wrapper's class.
AD_SCRIPT = "<script>googletag.cmd.push(function(){googletag.display('%s');});</script>"


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes


def html_page(markup: str, status: int = 200) -> Page:
    return Page(status, HTML, markup.encode("utf-8"))


def not_found() -> Page:
    return html_page(
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>404 Not Found</title>'
        "</head><body><h1>404</h1><p>Halaman tidak ditemukan.</p></body></html>",
        404,
    )


def esc(text: str) -> str:
    return escape(text, quote=True)


def json_ld(data: dict) -> str:
    # "</" inside a script would end it early; "<\/" is the same JSON string.
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def iso(moment: datetime) -> str:
    """2025-11-07T15:30:00+07:00"""
    return moment.isoformat()


def long_date_time(moment: datetime) -> str:
    """Jumat, 7 November 2025 15:30"""
    return f"{long_day(moment.date())} {moment:%H:%M}"


def short_date_time(moment: datetime) -> str:
    """Jumat, 07 Nov 2025 15:30 WIB (detik)"""
    month = MONTHS_SHORT[moment.month - 1]
    return f"{day_name(moment.date())}, {moment:%d} {month} {moment:%Y %H:%M} WIB"


def numeric_date_time(moment: datetime) -> str:
    """07/11/2025, 15:30 WIB (Kompas)"""
    return f"{moment:%d/%m/%Y, %H:%M} WIB"


def relative_time(moment: datetime, now: datetime, ago: str = "lalu") -> str:
    """'17 menit lalu', '3 jam lalu', '2 hari lalu', relative to the replica's clock.

    `ago`: the outlet's word for it ("lalu", detik's "yang lalu").
    """
    minutes = max(1, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} menit {ago}"
    if minutes < 24 * 60:
        return f"{minutes // 60} jam {ago}"
    return f"{minutes // (24 * 60)} hari {ago}"


# --- listings ----------------------------------------------------------------------


def page_count(items: int, per_page: int) -> int:
    return max(1, ceil(items / per_page))


def page_items(items: list, page: int, per_page: int) -> list:
    """One listing page (1-based); past the last page: empty."""
    return items[(page - 1) * per_page : page * per_page]


# --- article bodies ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BodyMarkup:
    """How one outlet dresses an article body: the data `article_body` renders it with.

    Templates are `str.format` strings whose fields are filled in escaped.
    """

    related: str  # a "Baca juga" line: {url}, {title}
    figure: Callable[[TrueArticle, dict], str]  # a photo with its caption
    ad: Callable[[int], str]  # an in-body ad slot, by its ref
    tag_url: str | None = None  # tag mentions in the text link to tag_url + slug; None: no links
    dateline: str = ""  # before the first paragraph's text: {location} (upper case)
    initials: str = ""  # after the last paragraph's text, when the article has initials
    cover: bool = False  # the first photo is the cover above the body: not repeated inside
    share: str | None = None  # the css of an in-body share box; None: "share" is an ad slot
    related_box: Callable[[Site, TrueArticle], str] | None = None  # None: a "related" line


def article_body(site: Site, article: TrueArticle, page: int | None, markup: BodyMarkup) -> str:
    """Page `page` of the body (None: all of it): paragraphs in order, each followed by its
    inserts ("Baca juga" lines, photos, ads, share boxes), in the outlet's `markup`."""
    texts = article.paragraphs
    kinds = article.rendering.kinds
    after: dict[int, list[Insert]] = {}
    for item in article.rendering.inserts:
        after.setdefault(item.after, []).append(item)
    out = []
    for index in article.page_paragraphs(page):
        out.append(_paragraph(article, index, kinds[index], texts[index], markup))
        out.extend(_insert(site, article, item, markup) for item in after.get(index, ()))
    return "\n".join(out)


def _paragraph(article: TrueArticle, index: int, kind: str, text: str, markup: BodyMarkup) -> str:
    inner = esc(text)
    if markup.tag_url is not None:
        inner = with_inline_link(article, index, text, markup.tag_url)
    if kind != "p":
        return f"<{kind}>{inner}</{kind}>"
    if index == 0 and markup.dateline:
        inner = markup.dateline.format(location=esc((article.location or "").upper())) + inner
    initials = article.rendering.initials
    if index == len(article.rendering.kinds) - 1 and initials and markup.initials:
        inner += markup.initials.format(initials=esc(initials))
    return f"<p>{inner}</p>"


def _insert(site: Site, article: TrueArticle, item: Insert, markup: BodyMarkup) -> str:
    kind, ref = item.kind, item.ref
    if kind == "figure":
        return "" if markup.cover and ref == 0 else markup.figure(article, article.images[ref])
    if kind == "related_box" and markup.related_box is not None:
        return markup.related_box(site, article)
    if kind in ("related", "related_box"):
        title, url = related_link(site, article, ref)
        return markup.related.format(url=esc(url), title=esc(title))
    if kind == "share" and markup.share is not None:
        return share_links(article.url, markup.share)
    return markup.ad(ref)


def with_inline_link(article: TrueArticle, index: int, text: str, tag_url: str) -> str:
    """Escaped paragraph text; in some paragraphs the first tag mention becomes a link.

    Outlets link keywords inside the text; extraction must keep the words.
    """
    if (article.rendering.number + index) % 4 != 1:
        return esc(text)
    for tag in article.tags:
        at = text.find(tag)
        if at > 0:
            end = at + len(tag)
            link = f'<a href="{esc(tag_url + slugify(tag))}">{esc(tag)}</a>'
            return esc(text[:at]) + link + esc(text[end:])
    return esc(text)


def related_link(site: Site, article: TrueArticle, ref: int) -> tuple[str, str]:
    links = site.related(article)
    return links[ref % len(links)]


def link_items(links: list[tuple[str, str]], li_class: str = "") -> str:
    attribute = f' class="{li_class}"' if li_class else ""
    return "".join(
        f'<li{attribute}><a href="{esc(url)}">{esc(text)}</a></li>' for text, url in links
    )


def nav(base: str, labels: list[str], ul_class: str) -> str:
    """A header menu: many links, all noise to extraction."""
    links = [(label, f"{base}/{slugify(label)}") for label in labels]
    return f'<ul class="{ul_class}">{link_items(links)}</ul>'


def share_links(url: str, css: str) -> str:
    target = quote(url, safe="")
    return (
        f'<div class="{css}"><span>Bagikan:</span>'
        f'<a href="https://www.facebook.com/sharer/sharer.php?u={target}">Facebook</a>'
        f'<a href="https://twitter.com/intent/tweet?url={target}">X</a>'
        f'<a href="https://api.whatsapp.com/send?text={target}">WhatsApp</a>'
        f'<a href="https://t.me/share/url?url={target}">Telegram</a>'
        "<span>Salin Link</span></div>"
    )


def ad(css: str, slot: str) -> str:
    script = AD_SCRIPT % slot
    return f'<div class="{css}"><div id="{slot}">{script}</div><span>ADVERTISEMENT</span></div>'


def popular_widget(site: Site, source: str, heading: str, css: str) -> str:
    """'Terpopuler': the same few titles of the source on every page."""
    links = [(a.title, a.url) for a in site.popular(source)]
    items = "".join(
        f'<li class="{css}__item"><span class="{css}__rank">{rank}</span>'
        f'<a href="{esc(url)}">{esc(title)}</a></li>'
        for rank, (title, url) in enumerate(links, 1)
    )
    return f'<div class="{css}"><h4 class="{css}__title">{esc(heading)}</h4><ol>{items}</ol></div>'


def document(head: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="id">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def meta(name: str, content: str, attribute: str = "name") -> str:
    return f'<meta {attribute}="{name}" content="{esc(content)}">'


def canonical(url: str) -> str:
    return f'<link rel="canonical" href="{esc(url)}">'


def breadcrumb_ld(crumbs: list[tuple[str, str]]) -> dict:
    """JSON-LD BreadcrumbList of (name, url) crumbs."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(crumbs, 1)
        ],
    }


def person_list(names: list[str]) -> list[dict]:
    return [{"@type": "Person", "name": name} for name in names]
