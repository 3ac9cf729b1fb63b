"""Tribun (jogja.tribunnews.com, jateng.tribunnews.com): the outlets, their articles and pages.

The replica's Tribun network: Tribun Jogja, and Tribun Jateng on a site built
with syndication. Their `Outlet` data (sections, how their articles vary, URL
shapes), the handlers of their hosts (articles, section hubs, daily index,
robots.txt) and the page markup per docs/replica-contract.md, "Tribun Jogja"
and "Tribun Jateng": one network, one markup; a `Brand` holds what differs
(site name, dateline, menu). The page around the article (menus,
"Terpopuler", ads, share buttons, comments, footer) is the noise that
extraction has to ignore.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from random import Random

from replica.model import Site, TrueArticle
from replica.outlets.base import Host, Ids, Outlet, OutletGroup, Section, place_sections
from replica.pages import common
from replica.pages.common import BodyMarkup, Page, ad, esc, meta, nav
from replica.routing import NotFound, Query, article_at, day_param, listing_page, page_number, param
from replica.text import EN_DASH, slugify


class TribunOutlet(Outlet):
    """A Tribun desk: /YYYY/MM/DD/slug articles, photos on asset-2.tstatic.net."""

    def article_url(self, section: Section, when: datetime, number: int, slug: str) -> str:
        return f"https://{self.host}/{when:%Y/%m/%d}/{slug}"

    def image_url(self, rng: Random, when: datetime, number: int, short: str, index: int) -> str:
        desk = self.host.split(".")[0]  # jogja, jateng
        return f"https://asset-2.tstatic.net/{desk}/foto/bank/images/{short}-{number}{index}.jpg"


TRIBUN = TribunOutlet(
    source="tribunjogja",
    name="Tribun Jogja",
    host="jogja.tribunnews.com",
    share=0.35,
    sections=place_sections(
        "Magelang", "Sleman", "Bantul", "Kulonprogo=Kulon Progo", "Gunungkidul"
    ),
    max_pages=3,
    ids=Ids(3_000_000, 3_999_999),
    inserts=(("related", 2), ("ad", 2), ("share", 1)),
    summaries=True,
    reporter_line_share=0.4,
    initials="{author}",
)
# Tribun Jateng exists only on a site built with syndication (docs/replica-contract.md,
# "Syndication"): its articles are drawn apart (replica/syndication.py), so the
# default site stays as it was. Its articles vary as Tribun Jogja's do.
TRIBUN_JATENG = replace(
    TRIBUN,
    source="tribunjateng",
    name="Tribun Jateng",
    host="jateng.tribunnews.com",
    share=0.05,
    sections=place_sections("Semarang", "Solo", "Magelang"),
    syndication_only=True,
)

ARTICLE_PATH = re.compile(r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+")
BASE = f"https://{TRIBUN.host}"
PER_PAGE = 20
SUFFIX = " - Tribunjogja.com"
ROBOTS = "User-agent: *\nDisallow: /search\nDisallow: /tag/\nDisallow: /topic/\nDisallow: /api/\n"
DISCLAIMER = "Isi komentar sepenuhnya adalah tanggung jawab pengguna dan diatur dalam UU ITE."
MENU = [
    "News", "Jogja", "Sleman", "Bantul", "Kulonprogo", "Gunungkidul", "Magelang", "Klaten",
    "Jateng", "Nasional", "Internasional", "Bisnis", "Sport", "Seleb", "Lifestyle", "Kesehatan",
    "Otomotif", "Techno", "Travel", "Kuliner", "Video", "Foto", "Tribunners", "Tribun Wiki",
]  # fmt: skip
FOOTER = [
    "Tentang Kami", "Redaksi", "Info Iklan", "Kontak Kami", "Pedoman Media Siber",
    "Kebijakan Privasi", "Kode Etik", "Karir", "Disclaimer",
]  # fmt: skip
JATENG_MENU = [
    "News", "Semarang", "Solo", "Magelang", "Kudus", "Pekalongan", "Banyumas", "Tegal",
    "Jateng", "Nasional", "Internasional", "Bisnis", "Sport", "Seleb", "Lifestyle", "Kesehatan",
    "Otomotif", "Video", "Foto", "Tribunners", "Tribun Wiki",
]  # fmt: skip


@dataclass(frozen=True)
class Brand:
    """What one Tribun site shows of itself; the markup is the network's."""

    outlet: Outlet
    site_name: str  # Tribunjogja.com
    dateline: str  # TRIBUNJOGJA.COM (then ", PLACE –")
    logo: str
    menu: tuple[str, ...]
    trending: tuple[str, ...]

    @property
    def base(self) -> str:
        return f"https://{self.outlet.host}"

    @property
    def suffix(self) -> str:
        return f" - {self.site_name}"


JOGJA = Brand(
    TRIBUN,
    "Tribunjogja.com",
    "TRIBUNJOGJA.COM",
    "logo-tribunjogja.png",
    tuple(MENU),
    ("Banjir DIY", "UMR Jogja 2026", "Tol Jogja-Solo"),
)
JATENG = Brand(
    TRIBUN_JATENG,
    "Tribunjateng.com",
    "TRIBUNJATENG.COM",
    "logo-tribunjateng.png",
    tuple(JATENG_MENU),
    ("Rob Semarang", "UMK Jateng 2026", "Tol Semarang-Demak"),
)
BRANDS = {brand.outlet.source: brand for brand in (JOGJA, JATENG)}
BRANDS_BY_HOST = {brand.outlet.host: brand for brand in (JOGJA, JATENG)}


def header(brand: Brand = JOGJA) -> str:
    base = brand.base
    return (
        f'<header id="header"><div class="logo"><a href="{base}/">'
        f"{brand.site_name}</a></div>"
        f'<nav id="menu">{nav(base, list(brand.menu), "menu-list")}</nav>'
        '<div class="trending"><span>Trending</span>'
        f"{nav(base + '/topic', list(brand.trending), 'topic-list')}"
        "</div></header>"
    )


def footer(brand: Brand = JOGJA) -> str:
    return (
        f'<footer id="footer">{nav(brand.base, FOOTER, "footer-menu")}'
        f"<p>&copy; 2025 {brand.site_name}, Tribun Network. All Right Reserved.</p></footer>"
    )


def chrome(site: Site, main: str, brand: Brand = JOGJA) -> str:
    aside = common.popular_widget(site, brand.outlet.source, "Terpopuler", "populer")
    return (
        f"{header(brand)}\n{ad('ads-placeholder top', 'div-gpt-ad-billboard')}\n"
        f'<div id="main"><div class="main-left">{main}</div>'
        f'<aside class="main-right">{aside}{ad("ads-placeholder", "div-gpt-ad-rect")}</aside>'
        "</div>\n"
        f"{footer(brand)}"
    )


# --- article pages -------------------------------------------------------------------


def page_url(article: TrueArticle, page: int) -> str:
    return article.url if page == 1 else f"{article.url}?page={page}"


def article_page(
    site: Site, article: TrueArticle, page: int | None, brand: Brand | None = None
) -> str:
    """Page `page` of the article (1-based), or the whole article for None (?page=all)."""
    brand = brand or BRANDS[article.source]
    head = "\n".join(
        [
            f"<title>{esc(article.title + brand.suffix)}</title>",
            meta("description", article.description),
            meta("keywords", ",".join(article.tags)),
            common.canonical(article.url),
            meta("og:type", "article", "property"),
            meta("og:title", article.title + brand.suffix, "property"),
            meta("og:description", article.description, "property"),
            meta("og:url", article.url, "property"),
            meta("og:site_name", brand.site_name, "property"),
            *([meta("og:image", article.images[0]["url"], "property")] if article.images else []),
            common.json_ld(_news_article(brand, article)),
            common.json_ld(_breadcrumb(brand, article)),
        ]
    )
    return common.document(head, chrome(site, _article_main(brand, site, article, page), brand))


def _authors(article: TrueArticle) -> list[dict]:
    """JSON-LD author: the people, or the desk when there are none ("Tim Tribun Jateng")."""
    if article.authors or not article.rendering.byline:
        return common.person_list(article.authors)
    return [{"@type": "Organization", "name": article.rendering.byline}]


def _news_article(brand: Brand, article: TrueArticle) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
        "headline": article.title,
        "description": article.description,
        "datePublished": common.iso(article.published_at),
        "dateModified": common.iso(article.modified_at or article.published_at),
        "author": _authors(article),
        "editor": common.person_list(article.editors),
        "keywords": ",".join(article.tags),
        "articleSection": article.rendering.section_label,
        "publisher": {
            "@type": "Organization",
            "name": brand.site_name,
            "logo": {"@type": "ImageObject", "url": f"{brand.base}/images/{brand.logo}"},
        },
    }
    if article.images:
        data["image"] = {"@type": "ImageObject", "url": article.images[0]["url"]}
    return data


def _breadcrumb(brand: Brand, article: TrueArticle) -> dict:
    label, base = article.rendering.section_label, brand.base
    return common.breadcrumb_ld([("Home", base + "/"), (label, f"{base}/{article.section}")])


def _article_main(brand: Brand, site: Site, article: TrueArticle, page: int | None) -> str:
    first_tag, base = article.tags[0], brand.base
    author = article.authors[0] if article.authors else article.rendering.byline or ""
    editor = article.editors[0]
    published = article.published_at
    paging = _article_paging(article, page) if page is not None and article.pages > 1 else ""
    related = [(title, url) for title, url in site.related(article, 5) if url != article.url]
    return (
        f'<div class="breadcrumb"><a href="{base}/">Home</a> &rsaquo; '
        f'<a href="{base}/{article.section}">{esc(article.rendering.section_label)}</a></div>'
        '<div id="article">'
        f'<div class="tagline"><a href="{base}/topic/{slugify(first_tag)}">{esc(first_tag)}</a>'
        "</div>"
        f'<h1 id="arttitle">{esc(article.title)}</h1>'
        '<div class="credit">'
        f'<div id="penulis">Penulis: <a href="{base}/penulis/{slugify(author)}">{esc(author)}</a>'
        "</div>"
        f'<div id="editor">Editor: <a href="{base}/editor/{slugify(editor)}">{esc(editor)}</a>'
        "</div>"
        "</div>"
        f'<div class="grey mt5">Tayang: <time datetime="{published.isoformat(timespec="minutes")}">'
        f"{common.long_date_time(published)} WIB</time></div>"
        f"{common.share_links(article.url, 'share-box top')}"
        '<div class="side-article txt-article multi-fontsize">'
        f"{_body(brand, site, article, page)}"
        "</div>"
        f"{paging}"
        '<div class="side-article mb5"><h3 class="title-rekomendasi">Berita Terkait</h3>'
        f'<ul class="rekomendasi">{common.link_items(related, "rekom-item")}</ul></div>'
        f'<h5 class="tagcloud3">{_tags(brand, article)}</h5>'
        '<div id="comments"><h4>Komentar</h4><div class="fb-comments"></div>'
        f'<p class="comment-disclaimer">{DISCLAIMER}</p></div>'
        "</div>"
    )


def _tags(brand: Brand, article: TrueArticle) -> str:
    tag_url = f"{brand.base}/tag/"
    return "".join(
        f'<a class="rd2" href="{tag_url}{slugify(tag)}">{esc(tag)}</a>' for tag in article.tags
    )


def _figure(brand: Brand, article: TrueArticle, image: dict) -> str:
    caption = image["caption"]
    if image["credit"]:
        caption += f" ({brand.dateline}/{image['credit']})"
    return (
        f'<figure class="photo-article"><img src="{esc(image["url"])}" '
        f'alt="{esc(article.title)}"><figcaption>{esc(caption)}</figcaption></figure>'
    )


def _markup(brand: Brand) -> BodyMarkup:
    return BodyMarkup(
        related='<p class="baca">Baca juga: <a href="{url}">{title}</a></p>',
        figure=lambda article, image: _figure(brand, article, image),
        ad=lambda ref: ad("ads-placeholder", f"div-gpt-ad-inarticle-{ref}"),
        tag_url=f"{brand.base}/tag/",
        dateline=f"<strong>{brand.dateline}, {{location}}</strong> {EN_DASH} ",
        initials=" ({initials})",
        share="share-box",
    )


MARKUP = {brand.outlet.source: _markup(brand) for brand in (JOGJA, JATENG)}


GENERATED_MARKUP: dict[Brand, BodyMarkup] = {}


def markup_of(brand: Brand) -> BodyMarkup:
    """A desk's body markup: the network's, with the desk's dateline and links."""
    known = MARKUP.get(brand.outlet.source)
    if known is not None and brand in (JOGJA, JATENG):
        return known
    if brand not in GENERATED_MARKUP:  # a generated desk (replica/outlets/regional.py)
        GENERATED_MARKUP[brand] = _markup(brand)
    return GENERATED_MARKUP[brand]


def _body(brand: Brand, site: Site, article: TrueArticle, page: int | None) -> str:
    opening = ""
    if page in (None, 1):
        opening = (
            '<blockquote class="summary-article"><strong>Ringkasan Berita:</strong>'
            f"{esc(article.summary or '')}</blockquote>"
        )
        if article.rendering.reporter_line:
            opening += f"<p>{esc(article.rendering.reporter_line)}</p>"
    return opening + common.article_body(site, article, page, markup_of(brand))


def _article_paging(article: TrueArticle, page: int) -> str:
    links = []
    for number in range(1, article.pages + 1):
        active = ' class="active"' if number == page else ""
        links.append(f'<a href="{esc(page_url(article, number))}"{active}>{number}</a>')
    return (
        f'<div class="paging"><span class="total-page">Halaman {page}/{article.pages}</span>'
        f"{''.join(links)}</div>"
    )


# --- listings ------------------------------------------------------------------------


def _paging(url: str, page: int, last: int) -> str:
    """div#paginga div.paging: every page 1..last, and Next when there is one."""
    links = "".join(f'<a href="{esc(f"{url}page={k}")}">{k}</a>' for k in range(1, last + 1))
    if page < last:
        links += f'<a class="next" rel="next" href="{esc(f"{url}page={page + 1}")}">Next</a>'
    return f'<div id="paginga"><div class="paging">{links}</div></div>'


def hub_page(site: Site, section: str, page: int, brand: Brand = JOGJA) -> str:
    """/<section>?page=N: the section's articles, newest first, 20 a page."""
    base = brand.base
    label = brand.outlet.known_section(section).label
    articles = site.in_section(brand.outlet.source, section)
    items = "".join(_hub_item(brand, site, a) for a in common.page_items(articles, page, PER_PAGE))
    main = (
        f'<h1 class="section-title">Berita {esc(label)} Terkini</h1>'
        f'<ul class="lst-hub">{items}</ul>'
        f"{_paging(f'{base}/{section}?', page, common.page_count(len(articles), PER_PAGE))}"
    )
    head = (
        f"<title>Berita {esc(label)} Terkini Hari Ini{brand.suffix}</title>"
        + common.canonical(f"{base}/{section}")
        + meta("description", f"Berita terbaru seputar {label} hari ini.")
    )
    return common.document(head, chrome(site, main, brand))


def _hub_item(brand: Brand, site: Site, article: TrueArticle) -> str:
    url, title = esc(article.url), esc(article.title)
    thumb = article.images[0]["url"] if article.images else f"{brand.base}/images/no-image.jpg"
    return (
        '<li class="art-list pos_rel">'
        f'<a class="fl" href="{url}"><img src="{esc(thumb)}" alt="{title}"></a>'
        '<div class="mr140"><h3 class="f20 ln24 fbo"><a class="f20 ln24 fbo txt-oev-2" '
        f'href="{url}"'
        f' title="{title}">{title}</a></h3>'
        f'<div class="grey2 pt5 f13 ln18 txt-oev-3">{esc(article.description)}</div>'
        '<div class="grey pt5"><time class="foot timeago" '
        f'title="{article.published_at:%Y-%m-%d %H:%M:%S}">'
        f"{common.relative_time(article.published_at, site.now)}</time></div></div></li>"
    )


def index_date(day: date) -> str:
    """The index-news date parameter: 2025-11-7 (not zero-padded)."""
    return f"{day.year}-{day.month}-{day.day}"


def index_page(site: Site, day: date, page: int, brand: Brand = JOGJA) -> str:
    """/index-news?date=YYYY-M-D&page=N: all sections' articles of one day, 20 a page."""
    base = brand.base
    articles = site.on_day(brand.outlet.source, day)
    items = "".join(
        f'<li class="ptb15"><h3 class="f16 fbo"><a class="f16 fbo" href="{esc(a.url)}">'
        f'{esc(a.title)}</a></h3><time class="grey">'
        f"{common.long_date_time(a.published_at)}</time></li>"
        for a in common.page_items(articles, page, PER_PAGE)
    )
    paging = ""
    if articles:
        url = f"{base}/index-news?date={index_date(day)}&"
        paging = _paging(url, page, common.page_count(len(articles), PER_PAGE))
    main = (
        '<h1 class="section-title">Index Berita</h1>'
        f'<form class="index-date" action="{base}/index-news"><input name="date" '
        f'value="{index_date(day)}"><button>Cari</button></form>'
        f'<ul class="lsi">{items}</ul>{paging}'
    )
    head = f"<title>Index Berita{brand.suffix}</title>" + meta("robots", "noindex, follow")
    return common.document(head, chrome(site, main, brand))


# --- serving ---------------------------------------------------------------------------


def serve(site: Site, host: str, path: str, query: Query) -> Page:
    """A Tribun desk's host: daily index, section hubs, articles (a page, or ?page=all)."""
    return serve_desk(BRANDS_BY_HOST[host], site, host, path, query)


def serve_desk(brand: Brand, site: Site, host: str, path: str, query: Query) -> Page:
    """The host of the desk `brand` (generated desks bind their brand to this)."""
    if path == "/index-news":
        day = day_param(site, query)
        return common.html_page(index_page(site, day, listing_page(query), brand))
    section = path.strip("/")
    if path == f"/{section}" and brand.outlet.section(section):
        return common.html_page(hub_page(site, section, listing_page(query), brand))
    if ARTICLE_PATH.fullmatch(path):
        article = article_at(site, host, path)
        page = page_number(param(query, "page"), article.pages)
        return common.html_page(article_page(site, article, page, brand))
    raise NotFound


GROUP = OutletGroup(
    outlets=(TRIBUN, TRIBUN_JATENG),
    hosts=(
        Host(TRIBUN.host, serve, ROBOTS),
        Host(TRIBUN_JATENG.host, serve, ROBOTS, syndication_only=True),
    ),
)
