"""Kompas (regional.kompas.com and every *.kompas.com channel): four layouts, newest first.

- kompas@1, the `read__` layout (2019 to now), fetched as `?page=all`. Its
  visible credit (`div.credit-title-name`) lists writer and editor without
  roles; the roles sit in the hidden `div#creditModal` (h6.credit-author-name +
  h6.credit-author-position "Penulis"/"Editor"), and in `meta content_author` /
  `content_editor`. JSON-LD's author is the editor on these pages (extract.py
  lets the stated roles win). `meta content_PublishedDate` is WIB wall-clock
  time to the second; the visible `div.read__time` has minutes only.
  A paged article links `?page=N` in `div.paging--article`; `?page=all` is whole.
- kompas@2, the 2015–16 `kcm` layout (nasional, regional, internasional…):
  headline `div.kcm-read-top h2` (the page's h1 is the channel name), date
  `div.kcm-date` / `div.msmall.grey` "Selasa, 16 Februari 2016 | 14:38 WIB" (no
  machine-readable date anywhere: minutes only), body `div.kcm-read-text` (real
  <p>s, or bare text split by <br><br>), the lead photo (`div.photo`, caption with
  credit `span.author`: "Twitter @Persib", "KOMPAS.com/NAME") above it, and a
  "Penulis : … / Editor : … / Sumber : …" table (`div.kcm-read-copy`) after it.
- kompas@3, the 2015–16 Kompas Bola variant: `div.kcm-read-content-top` (h2,
  `div.grey` date) and the body in `span.kcmread1114`, followed inside its column
  by a topic box and the same credit table.
- kompas@4, KompasOtomotif 2016: `div.baca-content` (h1, `div.kcm-date`), body
  `div.content-text div.div-read`, credits table `div.penulis-editor`, dateline
  "Jakarta, KompasOtomotif –".
"""

from crawler.extraction.rules.base import CreditBlock, OutletRule, OutletRules

# "JAKARTA, KOMPAS.com -", "Jakarta, KompasOtomotif –": the place, then the brand.
_DATELINE = r"^(?P<place>[^,–—\-]{2,40}?)\s*,\s*kompas\w*(?:\.com)?\s*[–—\-]\s*"
# "Penulis | : Name" rows: the first cell is the role, the second the name.
_CREDIT_ROWS = "td + td"
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
    # The cover photo above the body, then the body's photos (div.photo, or <figure>).
    photos="div.cover-photo, div.read__content div.photo, div.read__content figure",
    photo_caption="div.photo__caption, figcaption",
    photo_credit="span.photo__author",
    section="div.breadcrumb a, ul.breadcrumb__wrap a.breadcrumb__link",
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
    page_count_meta="content_total_pages",
    whole_view=(("page", "all"),),
)

KOMPAS_KCM_2016 = OutletRule(
    name="kompas",
    version=2,
    hosts=("kompas.com",),
    body="div.kcm-read-text",
    title="div.kcm-read-top h2",
    credits=(CreditBlock(entry="div.kcm-read-copy tr", name=_CREDIT_ROWS, role="td"),),
    dates="div.kcm-read-top div.grey",
    section="ul.kcm-breadcrumb a",
    strip=("div.photo", "div.kcm-read-copy", "div.kcm-read-terkait", "div.kcm-read-paging"),
    boilerplate=_BOILERPLATE,
    dateline=_DATELINE,
    title_suffixes=(" - Kompas.com",),
)

KOMPAS_BOLA_2016 = OutletRule(
    name="kompas",
    version=3,
    hosts=("kompas.com",),
    body="span.kcmread1114",
    title="div.kcm-read-content-top h2",
    credits=(CreditBlock(entry="div.kcm-read-copy tr", name=_CREDIT_ROWS, role="td"),),
    dates="div.kcm-read-content-top div.grey",
    section="div.kcm-read-content-top h4.breadcrump a",
    strip=(
        "div.photo",
        "div.kcm-read-copy",
        "div.kcm-read-bottom-topic",  # "Ikuti perkembangan berita ini dalam topik:"
        "div.kcm-read-terkait",
        "div.kcm-read-paging",
    ),
    boilerplate=_BOILERPLATE,
    dateline=_DATELINE,
    title_suffixes=(" - Kompas.com",),
)

KOMPAS_OTOMOTIF_2016 = OutletRule(
    name="kompas",
    version=4,
    hosts=("kompas.com",),
    body="div.content-text div.div-read",
    title="div.baca-content h1",
    credits=(CreditBlock(entry="div.penulis-editor tr", name=_CREDIT_ROWS, role="td"),),
    dates="div.baca-content div.kcm-date",
    strip=("div.photo", "div.penulis-editor", "div.berita-terkait-content"),
    boilerplate=_BOILERPLATE,
    dateline=_DATELINE,
    title_suffixes=(" - Kompas.com", " - KompasOtomotif"),
)

OUTLET = OutletRules(
    name="kompas",
    versions=(KOMPAS_2025, KOMPAS_KCM_2016, KOMPAS_BOLA_2016, KOMPAS_OTOMOTIF_2016),
    media_names=("kompas*",),  # KOMPAS.com, KompasOtomotif, Kompas TV…
)
