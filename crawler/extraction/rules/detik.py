"""detik (www.detik.com/jogja, /jateng, and every *.detik.com channel): four layouts, newest first.

- detik@1, the `detail__*` layout (2021 to now, every channel: news, inet,
  health, sport, travel, finance, jogja, jateng), fetched as `?single=1`. The
  body `div.detail__body-text` (inet's also carries `id=detikdetailtext`) opens
  with a `<strong>Jakarta</strong> -` dateline before the first <p> and closes
  with a "Lihat juga Video" / "Simak Video" line, a 20detik embed and the
  editors' initials "(mea/mea)". Inet pages have a second <h1> outside the article.
- detik@3, the `detail_text` layout (2015–2021, news and sport): `div.jdl` holds
  `div.date` "Selasa 16 Jun 2015, 14:05 WIB" (when shown), a kicker h2 and the h1,
  `div.author` "Name - detiknews"; body `div.detail_text` (bare text split by
  <br><br>, or <p>s), in-body photos in `table.pic_artikel_sisip_table`.
- detik@4, detikTravel 2022: `div.read__head` (`div.date`, h1), body
  `div#detikdetailtext.read__content`, the byline a desk ("Tim detikBali").
- detik@2, the 2015 detikInet layout: `h1.l_blue2_detik`, `div.author`
  ("<strong>Name</strong> - detikinet"), `div.date` "Kamis, 05/11/2015 10:08 WIB",
  body `div.text_detail`: one <p> whose paragraphs are split by <br><br>
  (engine.split_br_paragraphs), the dateline before it, "(fyk/ash)" after it.

Every layout writes the exact publication time into metas in WIB wall-clock time:
`dtk:publishdateunix` (epoch milliseconds), `publishdate` "2022/12/10 13:19:56",
`pubdate` "2022-12-10T13-19-56Z" / "2015-11-05 T10:08:58Z" (the Z is bogus).
"""

from crawler.extraction.rules.base import OutletRule, OutletRules

# "<strong>Sleman</strong> - ": one to four capitalised words, then a dash; on the real
# pages the place and dash are a text run of their own ("Jakarta -") before the first <p>.
# Patterns are case-insensitive; (?-i:…) keeps "capitalised" meaningful here.
_DATELINE = r"^(?P<place>(?-i:[A-Z])[\w'.]*(?: (?-i:[A-Z])[\w'.]*){0,3})\s*[–—\-](?:\s+|$)"
_PUBLISHED_METAS = ("dtk:publishdateunix", "publishdate", "dtk:publishdate", "pubdate")
# Paragraphs after the article proper: the video teaser line above a 20detik embed and
# the note on a story syndicated from another detik channel.
_BOILERPLATE = (
    r"(?:lihat\s+juga|simak|tonton)\s+video\b",
    r"artikel\s+ini\s+telah\s+(?:naik|tayang|terbit|dimuat)\s+di\b",
    r"\[gambas:",
    r"[-–—_*=~]{3,}$",  # the rule ("-----") above a syndication note
)
# In-body widgets of every detik layout: "Baca juga" boxes, embeds, photos, tag lists.
_STRIP = (
    "table.linksisip",
    "a.embed",  # "[Gambas:Video 20detik]" and other embeds
    ".paradetail",  # the parallax ad: "ADVERTISEMENT" / "SCROLL TO RESUME CONTENT"
    ".pic_artikel",
    ".pic_artikel_sisip_table",
    ".detail_tag",
    ".newstag",
)
_TITLE_SUFFIXES = (" - detikJogja", " - detikJateng", " - detikcom")

DETIK_2025 = OutletRule(
    name="detik",
    version=1,
    hosts=("detik.com",),
    body="div.detail__body-text",
    title="h1.detail__title",
    authors="div.detail__author",
    dates="div.detail__date",
    published_metas=_PUBLISHED_METAS,
    tags="div.detail__body-tag a",
    # The cover photo (div.detail__media, above the body) and the body's own figures;
    # captions read "Foto: Caption (Name/detikJogja)".
    photos="div.detail__media figure, div.detail__body-text figure",
    strip=(
        *_STRIP,
        ".parallaxindetail",
        ".detail__body-tag",
        ".detail__long-nav",
        ".staticdetail_container",
        ".ads-scrollpage",
    ),
    boilerplate=_BOILERPLATE,
    dateline=_DATELINE,
    title_suffixes=_TITLE_SUFFIXES,
    whole_view=(("single", "1"),),
    # /jogja/berita/d-1234567/slug: the channel is the section.
    section_from_url=r"^/[^/]+/(?P<section>[^/]+)/d-\d+",
)

DETIK_2015 = OutletRule(
    name="detik",
    version=2,
    hosts=("detik.com",),
    body="div.text_detail",
    title="h1.l_blue2_detik",
    authors="div.author",
    dates="h1.l_blue2_detik ~ div.date",  # listing widgets use span.date
    published_metas=_PUBLISHED_METAS,
    strip=_STRIP,
    boilerplate=_BOILERPLATE,
    dateline=_DATELINE,
    title_suffixes=_TITLE_SUFFIXES,
)

DETIK_DETAIL_TEXT = OutletRule(
    name="detik",
    version=3,
    hosts=("detik.com",),
    body="div.detail_text",
    title="div.jdl h1",
    authors="div.jdl div.author",
    dates="div.jdl div.date",
    published_metas=_PUBLISHED_METAS,
    strip=_STRIP,
    boilerplate=_BOILERPLATE,
    dateline=_DATELINE,
    title_suffixes=_TITLE_SUFFIXES,
)

DETIK_TRAVEL_2022 = OutletRule(
    name="detik",
    version=4,
    hosts=("detik.com",),
    body="div#detikdetailtext.read__content",
    title="div.read__head h1",
    authors="div.ugc__block__name > div > div > a",
    dates="div.read__head div.date",
    published_metas=_PUBLISHED_METAS,
    strip=_STRIP,
    boilerplate=_BOILERPLATE,
    dateline=_DATELINE,
    title_suffixes=_TITLE_SUFFIXES,
)

OUTLET = OutletRules(
    name="detik",
    # Newest layout first; a page takes the first whose body selector matches.
    versions=(DETIK_2025, DETIK_TRAVEL_2022, DETIK_DETAIL_TEXT, DETIK_2015),
    # The paged view: /jogja/berita/d-1234567/slug/2 is the article /jogja/berita/d-1234567/slug.
    page_suffix=r"^(?P<article>/[^/]+/[^/]+/d-\d+/[^/]+)/\d+/?$",
    # detikcom, detikNews, detikJogja, detikJateng, "Tim detikBali"…
    media_names=("detik*",),
)
