"""The pipeline chain as one call (pipelines.chain.process) and `reparse` through it.

A crawl, a reparse and a WARC import must treat an article alike: validated,
normalised, deduplicated, stored. These run the chain into a real archive file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.archive_access import release_archive
from crawler.extraction import extract_article
from crawler.items import Article, FetchedPage
from crawler.settings import ITEM_PIPELINES
from pipelines.archive import article_row
from pipelines.base import CountingStats
from pipelines.chain import process, steps
from pipelines.dedupe import DuplicateArticle
from pipelines.normalise import normalise
from pipelines.validate import InvalidArticle
from storage.archive import Archive
from warta.reparse import reparse

PAGE = Path(__file__).parent / "fixtures" / "pages" / "generic_indonesian_meta.html"
SOURCE = "contoh"
URL = "https://www.contoh.id/berita/petani-kopi"
SECOND_URL = "https://www.contoh.id/berita/petani-kopi-panen"  # the same article, republished


def fetched(url: str, junk: str | None = None) -> Article:
    """The page as the spider hands it over; `junk` is a line an older extractor
    kept at the body's end (a "read also" link that differs per URL)."""
    html = PAGE.read_bytes()
    item = extract_article(html, url)
    assert item is not None and item.body
    if junk:
        item.body += f"\n\n{junk}"
    item.source = SOURCE
    item.fetched_url = url
    item.pages = [FetchedPage(url, 200, {}, html, datetime(2025, 11, 7, 8, 0, tzinfo=UTC))]
    return item


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "warta.db") as opened:
        yield opened


def test_chain_is_the_crawls_item_pipelines_in_order():
    names = [f"{step.__module__}.{step.__qualname__}" for step in steps()]
    assert names == sorted(ITEM_PIPELINES, key=ITEM_PIPELINES.__getitem__)
    assert len(names) == 4


def test_process_stores_then_finds_it_unchanged(archive):
    stats = CountingStats()
    first = process(fetched(URL), archive, stats)
    again = process(fetched(URL), archive, stats)
    assert (first.outcome, again.outcome) == ("new", "unchanged")
    assert first.article_id == again.article_id
    assert stats.values == {"warta/articles_new": 1, "warta/articles_unchanged": 1}
    assert archive.raw_html(first.article_id) == [PAGE.read_bytes()]


def test_process_maps_url_variants_onto_the_given_hosts(archive):
    """Like a crawl with its own sources config: the mobile host is the configured one."""
    item = fetched("https://m.contoh.id/berita/petani-kopi?utm_source=wa")
    stored = process(item, archive, hosts=frozenset({"www.contoh.id"}))
    assert archive.article(stored.article_id)["url"] == URL
    assert archive.article_id_for(item.fetched_url) == stored.article_id  # kept as an alias


def test_process_drops_an_invalid_article_with_its_reason(archive):
    item = fetched(URL)
    item.title = " "
    stats = CountingStats()
    with pytest.raises(InvalidArticle) as dropped:
        process(item, archive, stats)
    assert dropped.value.reason == "no_title"
    assert stats.values == {"warta/articles_dropped": 1, "warta/dropped/no title": 1}
    assert archive.article_id_for(URL) is None


def test_process_dedupes_the_same_body_under_another_url(archive):
    original = process(fetched(URL), archive)
    stats = CountingStats()
    with pytest.raises(DuplicateArticle) as duplicate:
        process(fetched(SECOND_URL), archive, stats)
    assert duplicate.value.original == URL
    assert not hasattr(duplicate.value, "reason")  # not a crawl error (crawler/errors.py)
    assert archive.article_id_for(SECOND_URL) == original.article_id  # kept as an alias
    assert stats.values == {"warta/articles_duplicate": 1}


def test_reparse_dedupes_like_a_crawl(archive):
    """An older extractor kept a per-URL line, so one article republished under a second
    URL was archived twice. Re-read, both bodies are the same: the first row takes the
    clean body, the second is a duplicate of it, as a crawl would find it, not a second
    row with the same body."""
    first = process(fetched(URL, "Baca juga: Harga kopi naik"), archive)
    second = process(fetched(SECOND_URL, "Baca juga: Kopi Sumbing"), archive)
    assert (first.outcome, second.outcome) == ("new", "new")
    old_second = archive.article(second.article_id)

    report = reparse(archive, [first.article_id, second.article_id])

    assert (report.articles, report.changed, report.unchanged) == (2, 1, 0)
    assert report.duplicates == [(SECOND_URL, URL)] and report.failed == []
    assert report.fields["body"] == 1
    rows = [archive.article(first.article_id), archive.article(second.article_id)]
    assert rows[0]["body"] == fetched(URL).body
    assert rows[1] == old_second  # left as it was: the crawl's dedupe drops, never rewrites
    assert rows[0]["body_hash"] != rows[1]["body_hash"]  # no body twice in one source


def test_reparse_leaves_an_unchanged_row_untouched(archive):
    """Re-reading is not seeing the article again: last_seen_at stays, no version."""
    item = normalise(fetched(URL))
    stored = archive.store(article_row(item), pages=item.pages, seen_at="2025-11-07T08:00:00Z")
    before = archive.article(stored.article_id)
    assert before is not None and before["last_seen_at"] == "2025-11-07T08:00:00Z"
    report = reparse(archive, [stored.article_id])
    assert (report.articles, report.changed, report.unchanged) == (1, 0, 1)
    assert archive.article(stored.article_id) == before
    assert len(archive.versions(stored.article_id)) == 1


def test_reparse_rereads_only_the_given_ids_and_keeps_the_row_key(archive):
    first = process(fetched(URL, "Baca juga: Harga kopi naik"), archive)
    other = fetched("https://www.contoh.id/berita/lain", "Baca juga: lain")
    other.body = "Paragraf lain yang cukup panjang untuk menjadi sebuah berita utuh. " * 3
    second = process(other, archive)
    untouched = archive.article(second.article_id)

    report = reparse(archive, [first.article_id])

    assert (report.articles, report.changed) == (1, 1)
    assert archive.article(second.article_id) == untouched
    versions = archive.versions(first.article_id)
    assert [v.get("reason") for v in versions[:-1]] == ["reparse"]
    assert versions[-1]["url"] == URL


def test_scrapy_pipelines_wrap_the_same_steps(tmp_path):
    """The crawl's path: each configured class's process_item, in order, into WARTA_DB."""
    db = tmp_path / "crawl.db"
    crawler = get_crawler(settings_dict={"WARTA_DB": str(db)})
    pipelines = [step.from_crawler(crawler) for step in steps()]
    for url in (URL, SECOND_URL):
        item = fetched(url)
        try:
            for pipeline in pipelines:
                item = pipeline.process_item(item)
        except DuplicateArticle:
            pass
    release_archive(crawler)
    assert crawler.stats is not None
    assert crawler.stats.get_value("warta/articles_new") == 1
    assert crawler.stats.get_value("warta/articles_duplicate") == 1
    with Archive(db, readonly=True) as archive:
        assert archive.article_id_for(SECOND_URL) == archive.article_id_for(URL) is not None
