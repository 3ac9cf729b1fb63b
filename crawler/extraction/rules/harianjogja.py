"""Harian Jogja (*.harianjogja.com): the 2025 article layout (single page)."""

from crawler.extraction.rules.base import OutletRule, OutletRules

HARIANJOGJA_2025 = OutletRule(
    name="harianjogja",
    version=1,
    hosts=("harianjogja.com",),
    body="div.article-content",
    title="div.article-header h1",
    authors="div.author-article",  # "Penulis: Name | Editor: Name"
    dates="div.date-article",
    strip=(".baca-juga", "div.ads"),
    boilerplate=(r"cek\s+berita\s+dan\s+artikel",),
    dateline=r"^harianjogja\.com\s*(?:,\s*(?P<place>[^–—\-]{2,40}?))?\s*[–—\-]\s*",
    title_suffixes=(" | Harian Jogja", " - Harian Jogja", " | Harianjogja.com"),
)

OUTLET = OutletRules(
    name="harianjogja",
    versions=(HARIANJOGJA_2025,),
    media_names=("harian jogja", "harianjogja", "jogjapolitan"),
)
