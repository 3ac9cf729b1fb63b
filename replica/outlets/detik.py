"""detik (www.detik.com/jogja, /jateng): the two desks, their pages, their host.

The desks' data (`DETIK_JOGJA`, `DETIK_JATENG`: one host, one id sequence, a
path prefix each; how their articles vary, URL shapes), the handler of
www.detik.com (articles, daily indexes) with robots.txt, and their pages.

Markup per docs/replica-contract.md, "detik": the `detail__*` article layout
and the `indeks` listing that real detik pages of 2022–2024 show
(tests/fixtures/realpages/detik/). Page N>1 of a multi-page article is
`…/<slug>/N`; the crawler reads the whole article at `?single=1`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from random import Random

from replica.model import Site, TrueArticle
from replica.outlets.base import CENTRAL_JAVA, DIY, Host, Ids, Outlet, OutletGroup, Section
from replica.pages import common
from replica.pages.common import BodyMarkup, Page, ad, esc, meta, nav
from replica.routing import NotFound, Query, article_at, day_of, page_number, param
from replica.text import slugify


class DetikOutlet(Outlet):
    """A detik desk: /<desk>/<section>/d-<id>/slug articles, photos on akcdn.detik.net.id."""

    def article_url(self, section: Section, when: datetime, number: int, slug: str) -> str:
        return f"https://{self.host}/{self.prefix}/{section.slug}/d-{number}/{slug}"

    def image_url(self, rng: Random, when: datetime, number: int, short: str, index: int) -> str:
        visual = f"https://akcdn.detik.net.id/community/media/visual/{when:%Y/%m/%d}"
        return f"{visual}/{short}-{index + 1}_169.jpeg"


def _sections(places: tuple[str, ...]) -> tuple[Section, ...]:
    """A desk's two channels: news, and travel (wisata topics only), over its places."""
    return (
        Section("berita", "Berita", places, 0.7, "berita"),
        Section("wisata", "Wisata", places, 0.3, "wisata"),
    )


DETIK_JOGJA = DetikOutlet(
    source="detikjogja",
    name="detikJogja",
    host="www.detik.com",
    share=0.15,
    sections=_sections(DIY),
    max_pages=3,
    # one id sequence for all of detik, growing with time
    ids=Ids(3, 40, sequence="detik", start=8_150_000),
    inserts=(("related", 2), ("ad", 1)),
    prefix="jogja",
    co_author_share=0.2,
    credits_editors=False,
    lowercase_tags=True,
    uncredited_image_share=0.2,
    initials="{author}/{editor}",
)
# detikJateng: the same host and markup, another path prefix and places.
DETIK_JATENG = replace(
    DETIK_JOGJA,
    source="detikjateng",
    name="detikJateng",
    share=0.10,
    sections=_sections(CENTRAL_JAVA),
    prefix="jateng",
)
DESKS = {outlet.prefix: outlet for outlet in (DETIK_JOGJA, DETIK_JATENG)}
# /<desk>/…: jogja and jateng, and a generated site's regional desks (outlets/regional.py)
ARTICLE_PATH = re.compile(r"(/([a-z]+)/(?:berita|wisata)/d-\d{7}/[a-z0-9-]+)(?:/(\d+))?")
INDEX_PATH = re.compile(r"/([a-z]+)/indeks(?:/(\d+))?/?")
BASE = f"https://{DETIK_JOGJA.host}"
VIDEO_HOST = "https://20.detik.com"
PER_PAGE = 20
PAGING_WINDOW = 5  # page numbers shown around the current one, as on news.detik.com/indeks
VIDEO_EVERY = 5  # the indeks mixes in one 20detik video item for about every five articles
ROBOTS = "User-agent: *\nDisallow: /search/\n"
MENU = [
    "detikNews", "detikFinance", "detikHot", "detikInet", "detikSport", "detikOto", "detikTravel",
    "detikFood", "detikHealth", "Wolipop", "detikEdu", "detikHikmah", "detikProperti",
    "detikJogja", "detikJateng", "detikJatim", "detikBali",
]  # fmt: skip


FOOTER = ["Redaksi", "Pedoman Media Siber", "Karir", "Kotak Pos", "Info Iklan", "Privacy Policy"]


def chrome(site: Site, outlet: Outlet, main: str, header: str = "") -> str:
    sub = nav(f"{BASE}/{outlet.prefix}", ["Berita", "Wisata", "Kuliner", "Budaya", "Bisnis"], "nav")
    return (
        f'<header class="header"><a class="logo" href="{BASE}/{outlet.prefix}">{outlet.name}</a>'
        f'<nav class="nav-main">{nav(BASE, MENU, "nav")}</nav><div class="nav-sub">{sub}</div>'
        "</header>\n"
        f"{ad('ads-billboard', 'div-gpt-ad-billboard')}\n"
        f'<div class="container">{header}<div class="grid-row content__bg mgt-16">'
        f'<div class="column-8">{main}</div>'
        '<div class="column-4">'
        f"{common.popular_widget(site, outlet.source, 'Berita Terpopuler', 'box-popular')}"
        f"{ad('ads-sidebar', 'div-gpt-ad-medrec')}</div></div></div>\n"
        '<footer class="footer">'
        f"{nav(BASE, FOOTER, 'footer__nav')}"
        "<p>Copyright &copy; 2025 detikcom. All right reserved</p></footer>"
    )


# --- dates as detik writes them ----------------------------------------------------------


def slash_time(moment: datetime) -> str:
    """2025/11/07 15:30:00: meta publishdate, WIB wall-clock without an offset."""
    return f"{moment:%Y/%m/%d %H:%M:%S}"


def bogus_utc(moment: datetime) -> str:
    """2025-11-07T15-30-00Z: meta pubdate, WIB wall-clock with hyphens and a Z it does not mean."""
    return f"{moment:%Y-%m-%dT%H-%M-%S}Z"


def unix_ms(moment: datetime) -> str:
    """dtk:publishdateunix: epoch milliseconds."""
    return str(int(moment.timestamp()) * 1000)


# --- article pages -------------------------------------------------------------------


def page_url(article: TrueArticle, page: int) -> str:
    return article.url if page == 1 else f"{article.url}/{page}"


def article_page(site: Site, outlet: Outlet, article: TrueArticle, page: int | None) -> str:
    """Page `page` (1-based) of the article, or the whole of it for None (?single=1)."""
    return common.document(
        _head(outlet, article), chrome(site, outlet, *_article_parts(site, outlet, article, page))
    )


def _created(article: TrueArticle) -> datetime:
    """detik's createdate: a few minutes before publication (the draft was saved first)."""
    return article.published_at - timedelta(minutes=1 + article.rendering.number % 5, seconds=22)


def _head(outlet: Outlet, article: TrueArticle) -> str:
    published, created = article.published_at, _created(article)
    names = ", ".join(article.authors)
    channel = outlet.name.lower()
    kind = "multiplepage" if article.pages > 1 else "singlepage"
    image = [meta("og:image", article.images[0]["url"], "property")] if article.images else []
    return "\n".join(
        [
            f"<title>{esc(article.title)}</title>",
            meta("description", article.description),
            meta("originalTitle", article.title),
            meta("og:type", "article", "property"),
            meta("og:site_name", channel, "property"),
            meta("og:title", article.title, "property"),
            *image,
            meta("og:description", article.description, "property"),
            meta("og:url", article.url, "property"),
            f'<meta name="copyright" content="{channel}" itemprop="dateline">',
            meta("articleid", str(article.rendering.number)),
            meta("articletype", kind),
            meta("createdate", slash_time(created)),
            meta("publishdate", slash_time(published)),
            meta("author", names),
            f'<meta name="keywords" content="{esc(",".join(article.tags))}" itemprop="keywords">',
            '<meta property="article:author" content="https://www.facebook.com/detikcom" '
            'itemprop="author">',
            '<meta property="article:publisher" content="https://www.facebook.com/detikcom">',
            f'<meta name="pubdate" content="{bogus_utc(published)}" itemprop="datePublished">',
            f'<meta content="{bogus_utc(created)}" itemprop="dateCreated">',
            meta("dtk:articleid", str(article.rendering.number)),
            meta("dtk:articletype", kind),
            meta("dtk:createddate", slash_time(created)),
            meta("dtk:publishdate", slash_time(published)),
            meta("dtk:createddateunix", unix_ms(created)),
            meta("dtk:publishdateunix", unix_ms(published)),
            meta("dtk:author", names),
            common.canonical(article.url),
            common.json_ld(_breadcrumb(outlet, article)),
            common.json_ld(_news_article(article)),
        ]
    )


def _breadcrumb(outlet: Outlet, article: TrueArticle) -> dict:
    home = f"{BASE}/{outlet.prefix}"
    crumbs = [(outlet.name, home), (article.section, f"{home}/{article.section}")]
    return common.breadcrumb_ld(crumbs)


def _news_article(article: TrueArticle) -> dict:
    people = [{"@type": "Person", "name": name} for name in article.authors]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
        "headline": article.title,
        "datePublished": common.iso(article.published_at),
        "dateModified": common.iso(article.modified_at or article.published_at),
        # one writer: a Person object, as on real pages; several: a list of them
        "author": people[0] if len(people) == 1 else people,
        "publisher": {"@type": "Organization", "name": "detikcom"},
        "description": article.description,
    }
    if article.images:
        data["image"] = {"@type": "ImageObject", "url": article.images[0]["url"]}
    return data


def _article_parts(
    site: Site, outlet: Outlet, article: TrueArticle, page: int | None
) -> tuple[str, str]:
    """(main column, page header above it): the article and its breadcrumb."""
    home = f"{BASE}/{outlet.prefix}"
    header = (
        '<div class="page__header"><div class="page__breadcrumb">'
        f'<a href="{home}">{outlet.name}</a>'
        f'<a href="{home}/{article.section}">{esc(article.rendering.section_label)}</a>'
        "</div></div>"
    )
    lead = _lead_media(outlet, article) if page in (None, 1) else ""
    related = [(t, u) for t, u in site.related(article, 4) if u != article.url]
    main = (
        '<article class="detail"><div class="detail__header">'
        f'<h1 class="detail__title">{esc(article.title)}</h1>'
        f'<div class="detail__author">{esc(", ".join(article.authors))} - '
        f'<span class="detail__label">{outlet.name}</span></div>'
        f'<div class="detail__date">{common.short_date_time(article.published_at)}</div></div>'
        f"{lead}"
        '<div id="inbetween"></div>'
        '<div class="detail__body itp_bodycontent_wrapper">'
        f'<div class="detail__body-text itp_bodycontent">{_body(site, outlet, article, page)}</div>'
        f"{ad('skybanner', 'div-gpt-ad-skyscraper')}</div>"
        "</article>"
        '<div class="list-content__related"><h2>Berita Terkait</h2>'
        f'<ul class="related-list">{common.link_items(related, "related-list__item")}</ul></div>'
    )
    return main, header


def _caption(outlet: Outlet, image: dict) -> str:
    """'Foto: Caption (Credit Name/detikJogja)', as detik credits its photographers."""
    credit = f" ({image['credit']}/{outlet.name})" if image["credit"] else ""
    return f"Foto: {image['caption']}{credit}"


def _figure(outlet: Outlet, article: TrueArticle, image: dict) -> str:
    return (
        f'<figure class="detail__media-image"><img src="{esc(image["url"])}" '
        f'alt="{esc(article.title)}" class="p_img_zoomin img-zoomin">'
        f'<figcaption class="detail__media-caption">{esc(_caption(outlet, image))}</figcaption>'
        "</figure>"
    )


def _lead_media(outlet: Outlet, article: TrueArticle) -> str:
    """The first image is the cover photo, above the body (outside the body container)."""
    if not article.images:
        return ""
    return f'<div class="detail__media">{_figure(outlet, article, article.images[0])}</div>'


def _parallax(ref: int) -> str:
    """The in-body parallax ad block: its two captions are the only text in it."""
    slot = f"div-gpt-ad-parallax-{ref}"
    script = common.AD_SCRIPT % slot
    return (
        "<!--s:parallaxindetail-->"
        '<div class="clearfix"></div>'
        '<div class="paradetail" style="display: none; padding-top: 16px; margin-bottom: 24px">'
        '<p id="para_caption">ADVERTISEMENT</p>'
        '<div class="para paraA"><div class="para_abs"><div class="para_fix"><div class="para_ads">'
        f'<center><div id="div-gpt-ad-parallax-{ref}">{script}</div></center>'
        "</div></div></div></div>"
        '<p id="para_caption2">SCROLL TO RESUME CONTENT</p></div>'
        "<!--e:parallaxindetail-->"
    )


def _video(site: Site, article: TrueArticle) -> str:
    """'Lihat juga Video: …' and the 20detik embed after the text (about half the articles)."""
    if article.rendering.number % 2:
        return ""
    title = site.related(article)[-1][0]
    embed = f"{VIDEO_HOST}/embed/{article.rendering.number % 1_000_000 + 250_000_000}"
    return (
        "<p></p>"
        f"<p><strong>Lihat juga Video: {esc(title)}</strong></p><p></p>"
        f'<p><a href="{embed}" id="idvideo20detik" class="embed video20detik">'
        "[Gambas:Video 20detik]</a></p>"
    )


def _markup(outlet: Outlet) -> BodyMarkup:
    return BodyMarkup(
        related=(
            '<table class="linksisip"><tbody><tr><td><div class="lihatjg">'
            '<strong>Baca juga: </strong><a href="{url}">{title}</a>'
            "</div></td></tr></tbody></table>"
        ),
        # the cover photo sits above the body; later photos inside it
        figure=lambda article, image: _figure(outlet, article, image),
        cover=True,
        ad=_parallax,
        tag_url=f"{BASE}/tag/",
    )


MARKUP = {outlet.source: _markup(outlet) for outlet in DESKS.values()}


def desk(site: Site, prefix: str) -> Outlet:
    """The desk at www.detik.com/<prefix>: jogja, jateng, or one the site generated."""
    found = DESKS.get(prefix) or next(
        (
            outlet
            for outlet in site.generated.values()
            if isinstance(outlet, DetikOutlet) and outlet.prefix == prefix
        ),
        None,
    )
    if found is None:
        raise NotFound
    return found


def markup_of(outlet: Outlet) -> BodyMarkup:
    """A desk's body markup (made once for a generated desk)."""
    if outlet.source not in MARKUP:
        MARKUP[outlet.source] = _markup(outlet)
    return MARKUP[outlet.source]


def _body(site: Site, outlet: Outlet, article: TrueArticle, page: int | None) -> str:
    """The body container's content: dateline, paragraphs and inserts, then the page's tail."""
    # the dateline stands before the first <p>: "<strong>Sleman</strong> - "
    dateline = f"<strong>{esc(article.location or '')}</strong> - \n" if page in (None, 1) else ""
    body = dateline + common.article_body(site, article, page, markup_of(outlet))
    if page is not None and article.pages > 1:
        body += _paging(article, page)
    if page is None or page == article.pages:
        body += _video(site, article)
        body += "<p><br><br><br></p>"
        if article.rendering.initials:
            body += f"<strong>({esc(article.rendering.initials)})</strong>"
    return body + _tags(article)


def _tags(article: TrueArticle) -> str:
    """Tags at the end of the body container, as on real pages (every page shows them)."""
    links = "".join(
        f'<a class="nav__item" dtr-evt="tag" dtr-ttl="{esc(tag)}" '
        f'href="{BASE}/tag/{slugify(tag)}/">{esc(tag)}</a>'
        for tag in article.tags
    )
    return f'<div class="detail__body-tag mgt-16"><div class="nav">{links}</div></div>'


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
    """https://www.detik.com/jogja/indeks/2?date=11/07/2025 (the page number is in the path)."""
    return f"{BASE}/{outlet.prefix}/indeks/{page}?date={day:%m/%d/%Y}"


def day_feed(site: Site, outlet: Outlet, day: date) -> list[tuple[str, str, datetime]]:
    """The indeks' items of one day, newest first: (url, title, time).

    Articles, with a 20detik video item after every VIDEO_EVERY-th one: real
    indeks pages mix in videos (20.detik.com/detikupdate/…), which are not
    articles of the outlet and are served nowhere in the replica.
    """
    items: list[tuple[str, str, datetime]] = []
    for position, article in enumerate(site.on_day(outlet.source, day), 1):
        items.append((article.url, article.title, article.published_at))
        if position % VIDEO_EVERY == 0:
            items.append(_video_item(article, position))
    return items


def _video_item(article: TrueArticle, position: int) -> tuple[str, str, datetime]:
    """A video about the story just listed, a minute older than it."""
    when = article.published_at - timedelta(minutes=1)
    code = f"{when:%Y%m%d}-{when:%y%m%d}{100 + position:03d}"
    slug = "video-" + "-".join(slugify(article.title).split("-")[:8])
    return f"{VIDEO_HOST}/detikupdate/{code}/{slug}", f"Video: {article.title}", when


def index_page(site: Site, outlet: Outlet, day: date, page: int) -> str:
    """/<prefix>/indeks/N?date=MM/DD/YYYY: one day's items, 20 a page."""
    feed = day_feed(site, outlet, day)
    shown = feed[(page - 1) * PER_PAGE : page * PER_PAGE]
    items = "".join(_index_item(site, *item) for item in shown)
    paging = _pagination(outlet, day, page, common.page_count(len(feed), PER_PAGE)) if feed else ""
    main = (
        '<div class="nhl indeks mgb-24">'
        f'<div class="grid-row list-content" id="indeks-container">{items}</div>{paging}</div>'
    )
    header = (
        '<div class="page__header mgb-16"><h2 class="page__title">Indeks Berita</h2></div>'
        '<form name="sortdate" class="form-inline" id="form_indeks"><div class="indeks-menu">'
        f'<h2 class="indeks-menu__title">{outlet.name}</h2><div class="indeks-menu__box">'
        "<span>Lihat Berdasarkan Tanggal</span>"
        f'<input type="text" id="form-tanggal" name="date" value="{day:%m/%d/%Y}">'
        '<button type="submit" class="btn btn--blue-base but_idx">Cari</button></div></div></form>'
    )
    head = f"<title>Indeks Berita {outlet.name} - {page}</title>" + meta(
        "robots", "noindex, follow"
    )
    return common.document(head, chrome(site, outlet, main, header))


def _index_item(site: Site, url: str, title: str, when: datetime) -> str:
    link, text = esc(url), esc(title)
    ago = common.relative_time(when, site.now, "yang lalu")
    return (
        '<article class="list-content__item"><div class="media media--left media--image-radius '
        'block-link">'
        f'<div class="media__image"><a href="{link}" class="media__link">'
        '<span class="ratiobox ratiobox--4-3 lqd"><img '
        f'src="https://cdn.detik.net.id/detik2/images/default.jpg" alt="{text}" title="{text}">'
        "</span></a></div>"
        f'<div class="media__text"><h3 class="media__title"><a href="{link}" class="media__link">'
        f"{text}</a></h3>"
        f'<div class="media__date"><span d-time="{int(when.timestamp())}" '
        f'title="{common.short_date_time(when)}">{ago}</span></div></div></div></article>'
    )


def _pagination(outlet: Outlet, day: date, page: int, last: int) -> str:
    """Prev, a window of page numbers, '...' and the last page, Next — as on the real indeks.

    Prev is an <a> without href on the first page; Next is missing on the last.
    """

    def link(number: int, text: str, css: str = "pagination__item") -> str:
        return f'<a href="{esc(index_url(outlet, day, number))}" class="{css}">{text}</a>'

    parts = [link(page - 1, "Prev") if page > 1 else "<a>Prev</a>"]
    first = max(1, min(page - PAGING_WINDOW // 2, last - PAGING_WINDOW + 1))
    window = range(first, min(last, first + PAGING_WINDOW - 1) + 1)
    if window.start > 1:
        parts += [link(1, "1"), '<a class="pagination__range">...</a>']
    for number in window:
        active = " pagination__item--active" if number == page else ""
        parts.append(link(number, str(number), "pagination__item" + active))
    if window.stop - 1 < last:
        parts += ['<a class="pagination__range">...</a>', link(last, str(last))]
    if page < last:
        parts.append(link(page + 1, "Next"))
    return f'<div class="pagination text-center mgt-16 mgb-16">{"".join(parts)}</div>'


# --- serving ---------------------------------------------------------------------------


def serve(site: Site, host: str, path: str, query: Query) -> Page:
    """www.detik.com: each desk's daily index and articles (a page, or ?single=1)."""
    index = INDEX_PATH.fullmatch(path)
    if index:
        raw = param(query, "date")
        if raw is None:
            day = site.now.date()
        else:
            month, day_number, year = (raw.split("/") + ["", "", ""])[:3]
            day = day_of([year, month, day_number])
        # the page number is a path segment (/indeks/2); /indeks alone is page 1
        number = int(index.group(2) or 1)
        if number < 1:
            raise NotFound
        return common.html_page(index_page(site, desk(site, index.group(1)), day, number))
    match = ARTICLE_PATH.fullmatch(path)
    if match:
        article = article_at(site, host, match.group(1))
        outlet = desk(site, match.group(2))
        if param(query, "single") == "1":
            page = None
        else:
            page = page_number(match.group(3), article.pages, whole=None)
        return common.html_page(article_page(site, outlet, article, page))
    raise NotFound


GROUP = OutletGroup(
    outlets=(DETIK_JOGJA, DETIK_JATENG),
    hosts=(Host(DETIK_JOGJA.host, serve, ROBOTS),),
)
