"""Kompas (regional.kompas.com and every *.kompas.com channel): two layouts.

- kompas@1, the `read__` layout (2019 to now), fetched as `?page=all`. Its
  visible credit (`div.credit-title-name`) lists writer and editor without
  roles; the roles sit in the hidden `div#creditModal` (h6.credit-author-name +
  h6.credit-author-position "Penulis"/"Editor"), and in `meta content_author` /
  `content_editor`. JSON-LD's author is the editor on these pages (extract.py
  lets the stated roles win). `meta content_PublishedDate` is WIB wall-clock
  time to the second; the visible `div.read__time` has minutes only.
  A paged article links `?page=N` in `div.paging--article`; `?page=all` is whole.
- kompas@2, the 2015–16 `kcm` layout: headline `div.kcm-read-top h2`, date
  `div.kcm-date` "Selasa, 16 Februari 2016 | 14:38 WIB", body `div.kcm-read-text`,
  the lead photo (`div.photo`, caption with credit `span.author`) above it, and a
  "Penulis : … / Editor : … / Sumber : …" table (`div.kcm-read-copy`) after it.
"""

from crawler.extraction.rules.base import CreditBlock, OutletRule

_DATELINE = r"^(?P<place>[^,–—\-]{2,40}?)\s*,\s*kompas\.com\s*[–—\-]\s*"
_BOILERPLATE = (r"simak\s+breaking\s+news",)

KOMPAS_2025 = OutletRule(
    name="kompas",
    version=1,
    hosts=("kompas.com",),
    body="div.read__content",
    title="h1.read__title",
    authors="div.credit-title-name",
    editors="div.credit-title-nameEditor",
    credits=(
        CreditBlock(
            entry="div#creditModal div.credit-author",
            name="h6.credit-author-name",
            role="h6.credit-author-position",
        ),
    ),
    dates="div.read__time",
    published_metas=("content_PublishedDate",),
    section="div.breadcrumb a",
    tags="ul.tag__article__wrap li a.tag__article__link",
    strip=(
        "[class^=inject-baca-juga]",
        ".ads-on-body",
        "div.paging",
        ".read__paging",
        ".kompasidRec",
        "div.photo",  # an in-body photo: its caption and credit are no article text
    ),
    boilerplate=_BOILERPLATE,
    dateline=_DATELINE,
    title_suffixes=(" - Kompas.com",),
    continuation="div.paging a[href]",
    whole_view=(("page", "all"),),
)

KOMPAS_KCM_2016 = OutletRule(
    name="kompas",
    version=2,
    hosts=("kompas.com",),
    body="div.kcm-read-text",
    title="div.kcm-read-top h2",
    credits=(CreditBlock(entry="div.kcm-read-copy tr", name="td + td", role="td"),),
    dates="div.kcm-date",
    section="ul.kcm-breadcrumb a",
    strip=("div.photo", "div.kcm-read-copy", "div.kcm-read-terkait", "div.paging"),
    boilerplate=_BOILERPLATE,
    dateline=_DATELINE,
    title_suffixes=(" - Kompas.com",),
    continuation="div.paging a[href]",
)

RULES = (KOMPAS_2025, KOMPAS_KCM_2016)
