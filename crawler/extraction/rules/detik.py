"""detik (www.detik.com/jogja, /jateng): the 2025 article layout, fetched as `?single=1`."""

from crawler.extraction.rules.base import OutletRule

DETIK_2025 = OutletRule(
    name="detik",
    version=1,
    hosts=("detik.com",),
    body="div.detail__body-text",
    title="h1.detail__title",
    authors="div.detail__author",
    dates="div.detail__date",
    tags="div.detail__body-tag a",
    strip=(
        ".parallaxindetail",
        "table.linksisip",
        ".detail__body-tag",
        ".detail__long-nav",
        ".staticdetail_container",
        ".ads-scrollpage",
    ),
    # "<strong>Sleman</strong> - ": one to four capitalised words, then a dash.
    # Patterns are case-insensitive; (?-i:…) keeps "capitalised" meaningful here.
    dateline=r"^(?P<place>(?-i:[A-Z])[\w'.]*(?: (?-i:[A-Z])[\w'.]*){0,3})\s*[–—\-]\s+",
    title_suffixes=(" - detikJogja", " - detikJateng", " - detikcom"),
    whole_view=(("single", "1"),),
    # /jogja/berita/d-1234567/slug: the channel is the section.
    section_from_url=r"^/[^/]+/(?P<section>[^/]+)/d-\d+",
)

RULES = (DETIK_2025,)
