"""Kompas Regional (regional.kompas.com, indeks.kompas.com): articles, daily index, robots.txt.

Markup per docs/replica-contract.md, "Kompas Regional". The crawler reads
whole articles at `?page=all`; `?page=N` serves one page of a multi-page one.
"""

from __future__ import annotations

from datetime import date

from replica.model import Site, TrueArticle
from replica.outlets import KOMPAS, KOMPAS_INDEX_HOST
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
    numeric_date_time,
    page_count,
    page_items,
    person_list,
    popular_widget,
    related_link,
    share_links,
    with_inline_link,
)
from replica.text import slugify

BASE = f"https://{KOMPAS.host}"
INDEX = f"https://{KOMPAS_INDEX_HOST}/"
PER_PAGE = 15
SUFFIX = " - Kompas.com"
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
        f'<div class="container"><div class="col-bs10-7">{main}</div>'
        f'<div class="col-bs10-3">{popular_widget(site, KOMPAS.source, "Terpopuler", "most")}'
        f"{ad('ads-sidebar', 'div-gpt-ad-sidebar')}</div></div>\n"
        f'<footer class="footer">{nav("https://www.kompas.com", FOOTER, "footer__link")}'
        "<p>Copyright 2008 - 2025 PT. Kompas Cyber Media (Kompas Gramedia Digital Group). "
        "All Rights Reserved.</p></footer>"
    )


# --- article pages -------------------------------------------------------------------


def page_url(article: TrueArticle, page: int | str) -> str:
    return article.url if page == 1 else f"{article.url}?page={page}"


def article_page(site: Site, article: TrueArticle, page: int | None) -> str:
    """Page `page` (1-based) of the article, or the whole of it for None (?page=all)."""
    head = "\n".join(
        [
            f"<title>{esc(article.title + SUFFIX)}</title>",
            meta("description", article.description),
            meta("content_author", article.authors[0]),
            meta("keywords", ", ".join(article.tags)),
            canonical(article.url),
            meta("og:type", "article", "property"),
            meta("og:title", article.title + SUFFIX, "property"),
            meta("og:description", article.description, "property"),
            meta("og:url", article.url, "property"),
            *([meta("og:image", article.images[0]["url"], "property")] if article.images else []),
            json_ld(_news_article(article)),
        ]
    )
    return document(head, chrome(site, _article_main(site, article, page)))


def _news_article(article: TrueArticle) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
        "headline": article.title,
        "description": article.description,
        "datePublished": iso(article.published_at),
        "dateModified": iso(article.modified_at or article.published_at),
        "author": person_list(article.authors),
        "editor": person_list(article.editors),
        "articleSection": article.rendering.section_label,
        "keywords": ", ".join(article.tags),
        "publisher": {"@type": "Organization", "name": "Kompas.com"},
    }
    if article.images:
        data["image"] = [image["url"] for image in article.images]
    return data


def _article_main(site: Site, article: TrueArticle, page: int | None) -> str:
    when = f"Kompas.com, {numeric_date_time(article.published_at)}"
    if article.modified_at and article.modified_at != article.published_at:
        when += f" - Diperbarui {numeric_date_time(article.modified_at)}"
    author, editor = article.authors[0], article.editors[0]
    desk = f"Kontributor {article.location}"
    paging = _paging(article, page) if page is not None and article.pages > 1 else ""
    tags = "".join(
        f'<li class="tag__article__item"><a class="tag__article__link" '
        f'href="https://www.kompas.com/tag/{slugify(tag)}">{esc(tag)}</a></li>'
        for tag in article.tags
    )
    related = [(t, u) for t, u in site.related(article, 4) if u != article.url]
    return (
        f'<div class="breadcrumb"><a href="https://www.kompas.com/">Home</a> / '
        f'<a href="{BASE}/">Regional</a> / <a href="{BASE}/{article.section}">'
        f"{esc(article.rendering.section_label)}</a></div>"
        f'<h1 class="read__title">{esc(article.title)}</h1>'
        f'<div class="read__info"><div class="read__time">{esc(when)}</div></div>'
        '<div class="credit-title">'
        f'<div class="credit-title-name">Penulis: <a href="https://www.kompas.com/penulis/'
        f'{slugify(author)}">{esc(desk)}, {esc(author)}</a></div>'
        f'<div class="credit-title-nameEditor">Editor: <a href="https://www.kompas.com/editor/'
        f'{slugify(editor)}">{esc(editor)}</a></div></div>'
        f"{share_links(article.url, 'social--share')}"
        f'<div class="read__content"><div class="clearfix">{_body(site, article, page)}</div></div>'
        f"{paging}"
        f'<div class="tag__article"><ul class="tag__article__wrap">{tags}</ul></div>'
        '<div class="article__related"><h3>Berita Terkait</h3>'
        f'<ul class="related__list">{link_items(related, "related__item")}</ul></div>'
    )


def _body(site: Site, article: TrueArticle, page: int | None) -> str:
    location = (article.location or "").upper()
    is_last_page = page is None or page == article.pages

    def paragraph(index: int, kind: str, text: str) -> str:
        inner = with_inline_link(article, index, text, "https://www.kompas.com/tag/")
        if kind != "p":
            return f"<{kind}>{inner}</{kind}>"
        if index == 0:
            inner = f"<strong>{esc(location)}, KOMPAS.com</strong> - {inner}"
        return f"<p>{inner}</p>"

    def insert(kind: str, ref: int) -> str:
        if kind == "figure":
            image = article.images[ref]
            caption = image["caption"]
            if image["credit"]:
                caption += f" (KOMPAS.com/{image['credit']})"
            return (
                f'<figure class="photo"><img src="{esc(image["url"])}" alt="{esc(article.title)}">'
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
        if kind == "related":
            title, url = related_link(site, article, ref)
            link = f'<a class="inner-link-baca-juga" href="{esc(url)}">{esc(title)}</a>'
            return f"<p>Baca juga: {link}</p>"
        if kind == "related_box":
            links = [(t, u) for t, u in site.related(article, 3) if u != article.url]
            return (
                '<div class="inject-baca-juga"><div class="inject-baca-juga__title">Baca juga</div>'
                f"<ul>{link_items(links)}</ul></div>"
            )
        return ad("ads-on-body", f"div-gpt-ad-inarticle-{ref}")

    body = body_html(article, article.page_paragraphs(page), paragraph, insert)
    if is_last_page:
        body += (
            "<p>Simak breaking news dan berita pilihan kami langsung di ponselmu. Pilih saluran "
            "andalanmu akses berita Kompas.com WhatsApp Channel : "
            f'<a href="{WHATSAPP}">{WHATSAPP}</a>. Pastikan kamu sudah install aplikasi WhatsApp '
            "ya.</p>"
        )
    return body


def _paging(article: TrueArticle, page: int) -> str:
    links = []
    for number in range(1, article.pages + 1):
        active = " paging__link--active" if number == page else ""
        links.append(
            f'<a class="paging__item{active}" href="{esc(page_url(article, number))}">{number}</a>'
        )
    links.append(f'<a class="paging__all" href="{esc(page_url(article, "all"))}">Show All</a>')
    return f'<div class="paging">{"".join(links)}</div>'


# --- the daily index (indeks.kompas.com) -----------------------------------------------


def index_url(day: date, page: int) -> str:
    return f"{INDEX}?site=regional&date={day:%Y-%m-%d}&page={page}"


def index_page(site: Site, day: date, page: int, regional: bool = True) -> str:
    """?site=regional&date=YYYY-MM-DD&page=N: one day's articles, 15 a page (other sites: none)."""
    articles = site.on_day(KOMPAS.source, day) if regional else []
    items = "".join(_index_item(a) for a in page_items(articles, page, PER_PAGE))
    last = page_count(len(articles), PER_PAGE)
    links = "".join(
        f'<div class="paging__item"><a class="paging__link" href="{esc(index_url(day, k))}">'
        f"{k}</a></div>"
        for k in range(1, last + 1)
    )
    if page < last:
        links += (
            '<div class="paging__item"><a class="paging__link paging__link--next" rel="next" '
            f'href="{esc(index_url(day, page + 1))}">Next</a></div>'
        )
    paging = f'<div class="paging__wrap clearfix">{links}</div>' if articles else ""
    main = (
        f'<h1 class="index-title">Indeks Berita Regional {day:%d/%m/%Y}</h1>'
        f'<div class="articleList -list">{items}</div>{paging}'
    )
    head = f"<title>Indeks Berita Terkini dan Terbaru Hari Ini{SUFFIX}</title>" + canonical(
        index_url(day, page)
    )
    return document(head, chrome(site, main))


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
        f'<div class="articlePost-date">{numeric_date_time(article.published_at)}</div></div>'
        "</div></div></a></div>"
    )
