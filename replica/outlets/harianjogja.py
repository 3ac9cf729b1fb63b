"""Harian Jogja (jogjapolitan.harianjogja.com): the outlet, its pages, its host.

The outlet's data (`HARIAN_JOGJA`: sections, ids growing with time, how its
articles vary, URL shapes), the handler of its host (articles, news sitemaps)
with robots.txt, and its pages.

Markup per docs/replica-contract.md, "Harian Jogja". Discovery is by sitemap:
`/sitemap.xml` lists one news sitemap per day of the window.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from random import Random

from replica.model import Site, TrueArticle
from replica.outlets.base import Host, Ids, Outlet, OutletGroup, Section, place_sections
from replica.pages import common
from replica.pages.common import BodyMarkup, Page, ad, esc, meta, nav
from replica.routing import NotFound, Query, article_at, day_of


class HarianJogjaOutlet(Outlet):
    """Harian Jogja: /r-<id>/slug articles, photos on img.harianjogja.com."""

    def article_url(self, section: Section, when: datetime, number: int, slug: str) -> str:
        return f"https://{self.host}/r-{number}/{slug}"

    def image_url(self, rng: Random, when: datetime, number: int, short: str, index: int) -> str:
        return f"https://img.harianjogja.com/posts/{when:%Y/%m/%d}/{number}/{short}-{index + 1}.jpg"


HARIAN_JOGJA = HarianJogjaOutlet(
    source="harianjogja",
    name="Harian Jogja",
    host="jogjapolitan.harianjogja.com",
    share=0.20,
    sections=place_sections("Sleman", "Bantul", "Jogja", "Kulonprogo=Kulon Progo", "Gunungkidul"),
    max_pages=1,
    ids=Ids(2, 30, sequence="harianjogja", start=1_231_000),  # ids grow with time
    inserts=(("related", 2), ("ad", 2)),
    uncredited_image_share=0.2,
    dates_unmodified=False,  # article:modified_time only on a revised article
)
ARTICLE_PATH = re.compile(r"/r-\d{7}/[a-z0-9-]+")
SITEMAP_PATH = re.compile(r"/sitemap-news-(\d{4})-(\d{2})-(\d{2})\.xml")
BASE = f"https://{HARIAN_JOGJA.host}"
SUFFIX = " | Harian Jogja"
GOOGLE_NEWS = "https://news.google.com/publications/CAAqBwgKMNnOmQsw5NexAw"
MENU = [
    "Jogjapolitan", "Sleman", "Bantul", "Jogja", "Kulonprogo", "Gunungkidul", "News", "Ekbis",
    "Sport", "Lifestyle", "Otomotif", "Teknologi", "Wisata", "Kuliner", "Opini", "Video",
]  # fmt: skip


FOOTER = ["Redaksi", "Pedoman Media Siber", "Kontak", "Privacy Policy"]


def robots(outlet: Outlet) -> str:
    return f"User-agent: *\nDisallow: /search\nSitemap: https://{outlet.host}/sitemap.xml\n"


def chrome(site: Site, main: str, outlet: Outlet = HARIAN_JOGJA) -> str:
    return (
        '<header class="header"><a class="logo" href="https://www.harianjogja.com/">Harian '
        "Jogja</a>"
        f'<nav class="menu">{nav("https://www.harianjogja.com", MENU, "menu__list")}</nav>'
        "</header>\n"
        f"{ad('ads', 'div-gpt-ad-leaderboard')}\n"
        f'<div class="wrapper"><div class="main-content">{main}</div>'
        '<aside class="sidebar">'
        f"{common.popular_widget(site, outlet.source, 'Berita Populer', 'popular')}"
        f"{ad('ads', 'div-gpt-ad-sidebar')}</aside></div>\n"
        '<footer class="footer"><p>Harianjogja.com &copy; 2025 PT Aksara Solopos. All Rights '
        "Reserved.</p>"
        f"{nav('https://www.harianjogja.com', FOOTER, 'footer__menu')}"
        "</footer>"
    )


def article_page(site: Site, article: TrueArticle, outlet: Outlet = HARIAN_JOGJA) -> str:
    metas = [
        f"<title>{esc(article.title + SUFFIX)}</title>",
        meta("description", article.description),
        common.canonical(article.url),
        meta("og:type", "article", "property"),
        meta("og:title", article.title + SUFFIX, "property"),
        meta("og:description", article.description, "property"),
        meta("og:url", article.url, "property"),
        meta("article:published_time", common.iso(article.published_at), "property"),
    ]
    if article.modified_at is not None:
        metas.append(meta("article:modified_time", common.iso(article.modified_at), "property"))
    metas.append(meta("article:section", article.rendering.section_label, "property"))
    metas += [meta("article:tag", tag, "property") for tag in article.tags]
    if article.images:
        metas.append(meta("og:image", article.images[0]["url"], "property"))
    metas.append(
        common.json_ld(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": article.title,
                "datePublished": common.iso(article.published_at),
                "author": common.person_list(article.authors),
                "publisher": {"@type": "Organization", "name": "Harian Jogja"},
            }
        )
    )
    main = _article_main(site, article, outlet)
    return common.document("\n".join(metas), chrome(site, main, outlet))


def _article_main(site: Site, article: TrueArticle, outlet: Outlet) -> str:
    related = [(t, u) for t, u in site.related(article, 4) if u != article.url]
    channel = outlet.host.split(".")[0].title()  # the subdomain: Jogjapolitan, News …
    return (
        '<div class="article-header">'
        f'<div class="breadcrumb"><a href="https://{outlet.host}/">{channel}</a> / '
        f"{esc(article.rendering.section_label)}</div>"
        f"<h1>{esc(article.title)}</h1>"
        f'<div class="author-article">Penulis: {esc(article.authors[0])} | Editor: '
        f"{esc(article.editors[0])}</div>"
        f'<div class="date-article">{common.long_date_time(article.published_at)} WIB</div></div>'
        f"{common.share_links(article.url, 'share-article')}"
        f'<div class="article-content">{_body(site, article)}</div>'
        '<div class="related-article"><h3>Berita Terkait</h3>'
        f"<ul>{common.link_items(related, 'related-article__item')}</ul></div>"
    )


def _figure(article: TrueArticle, image: dict) -> str:
    caption = image["caption"]
    if image["credit"]:
        caption += f" (Harian Jogja/{image['credit']})"
    return (
        f'<figure><img src="{esc(image["url"])}" alt="{esc(article.title)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


MARKUP = BodyMarkup(
    related=(
        '<div class="baca-juga"><strong>Baca Juga</strong>'
        '<ul><li><a href="{url}">{title}</a></li></ul></div>'
    ),
    figure=_figure,
    ad=lambda ref: ad("ads", f"div-gpt-ad-inarticle-{ref}"),
    dateline="<strong>Harianjogja.com, {location}</strong>\u2014",
)


def _body(site: Site, article: TrueArticle) -> str:
    body = common.article_body(site, article, None, MARKUP)
    return (
        body + f'<p>Cek Berita dan Artikel yang lain di <a href="{GOOGLE_NEWS}">Google News</a></p>'
    )


# --- news sitemaps -----------------------------------------------------------------------


def sitemap_url(day: date, outlet: Outlet = HARIAN_JOGJA) -> str:
    return f"https://{outlet.host}/sitemap-news-{day:%Y-%m-%d}.xml"


def sitemap_index(site: Site, outlet: Outlet = HARIAN_JOGJA) -> str:
    """One <sitemap> per day of the window, newest first."""
    entries = []
    for day in reversed(site.days):
        articles = site.on_day(outlet.source, day)
        stamps = [a.modified_at or a.published_at for a in articles]
        lastmod = max(stamps).isoformat() if stamps else f"{day:%Y-%m-%d}T23:59:00+07:00"
        entries.append(
            f"<sitemap><loc>{sitemap_url(day, outlet)}</loc><lastmod>{lastmod}</lastmod></sitemap>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(entries)
        + "\n</sitemapindex>\n"
    )


def day_sitemap(site: Site, day: date, outlet: Outlet = HARIAN_JOGJA) -> str:
    """A <urlset> of the day's articles with news:publication_date and news:title."""
    urls = "\n".join(
        f"<url><loc>{esc(a.url)}</loc><news:news><news:publication><news:name>Harian Jogja"
        "</news:name><news:language>id</news:language></news:publication>"
        f"<news:publication_date>{common.iso(a.published_at)}</news:publication_date>"
        f"<news:title>{esc(a.title)}</news:title></news:news></url>"
        for a in site.on_day(outlet.source, day)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{urls}\n</urlset>\n"
    )


# --- serving ---------------------------------------------------------------------------


def serve(site: Site, host: str, path: str, query: Query) -> Page:
    """jogjapolitan.harianjogja.com: the sitemap index, the day sitemaps, articles."""
    return serve_outlet(HARIAN_JOGJA, site, host, path, query)


def serve_outlet(outlet: Outlet, site: Site, host: str, path: str, query: Query) -> Page:
    """The host of `outlet` (a generated Harian Jogja channel binds itself to this)."""
    if path == "/sitemap.xml":
        return Page(200, common.XML, sitemap_index(site, outlet).encode())
    sitemap = SITEMAP_PATH.fullmatch(path)
    if sitemap:
        day = day_of(list(sitemap.groups()))
        if day not in site.days:
            raise NotFound
        return Page(200, common.XML, day_sitemap(site, day, outlet).encode())
    if ARTICLE_PATH.fullmatch(path):
        return common.html_page(article_page(site, article_at(site, host, path), outlet))
    raise NotFound


ROBOTS = robots(HARIAN_JOGJA)
GROUP = OutletGroup(outlets=(HARIAN_JOGJA,), hosts=(Host(HARIAN_JOGJA.host, serve, ROBOTS),))
