"""Kompas (regional.kompas.com): the 2025 article layout, fetched as `?page=all`."""

from crawler.extraction.rules.base import OutletRule

KOMPAS_2025 = OutletRule(
    name="kompas",
    version=1,
    hosts=("kompas.com",),
    body="div.read__content",
    title="h1.read__title",
    authors="div.credit-title-name",
    editors="div.credit-title-nameEditor",
    dates="div.read__time",
    section="div.breadcrumb a",
    tags="ul.tag__article__wrap li a.tag__article__link",
    strip=("[class^=inject-baca-juga]", ".ads-on-body", "div.paging", ".kompasidRec"),
    boilerplate=(r"simak\s+breaking\s+news",),
    dateline=r"^(?P<place>[^,–—\-]{2,40}?)\s*,\s*kompas\.com\s*[–—\-]\s*",
    title_suffixes=(" - Kompas.com",),
    continuation="div.paging a[href]",
    whole_view=(("page", "all"),),
)

RULES = (KOMPAS_2025,)
