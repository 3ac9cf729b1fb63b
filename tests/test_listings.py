"""A source's listing pages are known by URL (crawler/listings.py), and `warta import`
skips them without extracting them: a crawl reads them for links, never as articles."""

from __future__ import annotations

from dataclasses import replace

import pytest

from crawler.listings import is_listing, listing_pattern
from crawler.sources import load_sources
from storage.archive import Archive
from tests.conftest import run_warta
from tests.test_warc_import import HTML, news_page, write_records
from warta.importing import LISTING_PAGE

SOURCES = load_sources()


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("tribunjogja", "https://jogja.tribunnews.com/sleman"),
        ("tribunjogja", "https://jogja.tribunnews.com/sleman/"),
        ("tribunjogja", "https://jogja.tribunnews.com/sleman?page=3"),  # the hub's next pages
        ("tribunjogja", "http://jogja.tribunnews.com/bantul"),  # any scheme
        ("detikjogja", "https://www.detik.com/jogja/indeks/2?date=11/07/2025"),
        ("kompasregional", "https://indeks.kompas.com/?site=regional&date=2025-11-07&page=1"),
    ],
)
def test_listing_pages_of_the_templates_are_listings(source, url):
    assert is_listing(url, listing_pattern(SOURCES[source]))


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("tribunjogja", "https://jogja.tribunnews.com/2025/11/02/antrean-ktp-elektronik"),
        ("tribunjogja", "https://jogja.tribunnews.com/semarang"),  # not one of its sections
        ("tribunjogja", "https://jogja.tribunnews.com/sleman/2025/11/02/berita"),
        ("detikjogja", "https://www.detik.com/jogja/berita/d-8150057/bank-sampah"),
        ("detikjogja", "https://www.detik.com/jateng/indeks/2"),  # another source's index
        ("kompasregional", "https://regional.kompas.com/read/2025/11/02/060300886/polres"),
    ],
)
def test_article_pages_are_not_listings(source, url):
    assert not is_listing(url, listing_pattern(SOURCES[source]))


def test_date_formats_and_placeholders_of_a_template():
    source = replace(
        SOURCES["detikjogja"],
        discovery={
            "style": "daily_index",
            "index_url": "https://example.org/arsip/{date:%Y-%m-%d}/{section}/{page}",
        },
        sections=("berita", "wisata"),
    )
    pattern = listing_pattern(source)
    assert is_listing("https://example.org/arsip/2025-11-07/wisata/3", pattern)
    assert not is_listing("https://example.org/arsip/2025-11-07/olahraga/3", pattern)
    assert not is_listing("https://example.org/arsip/kemarin/wisata/3", pattern)


def test_a_sitemap_source_has_no_listing_pages():
    assert listing_pattern(SOURCES["harianjogja"]) is None
    assert not is_listing("https://jogjapolitan.harianjogja.com/sleman", None)


def test_import_skips_a_listing_page_it_would_otherwise_archive(tmp_path):
    """A hub page that reads like an article (a title, a date, paragraphs) is skipped
    by its URL; the same page at an article URL of that outlet is archived."""
    warc = tmp_path / "tribun.warc.gz"
    hub = news_page("Berita Sleman Hari Ini", 6)
    write_records(
        warc,
        [
            ("https://jogja.tribunnews.com/sleman", HTML, hub),
            ("https://jogja.tribunnews.com/sleman?page=2", HTML, hub),
            ("https://jogja.tribunnews.com/2025/11/07/banjir-sleman", HTML, news_page("Banjir", 6)),
        ],
    )
    db = tmp_path / "tribun.db"
    result = run_warta("import", str(warc), db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"skipped      1  {LISTING_PAGE}" in result.stdout, result.stdout
    with Archive(db, readonly=True) as archive:
        urls = [row["url"] for row in archive.articles()]
    assert urls == ["https://jogja.tribunnews.com/2025/11/07/banjir-sleman"]
