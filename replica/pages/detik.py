"""detik (www.detik.com/jogja, /jateng): articles, daily indexes, robots.txt.

Markup per docs/replica-contract.md, "detik". Page N>1 of a multi-page article
is `…/<slug>/N`; the crawler reads the whole article at `?single=1`.
"""

from __future__ import annotations

from datetime import date

from replica.model import Site, TrueArticle
from replica.outlets import DETIK_JOGJA, Outlet
from replica.pages.common import (
    ad,
    body_html,
    canonical,
    document,
    esc,
    iso,
    json_ld,
    link_items,
    meta,
    nav,
    page_count,
    page_items,
    person_list,
    popular_widget,
    related_link,
    relative_time,
    share_links,
    short_date_time,
    with_inline_link,
)
from replica.text import slugify

BASE = f"https://{DETIK_JOGJA.host}"
PER_PAGE = 20
ROBOTS = "User-agent: *\nDisallow: /search/\n"
MENU = [
    "detikNews", "detikFinance", "detikHot", "detikInet", "detikSport", "detikOto", "detikTravel",
    "detikFood", "detikHealth", "Wolipop", "detikEdu", "detikHikmah", "detikProperti",
    "detikJogja", "detikJateng", "detikJatim", "detikBali",
]  # fmt: skip


FOOTER = ["Redaksi", "Pedoman Media Siber", "Karir", "Kotak Pos", "Info Iklan", "Privacy Policy"]


def chrome(site: Site, outlet: Outlet, main: str) -> str:
    sub = nav(f"{BASE}/{outlet.prefix}", ["Berita", "Wisata", "Kuliner", "Budaya", "Bisnis"], "nav")
    return (
        f'<header class="header"><a class="logo" href="{BASE}/{outlet.prefix}">{outlet.name}</a>'
        f'<nav class="nav-main">{nav(BASE, MENU, "nav")}</nav><div class="nav-sub">{sub}</div>'
        "</header>\n"
        f"{ad('ads-billboard', 'div-gpt-ad-billboard')}\n"
        f'<div class="grid-row"><div class="column-8">{main}</div>'
        '<div class="column-4">'
        f"{popular_widget(site, outlet.source, 'Berita Terpopuler', 'box-popular')}"
        f"{ad('ads-sidebar', 'div-gpt-ad-medrec')}</div></div>\n"
        '<footer class="footer">'
        f"{nav(BASE, FOOTER, 'footer__nav')}"
        "<p>Copyright &copy; 2025 detikcom. All right reserved</p></footer>"
    )


# --- article pages -------------------------------------------------------------------


def page_url(article: TrueArticle, page: int) -> str:
    return article.url if page == 1 else f"{article.url}/{page}"


def article_page(site: Site, outlet: Outlet, article: TrueArticle, page: int | None) -> str:
    """Page `page` (1-based) of the article, or the whole of it for None (?single=1)."""
    head = "\n".join(
        [
            f"<title>{esc(article.title)}</title>",
            meta("description", article.description),
            meta("keywords", ",".join(article.tags)),
            canonical(article.url),
            meta("og:type", "article", "property"),
            meta("og:title", article.title, "property"),
            meta("og:description", article.description, "property"),
            meta("og:url", article.url, "property"),
            *([meta("og:image", article.images[0]["url"], "property")] if article.images else []),
            json_ld(_news_article(outlet, article)),
        ]
    )
    return document(head, chrome(site, outlet, _article_main(site, outlet, article, page)))


def _news_article(outlet: Outlet, article: TrueArticle) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
        "headline": article.title,
        "description": article.description,
        "datePublished": iso(article.published_at),
        "dateModified": iso(article.modified_at or article.published_at),
        "author": person_list(article.authors),
        "articleSection": article.rendering.section_label,
        "keywords": ",".join(article.tags),
        "publisher": {"@type": "Organization", "name": outlet.name},
    }
    if article.images:
        data["image"] = {"@type": "ImageObject", "url": article.images[0]["url"]}
    return data


def _article_main(site: Site, outlet: Outlet, article: TrueArticle, page: int | None) -> str:
    paging = _paging(article, page) if page is not None and article.pages > 1 else ""
    tags = "".join(
        f'<a class="nav__item" href="{BASE}/tag/{slugify(tag)}">{esc(tag)}</a>'
        for tag in article.tags
    )
    related = [(t, u) for t, u in site.related(article, 4) if u != article.url]
    return (
        '<article class="detail"><div class="detail__header">'
        f'<div class="page__breadcrumb"><a href="{BASE}/{outlet.prefix}">{outlet.name}</a> '
        "&rsaquo; "
        f'<a href="{BASE}/{outlet.prefix}/{article.section}">'
        f"{esc(article.rendering.section_label)}</a></div>"
        f'<h1 class="detail__title">{esc(article.title)}</h1>'
        f'<div class="detail__author">{esc(", ".join(article.authors))} - {outlet.name}</div>'
        f'<div class="detail__date">{short_date_time(article.published_at)}</div></div>'
        f"{share_links(article.url, 'detail__share')}"
        '<div class="detail__body itp_bodycontent_wrapper">'
        f'<div class="detail__body-text itp_bodycontent">{_body(site, outlet, article, page)}</div>'
        f"{paging}"
        f'<div class="detail__body-tag mgt-16"><div class="nav">{tags}</div></div></div>'
        '<div class="list-content__related"><h2>Baca Juga</h2>'
        f'<ul class="related-list">{link_items(related, "related-list__item")}</ul></div>'
        "</article>"
    )


def _body(site: Site, outlet: Outlet, article: TrueArticle, page: int | None) -> str:
    last = len(article.rendering.kinds) - 1

    def paragraph(index: int, kind: str, text: str) -> str:
        inner = with_inline_link(article, index, text, f"{BASE}/tag/")
        if kind != "p":
            return f"<{kind}>{inner}</{kind}>"
        if index == 0:
            inner = f"<strong>{esc(article.location or '')}</strong> - {inner}"
        if index == last and article.rendering.initials:
            inner += f" ({esc(article.rendering.initials)})"
        return f"<p>{inner}</p>"

    def insert(kind: str, ref: int) -> str:
        if kind == "figure":
            image = article.images[ref]
            caption = image["caption"]
            if image["credit"]:
                caption += f" (Foto: {image['credit']}/{outlet.name})"
            return (
                f'<figure class="detail__media-image"><img src="{esc(image["url"])}" '
                f'alt="{esc(article.title)}"><figcaption class="detail__media-caption">'
                f"{esc(caption)}</figcaption></figure>"
            )
        if kind in ("related", "related_box"):
            title, url = related_link(site, article, ref)
            return (
                '<table class="linksisip"><tbody><tr><td><div class="lihatjg">'
                f'<strong>Baca juga: </strong><a href="{esc(url)}">{esc(title)}</a>'
                "</div></td></tr></tbody></table>"
            )
        return ad("parallaxindetail scrollpage", f"div-gpt-ad-parallax-{ref}")

    return body_html(article, article.page_paragraphs(page), paragraph, insert)


def _paging(article: TrueArticle, page: int) -> str:
    links = []
    for number in range(1, article.pages + 1):
        active = " detail__anchor-numb--active" if number == page else ""
        links.append(
            f'<a class="detail__anchor-numb{active}" href="{esc(page_url(article, number))}">'
            f"{number}</a>"
        )
    if page < article.pages:
        links.append(
            f'<a class="detail__anchor-next" href="{esc(page_url(article, page + 1))}">'
            "Selanjutnya</a>"
        )
    links.append(
        f'<a class="detail__long-nav-all" href="{esc(article.url)}?single=1">Tampilkan Semua</a>'
    )
    return f'<div class="detail__long-nav">{"".join(links)}</div>'


# --- daily index -------------------------------------------------------------------------


def index_url(outlet: Outlet, day: date, page: int) -> str:
    return f"{BASE}/{outlet.prefix}/indeks?date={day:%m/%d/%Y}&page={page}"


def index_page(site: Site, outlet: Outlet, day: date, page: int) -> str:
    """/<prefix>/indeks?date=MM/DD/YYYY&page=N: one day's articles, 20 a page."""
    articles = site.on_day(outlet.source, day)
    items = "".join(_index_item(site, a) for a in page_items(articles, page, PER_PAGE))
    last = page_count(len(articles), PER_PAGE)
    links = "".join(
        f'<a class="pagination__item" href="{esc(index_url(outlet, day, k))}">{k}</a>'
        for k in range(1, last + 1)
    )
    if page < last:
        links += (
            f'<a class="pagination__item" href="{esc(index_url(outlet, day, page + 1))}">Next</a>'
        )
    paging = f'<div class="pagination text-center mgt-16 mgb-16">{links}</div>' if articles else ""
    main = (
        f'<h1 class="page__title">Indeks Berita {outlet.name}</h1>'
        f'<div class="list-content">{items}</div>{paging}'
    )
    head = f"<title>Indeks Berita {outlet.name}</title>" + meta("robots", "noindex, follow")
    return document(head, chrome(site, outlet, main))


def _index_item(site: Site, article: TrueArticle) -> str:
    url, title = esc(article.url), esc(article.title)
    thumb = (
        article.images[0]["url"]
        if article.images
        else "https://cdn.detik.net.id/detik2/images/default.jpg"
    )
    return (
        '<article class="list-content__item"><div class="media media--left media--image-radius '
        'block-link">'
        f'<div class="media__image"><a class="media__link" href="{url}"><img src="{esc(thumb)}" '
        f'alt="{title}"></a></div>'
        f'<div class="media__text"><h3 class="media__title"><a class="media__link" href="{url}">'
        f"{title}</a></h3>"
        f'<div class="media__date"><span title="{short_date_time(article.published_at)}">'
        f"{relative_time(article.published_at, site.now)}</span></div></div></div></article>"
    )
