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

from replica.model import Site, TrueArticle
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


def relative_time(moment: datetime, now: datetime) -> str:
    """'17 menit lalu', '3 jam lalu', '2 hari lalu', relative to the replica's clock."""
    minutes = max(1, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} menit lalu"
    if minutes < 24 * 60:
        return f"{minutes // 60} jam lalu"
    return f"{minutes // (24 * 60)} hari lalu"


# --- listings ----------------------------------------------------------------------


def page_count(items: int, per_page: int) -> int:
    return max(1, ceil(items / per_page))


def page_items(items: list, page: int, per_page: int) -> list:
    """One listing page (1-based); past the last page: empty."""
    return items[(page - 1) * per_page : page * per_page]


# --- article bodies ------------------------------------------------------------------


def body_html(
    article: TrueArticle,
    paragraphs: range,
    paragraph: Callable[[int, str, str], str],
    insert: Callable[[str, int], str],
) -> str:
    """The body of one page: paragraphs in order, each followed by its inserts.

    `paragraph(index, kind, text)` and `insert(kind, ref)` give the outlet's markup.
    """
    texts = article.paragraphs
    kinds = article.rendering.kinds
    after: dict[int, list] = {}
    for item in article.rendering.inserts:
        after.setdefault(item.after, []).append(item)
    out = []
    for index in paragraphs:
        out.append(paragraph(index, kinds[index], texts[index]))
        out.extend(insert(item.kind, item.ref) for item in after.get(index, ()))
    return "\n".join(out)


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


def person_list(names: list[str]) -> list[dict]:
    return [{"@type": "Person", "name": name} for name in names]
