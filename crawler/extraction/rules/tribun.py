"""Tribun network (jogja.tribunnews.com, www.tribunnews.com and siblings): two layouts.

- tribun@1, the 2025 layout: `h1#arttitle`, `div#penulis` / `div#editor`,
  `<time datetime>`, body `div.side-article.txt-article` with a summary box.
- tribun@2, the 2015 layout (www.tribunnews.com): the same body container, so it
  is told apart by its date line, an `h3` "Jumat, 19 Juni 2015 12:58 WIB" right
  after the headline (the header clock `div#jam` with a `title` timestamp is the
  time the page was served, not published). The credits "Penulis: A" /
  "Editor: B" follow the body in `div.f11.grey`; a second `div.side-article`
  holds tags and "Baca Juga" links.
"""

from crawler.extraction.rules.base import OutletRule, OutletRules

TRIBUN_2025 = OutletRule(
    name="tribun",
    version=1,
    hosts=("tribunnews.com",),
    # The compound class matters: the widget after the body is div.side-article.mb5.
    body="div.side-article.txt-article",
    title="h1#arttitle",
    authors="div#penulis",
    editors="div#editor",
    dates="time[datetime]:not(.timeago)",  # listing widgets use time.timeago
    section="div.breadcrumb a",
    summary="blockquote.summary-article",
    summary_label=r"^ringkasan\s+berita\s*:?\s*",
    tags="h5.tagcloud3 a.rd2",
    strip=(
        "blockquote.summary-article",
        "p.baca",
        ".ads-placeholder",
        ".share-box",
        "div.paging",
        "div.side-article.mb5",
        ".comment-disclaimer",
    ),
    # TRIBUNJOGJA.COM, and the older desks' hyphenated brands: TRIBUN-BALI.COM, TRIBUN-TIMUR.COM
    dateline=r"^tribun-?[a-z]*\.com\s*(?:,\s*(?P<place>[^–—\-]{2,40}?))?\s*[–—\-]\s*",
    title_suffixes=(" - Tribunjogja.com", " - Tribunnews.com", " - Tribun Jogja"),
    continuation="div.paging a[href]",
    whole_view=(),  # "?page=all" exists but is not reliable across the network
)

TRIBUN_2015 = OutletRule(
    name="tribun",
    version=2,
    hosts=("tribunnews.com",),
    body="div.side-article.txt-article",
    layout="h1#arttitle + div.grey > h3",
    title="h1#arttitle",
    authors="div.f11.grey",  # "Penulis: A" and "Editor: B": labels say where names go
    dates="h1#arttitle + div.grey > h3",
    section="div.breadcrumb a",
    strip=TRIBUN_2025.strip,
    dateline=TRIBUN_2025.dateline,
    title_suffixes=TRIBUN_2025.title_suffixes,
    continuation=TRIBUN_2025.continuation,
)

OUTLET = OutletRules(
    name="tribun",
    versions=(TRIBUN_2025, TRIBUN_2015),
    media_names=("tribun*",),  # Tribunjogja.com, Tribun Jateng, TribunJogja TV…
)
