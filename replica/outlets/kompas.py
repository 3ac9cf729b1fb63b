"""Kompas Regional (regional.kompas.com, indeks.kompas.com): the outlet, its pages, its hosts.

The outlet's data (`KOMPAS`: sections, ids, how its articles vary, URL shapes),
the handlers of its two hosts (articles; the daily index) with robots.txt, and
its pages.

Markup per docs/replica-contract.md, "Kompas Regional": the `read__` article
layout a real Kompas page of 2023 shows (tests/fixtures/realpages/kompas/),
and the indeks.kompas.com listing. The crawler reads whole articles at
`?page=all`; `?page=N` serves one page of a multi-page one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from random import Random

from replica.model import Site, TrueArticle
from replica.outlets.base import CENTRAL_JAVA, DIY, Host, Ids, Outlet, OutletGroup, Section
from replica.pages import common
from replica.pages.common import BodyMarkup, Page, ad, esc, meta, nav
from replica.routing import NotFound, Query, article_at, day_param, listing_page, page_number, param
from replica.text import slugify


class KompasOutlet(Outlet):
    """Kompas: /read/YYYY/MM/DD/HHMMSSnnn/slug articles, photos on asset.kompas.com."""

    def article_url(self, section: Section, when: datetime, number: int, slug: str) -> str:
        return f"https://{self.host}/read/{when:%Y/%m/%d}/{when:%H%M%S}{number:03d}/{slug}"

    def image_url(self, rng: Random, when: datetime, number: int, short: str, index: int) -> str:
        token = f"{rng.getrandbits(96):024x}"
        return (
            f"https://asset.kompas.com/crops/{token}=/0x0:1000x667/750x500/"
            f"data/photo/{when:%Y/%m/%d}/{short}-{index + 1}.jpg"
        )


KOMPAS = KompasOutlet(
    source="kompasregional",
    name="Kompas Regional",
    host="regional.kompas.com",
    share=0.20,
    sections=(
        Section("yogyakarta", "Yogyakarta", DIY),
        Section("jawa-tengah", "Jawa Tengah", CENTRAL_JAVA),
    ),
    max_pages=3,
    ids=Ids(100, 999),  # the last three digits of the URL's number, after the time
    inserts=(("related", 2), ("related_box", 1), ("ad", 2)),
    uncredited_image_share=0.2,
)
KOMPAS_INDEX_HOST = "indeks.kompas.com"
ARTICLE_PATH = re.compile(r"/read/\d{4}/\d{2}/\d{2}/\d{9}/[a-z0-9-]+")
BASE = f"https://{KOMPAS.host}"
INDEX = f"https://{KOMPAS_INDEX_HOST}/"
PER_PAGE = 15
PAGING_WINDOW = 5  # page links around the current one on the indeks
ROBOTS = "User-agent: *\nDisallow: /search\n"
WHATSAPP = "https://www.whatsapp.com/channel/0029VaFPbedBPzjZrk13HO3D"
MENU = [
    "News", "Nasional", "Regional", "Megapolitan", "Global", "Tren", "Hype", "Money", "Bola",
    "Tekno", "Otomotif", "Lifestyle", "Properti", "Travel", "Edukasi", "Health", "Food",
    "Sains", "Parapuan", "Skola", "Jeo", "Cek Fakta",
]  # fmt: skip
FOOTER = [
    "About Us", "Advertise", "Policy", "Pedoman Media Siber", "Career", "Contact Us",
    "Kebijakan Data Pribadi", "Beri Masukan",
]  # fmt: skip


def chrome(site: Site, main: str) -> str:
    return (
        '<header class="header"><div class="logo"><a href="https://www.kompas.com/">Kompas.com</a>'
        f'</div><nav class="nav">{nav("https://www.kompas.com", MENU, "nav__wrap")}</nav>'
        f'<div class="nav--sub">{nav(BASE, ["Yogyakarta", "Jawa Tengah", "Jawa Timur"], "sub")}'
        f"</div></header>\n{ad('ads-on-top', 'div-gpt-ad-billboard')}\n"
        f'<div class="container">{main}</div>\n'
        f'<footer class="footer">{nav("https://www.kompas.com", FOOTER, "footer__link")}'
        "<p>Copyright 2008 - 2025 PT. Kompas Cyber Media (Kompas Gramedia Digital Group). "
        "All Rights Reserved.</p></footer>"
    )


def columns(site: Site, main: str) -> str:
    """The read column and the sidebar ("Terpopuler", an ad)."""
    popular = common.popular_widget(site, KOMPAS.source, "Terpopuler", "most")
    return (
        f'<div class="row col-offset-fluid clearfix"><div class="col-bs10-7">{main}</div>'
        f'<div class="col-bs10-3">{popular}'
        f"{ad('ads-sidebar', 'div-gpt-ad-sidebar')}</div></div>"
    )


# --- dates as Kompas writes them ---------------------------------------------------------


def utc_iso(moment: datetime) -> str:
    """2025-11-07T08:30:00+00:00: article:published_time and JSON-LD dates are in UTC."""
    return moment.astimezone(UTC).isoformat()


def wall_clock(moment: datetime) -> str:
    """2025-11-07 15:30:00: meta content_PublishedDate, WIB without an offset."""
    return f"{moment:%Y-%m-%d %H:%M:%S}"


# --- article pages -------------------------------------------------------------------


def page_url(article: TrueArticle, page: int | str) -> str:
    return article.url if page == 1 else f"{article.url}?page={page}"


def article_page(site: Site, article: TrueArticle, page: int | None) -> str:
    """Page `page` (1-based) of the article, or the whole of it for None (?page=all)."""
    return common.document(_head(article, page), chrome(site, _article_main(site, article, page)))


def _head(article: TrueArticle, page: int | None) -> str:
    author, editor = article.authors[0], article.editors[0]
    image = [meta("og:image", article.images[0]["url"], "property")] if article.images else []
    current = [] if page is None else [meta("content_current_page", str(page))]
    return "\n".join(
        [
            f"<title>{esc(article.title)}</title>",
            meta("description", article.description),
            meta("keywords", ", ".join(article.tags)),
            meta("author", "Kompas Cyber Media"),
            meta("og:type", "article", "property"),
            *image,
            meta("og:title", article.title, "property"),
            meta("og:description", article.description, "property"),
            meta("og:url", article.url, "property"),
            meta("og:site_name", "KOMPAS.com", "property"),
            meta("content_category", "Regional"),
            meta("content_subcategory", article.rendering.section_label),
            meta("content_location", article.location or ""),
            meta("content_author_id", str(_person_id(author))),
            meta("content_author", author),
            meta("content_editor_id", str(_person_id(editor))),
            meta("content_editor", editor),
            meta("content_PublishedDate", wall_clock(article.published_at)),
            meta("article:published_time", utc_iso(article.published_at), "property"),
            meta("content_tag", article.tags[0] if article.tags else ""),
            meta("content_tags", ", ".join(article.tags)),
            meta("content_total_pages", str(article.pages)),
            *current,
            common.canonical(article.url),
            common.json_ld(_news_article(article)),
        ]
    )


def _person_id(name: str) -> int:
    """A stable profile id per person (indeks.kompas.com/profile/<id>/<Name.With.Dots>)."""
    return 1000 + sum(ord(char) * (index + 1) for index, char in enumerate(name)) % 9000


def _profile_url(name: str) -> str:
    return f"https://{KOMPAS_INDEX_HOST}/profile/{_person_id(name)}/{name.replace(' ', '.')}"


def _news_article(article: TrueArticle) -> dict:
    """JSON-LD as the real page writes it: UTC dates, and an `author` that names the EDITOR
    (with the writer's profile URL): structured data an extractor must not trust for people."""
    data = {
        "@context": "http://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": f"{article.url}#"},
        "headline": article.title,
        "datePublished": utc_iso(article.published_at),
        "dateModified": utc_iso(article.modified_at or article.published_at),
        "author": {
            "@type": "Person",
            "name": article.editors[0],
            "url": _profile_url(article.authors[0]),
        },
        "publisher": {"@type": "Organization", "name": "Kompas.com"},
        "description": article.description,
    }
    if article.images:
        data["image"] = {"@type": "ImageObject", "url": article.images[0]["url"]}
    return data


def _article_main(site: Site, article: TrueArticle, page: int | None) -> str:
    header = (
        '<div class="row"><div class="col-bs10-10">'
        f"{_breadcrumb(article)}"
        f'<h1 class="read__title">{esc(article.title)}</h1></div></div>'
    )
    read = (
        '<div class="read__header col-offset-fluid clearfix">'
        f'<div class="col-bs10-10">{_read_time(article)}</div>'
        f'<div class="col-bs10-10">{_credit(article)}</div>'
        f'<div class="col-bs10-10">{common.share_links(article.url, "social--share")}</div></div>'
        f"{_cover_photo(article) if page in (None, 1) else ''}"
        '<div class="read__article mt2 clearfix"><div class="read__content">'
        f'<div class="clearfix">{_body(site, article, page)}</div></div></div>'
        f"{_paging(article, page) if page is not None and article.pages > 1 else ''}"
        f"{_tags(article)}"
        f"{_related(site, article)}"
    )
    return header + columns(site, read)


def _breadcrumb(article: TrueArticle) -> str:
    crumbs = [
        ("Kompas.com", "https://www.kompas.com"),
        ("Regional", f"{BASE}/"),
        (article.rendering.section_label, f"{BASE}/{article.section}"),
    ]
    items = "".join(
        '<li class="breadcrumb__item"><a class="breadcrumb__link" '
        f'href="{url}"><span itemprop="name">{esc(name)}</span></a></li>'
        for name, url in crumbs
    )
    return f'<h3 class="breadcrumb clearfix"><ul class="breadcrumb__wrap">{items}</ul></h3>'


def _read_time(article: TrueArticle) -> str:
    """'Kompas.com - 07/11/2025, 15:30 WIB' (+ ' - Diperbarui 07/11/2025, 18:02 WIB')."""
    when = f" - {common.numeric_date_time(article.published_at)}"
    if article.modified_at and article.modified_at != article.published_at:
        when += f" - Diperbarui {common.numeric_date_time(article.modified_at)}"
    return (
        f'<div class="read__time"><a href="https://www.kompas.com">Kompas.com</a>{esc(when)}</div>'
    )


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()


def _credit(article: TrueArticle) -> str:
    """The visible credit (names only, writer first with a trailing comma, "Tim Redaksi") and
    the hidden #creditModal that alone says who is Penulis and who is Editor."""
    people = [(article.authors[0], "Penulis"), (article.editors[0], "Editor")]
    pictures = "".join(
        f'<div class="credit-picture-img avatarInit" data-avatar-initial="{_initials(name)}"></div>'
        for name, _ in people
    )
    names = "".join(
        f"<h6>{esc(name)}{',' if index < len(people) - 1 else ''}</h6>"
        for index, (name, _) in enumerate(people)
    )
    # The real page leaves the position's <h6> unclosed ("Penulis<h6>"): so does the replica.
    modal = "".join(
        f'<a href="{_profile_url(name)}"><div class="credit-author">'
        f'<div class="credit-author-img avatarInit" data-avatar-initial="{_initials(name)}"></div>'
        f'<div class="credit-author-title"><h6 class="credit-author-name">{esc(name)}</h6>'
        f'<h6 class="credit-author-position">{role}<h6></div></div></a>'
        for name, role in people
    )
    return (
        '<div class="credit" onclick="document.getElementById(\'creditModal\')'
        ".classList.toggle('openModal');return false;\">"
        f'<div class="credit-picture">{pictures}</div>'
        f'<div class="credit-title"><div class="credit-title-name">{names}</div>'
        "<p>Tim Redaksi</p></div></div>"
        '<div id="creditModal" class="creditModal"><div class="creditModal-header">'
        '<button class="button buttonDismiss modalDismiss" aria-label="Close">'
        '<span class="icoBase icoDismiss"></span></button></div>'
        f'<div class="creditModal-body">{modal}</div></div>'
    )


def _photo(article: TrueArticle, image: dict, css: str) -> str:
    """A photo with its caption; the credit is the caption's span.photo__author."""
    credit = (
        f'<span class="photo__author author">(KOMPAS.com/{esc(image["credit"])})</span>'
        if image["credit"]
        else ""
    )
    return (
        f'<div class="{css}"><div class="photo__wrap"><img src="{esc(image["url"])}" '
        f'alt="{esc(image["caption"])}"><div class="photo__icon photo__icon__expand">Lihat Foto'
        f'</div></div><div class="photo__caption">{esc(image["caption"])}{credit}</div></div>'
    )


def _cover_photo(article: TrueArticle) -> str:
    """The first image is the cover photo above the body (outside div.read__content)."""
    return _photo(article, article.images[0], "cover-photo -gallery") if article.images else ""


def _related_box(site: Site, article: TrueArticle) -> str:
    links = [(t, u) for t, u in site.related(article, 3) if u != article.url]
    items = "".join(f'<li><a href="{esc(u)}">{esc(t)}</a></li>' for t, u in links)
    return (
        '<div class="inject-baca-juga"><div class="inject-baca-juga__title">Baca juga</div>'
        f"<ul>{items}</ul></div>"
    )


MARKUP = BodyMarkup(
    related=(
        '<p><strong>Baca juga: <a href="{url}" class="inner-link-baca-juga" target="_self">'
        "{title}</a></strong></p>"
    ),
    # the cover photo stands above the body; later photos inside it
    figure=lambda article, image: _photo(article, image, "photo"),
    cover=True,
    ad=lambda ref: '<span class="ads-on-body"><!-- (ads.paragraph) --></span>',
    tag_url="https://www.kompas.com/tag/",
    dateline="<strong>{location}, KOMPAS.com -</strong> ",
    related_box=_related_box,
)


def _body(site: Site, article: TrueArticle, page: int | None) -> str:
    body = common.article_body(site, article, page, MARKUP)
    if page is None or page == article.pages:
        body += (
            "<p>Simak breaking news dan berita pilihan kami langsung di ponselmu. Pilih saluran "
            "andalanmu akses berita Kompas.com WhatsApp Channel : "
            f'<a href="{WHATSAPP}">{WHATSAPP}</a>. Pastikan kamu sudah install aplikasi WhatsApp '
            "ya.</p>"
        )
    return body


def _paging(article: TrueArticle, page: int) -> str:
    """The next-page teaser (not on the last page) and the page links with "Show All"."""
    footnote = ""
    if page < article.pages:
        first = article.paragraphs[article.page_paragraphs(page + 1)[0]]
        teaser = " ".join(first.split()[:5]) + "\u2026"
        footnote = (
            '<div class="read__paging__footnote paging__footnote clearfix">'
            "<span>Halaman Selanjutnya</span>"
            f'<h5><a href="{esc(page_url(article, page + 1))}" class="next">{esc(teaser)}</a></h5>'
            "</div>"
        )
    links = "".join(
        '<div class="paging__item"><a class="paging__link'
        f'{" paging__link--active" if number == page else " "}" '
        f'href="{esc(article.url)}?page={number}">{number}</a></div>'
        for number in range(1, article.pages + 1)
    )
    show_all = f"{article.url}?page=all#page{page + 1 if page < article.pages else page}"
    return (
        f'{footnote}<div class="read__paging clearfix">'
        '<div class="paging paging--article col-offset-0 clearfix">'
        '<div class="col-bs12-2 col-offset-0"><div class="paging__teaser">Halaman: </div></div>'
        '<div class="col-bs12-8 col-offset-0">'
        f'<div class="paging__wrap clearfix">{links}</div></div>'
        '<div class="col-bs12-2 col-offset-0"><a class="paging__link paging__link--show" '
        f'href="{esc(show_all)}">Show All</a></div></div></div>'
    )


def _tags(article: TrueArticle) -> str:
    """Tags link by data-url; their href is javascript:void(0), as on the real page."""
    items = "".join(
        '<li class="tag__article__item"><a class="tag__article__link" '
        f'title="{esc(tag)}" href="javascript:void(0)" '
        f'data-url="https://www.kompas.com/tag/{slugify(tag)}">{esc(tag)}</a></li>'
        for tag in article.tags
    )
    return (
        '<div class="read__tagging mt1 clearfix"><h3 class="tag tag--article clearfix">'
        f'<div class="tag__article__teaser">Tag</div><ul class="tag__article__wrap">{items}</ul>'
        "</h3></div>"
    )


def _related(site: Site, article: TrueArticle) -> str:
    related = [(t, u) for t, u in site.related(article, 4) if u != article.url]
    items = "".join(
        f'<li><a href="{esc(url)}"><h4 class="aTerkait__list__title">{esc(title)}</h4></a></li>'
        for title, url in related
    )
    return (
        '<div class="aTerkait" text="Artikel Terkait"><div class="aTerkait__list">'
        f"<ul>{items}</ul></div></div>"
    )


# --- the daily index (indeks.kompas.com) -----------------------------------------------


def index_url(day: date, page: int) -> str:
    return f"{INDEX}?site=regional&date={day:%Y-%m-%d}&page={page}"


def index_page(site: Site, day: date, page: int, regional: bool = True) -> str:
    """?site=regional&date=YYYY-MM-DD&page=N: one day's articles, 15 a page (other sites: none)."""
    articles = site.on_day(KOMPAS.source, day) if regional else []
    items = "".join(_index_item(a) for a in common.page_items(articles, page, PER_PAGE))
    last = common.page_count(len(articles), PER_PAGE)
    paging = _index_paging(day, page, last) if articles else ""
    main = (
        f'<h1 class="index-title">Indeks Berita Regional {day:%d/%m/%Y}</h1>'
        f'<div class="articleList -list">{items}</div>{paging}'
    )
    title = "<title>Indeks Berita Terkini dan Terbaru Hari Ini - Kompas.com</title>"
    head = title + common.canonical(index_url(day, page))
    return common.document(head, chrome(site, columns(site, main)))


def _index_paging(day: date, page: int, last: int) -> str:
    """CodeIgniter-style paging: a window of pages, Next and Last (the current page: no link)."""

    def item(number: int, text: str, css: str = "paging__link", rel: str = "") -> str:
        attributes = f' rel="{rel}"' if rel else ""
        return (
            f'<div class="paging__item"><a class="{css}" data-ci-pagination-page="{number}" '
            f'href="{esc(index_url(day, number))}"{attributes}>{text}</a></div>'
        )

    first = max(1, min(page - PAGING_WINDOW // 2, last - PAGING_WINDOW + 1))
    links = []
    if page > 1:
        links.append(item(page - 1, "Prev", "paging__link paging__link--prev", "prev"))
    for number in range(first, min(last, first + PAGING_WINDOW - 1) + 1):
        if number == page:
            links.append(
                '<div class="paging__item"><a class="paging__link paging__link--active" '
                f'href="javascript:void(0)">{number}</a></div>'
            )
        else:
            links.append(item(number, str(number)))
    if page < last:
        links.append(item(page + 1, "Next", "paging__link paging__link--next", "next"))
        links.append(item(last, "Last", "paging__link paging__link--last"))
    return f'<div class="paging__wrap clearfix">{"".join(links)}</div>'


def _index_item(article: TrueArticle) -> str:
    thumb = (
        article.images[0]["url"]
        if article.images
        else "https://asset.kompas.com/data/2025/wp/images/no-image.png"
    )
    return (
        f'<div class="articleItem"><a class="article-link" href="{esc(article.url)}">'
        f'<div class="articleItem-wrap"><div class="articleItem-img"><img src="{esc(thumb)}" '
        'alt=""></div>'
        f'<div class="articleItem-box"><h2 class="articleTitle">{esc(article.title)}</h2>'
        '<div class="articlePost"><div class="articlePost-subtitle">Regional</div>'
        '<div class="articlePost-date">'
        f"{common.numeric_date_time(article.published_at)}</div></div>"
        "</div></div></a></div>"
    )


# --- serving ---------------------------------------------------------------------------


def serve_articles(site: Site, host: str, path: str, query: Query) -> Page:
    """regional.kompas.com: articles (a page, or ?page=all)."""
    if ARTICLE_PATH.fullmatch(path):
        article = article_at(site, host, path)
        page = page_number(param(query, "page"), article.pages)
        return common.html_page(article_page(site, article, page))
    raise NotFound


def serve_index(site: Site, host: str, path: str, query: Query) -> Page:
    """indeks.kompas.com: the daily index (of Regional: other sites' are empty)."""
    if path != "/":
        raise NotFound
    day = day_param(site, query)
    regional = param(query, "site") in (None, "", "regional")
    return common.html_page(index_page(site, day, listing_page(query), regional))


GROUP = OutletGroup(
    outlets=(KOMPAS,),
    hosts=(
        Host(KOMPAS.host, serve_articles, ROBOTS),
        Host(KOMPAS_INDEX_HOST, serve_index, ROBOTS),
    ),
)
