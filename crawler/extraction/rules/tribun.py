"""Tribun network (jogja.tribunnews.com and siblings): the 2025 article layout."""

from crawler.extraction.rules.base import OutletRule

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
    dateline=r"^tribun[a-z]*\.com\s*(?:,\s*(?P<place>[^–—\-]{2,40}?))?\s*[–—\-]\s*",
    title_suffixes=(" - Tribunjogja.com", " - Tribunnews.com", " - Tribun Jogja"),
    continuation="div.paging a[href]",
    whole_view=(),  # "?page=all" exists but is not reliable across the network
)

RULES = (TRIBUN_2025,)
