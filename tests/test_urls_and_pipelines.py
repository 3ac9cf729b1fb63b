"""URL canonicalisation and the pure pipeline steps (validate, normalise, row mapping)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.sources import REPO_SOURCES, load_sources
from crawler.urls import canonical_url, configured_hosts, same_site
from pipelines.archive import article_row
from pipelines.normalise import normalise
from pipelines.validate import validate
from storage.columns import ROW_COLUMNS

WIB = timezone(timedelta(hours=7))
HOSTS = configured_hosts(load_sources(REPO_SOURCES))  # the shipped config's domains


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://jogja.tribunnews.com/2025/11/07/x?page=2",
            "https://jogja.tribunnews.com/2025/11/07/x",
        ),
        (
            "http://JOGJA.tribunnews.com/2025/11/07/x#komentar",
            "https://jogja.tribunnews.com/2025/11/07/x",
        ),
        (
            "https://regional.kompas.com/read/2025/11/07/153000178/s?page=all&utm_source=fb&fbclid=1",
            "https://regional.kompas.com/read/2025/11/07/153000178/s",
        ),
        (
            "https://www.detik.com/jogja/berita/d-1234567/s/2",
            "https://www.detik.com/jogja/berita/d-1234567/s",
        ),
        (
            "https://www.detik.com/jogja/berita/d-1234567/s?single=1",
            "https://www.detik.com/jogja/berita/d-1234567/s",
        ),
        ("https://a.example/read?id=5&utm_medium=x", "https://a.example/read?id=5"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url, HOSTS) == canonical


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://jogja.tribunnews.com/amp/2025/11/07/x",
            "https://jogja.tribunnews.com/2025/11/07/x",
        ),
        (
            "https://m.jogja.tribunnews.com/2025/11/07/x",
            "https://jogja.tribunnews.com/2025/11/07/x",
        ),
        (
            "https://m.detik.com/jogja/berita/d-1234567/s",
            "https://www.detik.com/jogja/berita/d-1234567/s",
        ),
        (
            "https://detik.com/jogja/berita/d-1234567/s/amp",
            "https://www.detik.com/jogja/berita/d-1234567/s",
        ),
        (
            "https://amp.kompas.com/regional/read/2025/11/07/153000178/s",
            "https://regional.kompas.com/read/2025/11/07/153000178/s",
        ),
        ("https://www.harianjogja.com/x", "https://www.harianjogja.com/x"),  # not configured: kept
    ],
)
def test_mobile_and_amp_variants_map_to_the_configured_host(url, canonical):
    assert canonical_url(url, HOSTS) == canonical


def test_same_site():
    assert same_site("https://jogja.tribunnews.com/a", "https://www.tribunnews.com/b")
    assert not same_site("https://evil.example/a", "https://jogja.tribunnews.com/b")


def article(**fields) -> Article:
    values = {
        "url": "https://jogja.tribunnews.com/2025/11/07/x",
        "title": "Judul",
        "body": "Paragraf pertama yang cukup panjang untuk sebuah berita. " * 3,
    }
    values.update(fields)
    return Article(**values)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"title": None}, "no title"),
        ({"title": "  "}, "no title"),
        ({"body": ""}, "no body"),
        ({"body": "Pendek."}, "no body"),
    ],
)
def test_validate_drops_with_counted_reason(fields, reason):
    stats = MemoryStatsCollector(get_crawler())
    with pytest.raises(DropItem, match=reason):
        validate(article(**fields), stats)
    assert stats.get_value("warta/articles_dropped") == 1
    assert stats.get_value(f"warta/dropped/{reason}") == 1


def test_normalise_text_and_url():
    item = article(
        title="  Cafe\u0301   di\u00a0Sleman ",
        body="Satu  dua.\n\n\n  Tiga\u00a0empat. ",
        authors=["A", " A ", "B"],
        canonical_url="https://jogja.tribunnews.com/2025/11/07/x?page=2",
        fetched_url="https://jogja.tribunnews.com/2025/11/07/x?page=1&utm_source=wa",
    )
    normalise(item)
    assert item.title == "Café di Sleman"
    assert item.body == "Satu dua.\n\nTiga empat."
    assert item.authors == ["A", "B"]
    assert item.url == "https://jogja.tribunnews.com/2025/11/07/x"


def test_canonical_link_to_another_site_is_not_trusted():
    item = article(
        canonical_url="https://spam.example/x",
        fetched_url="https://jogja.tribunnews.com/2025/11/07/x",
    )
    normalise(item)
    assert item.url == "https://jogja.tribunnews.com/2025/11/07/x"


def test_row_times_are_utc_with_original_offset():
    item = article(
        published_at=datetime(2025, 11, 7, 15, 30, tzinfo=WIB),
        modified_at=datetime(2025, 11, 7, 18, 2, tzinfo=WIB),
    )
    row = article_row(item)
    assert row["published_at"] == "2025-11-07T08:30:00Z"
    assert row["published_tz"] == "+07:00"
    assert row["modified_at"] == "2025-11-07T11:02:00Z"


def test_row_has_every_column_the_archive_writes():
    """The row is derived from Article's fields: exactly the columns `Archive.store`
    writes (the key, the content, the extraction record), none missing or extra."""
    row = article_row(article(provenance={"title": "jsonld"}, source="tribunjogja"))
    assert set(row) == set(ROW_COLUMNS)
    assert row["extraction"] == {"title": "jsonld"} and row["source"] == "tribunjogja"


def test_progress_line_counts_and_rate():
    from crawler.progress import progress_line

    line = progress_line(
        "tribunjogja",
        {"response_received_count": 50, "warta/articles_new": 7, "warta/articles_duplicate": 2},
        10.0,
    )
    assert "pages     50 (  5.0/s)" in line and "new     7" in line and "dropped    2" in line
