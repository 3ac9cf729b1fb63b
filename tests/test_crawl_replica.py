"""End to end: real Scrapy crawls over HTTP on loopback against the replica,
into a real SQLite archive, compared field by field with the replica's truth.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from storage.archive import Archive, iso_utc
from storage.query import Filters, Query
from storage.warc import default_warc_dir
from tests.conftest import run_warta
from tests.inprocess import warta_in_process

SEED_URL = "https://jogja.tribunnews.com/2025/11/07/pemkot-magelang-gelar-retreat-diikuti-puluhan-pejabat-asn"


def expected_row(truth: dict) -> dict:
    """The archive row the truth implies: times in UTC plus the original offset."""
    return {
        "url": truth["url"],
        "source": truth["source"],
        "section": truth["section"],
        "title": truth["title"],
        "description": truth["description"],
        "summary": truth["summary"],
        "authors": truth["authors"],
        "editors": truth["editors"],
        "published_at": iso_utc(truth["published_at"]),
        "published_tz": truth["published_at"].isoformat()[-6:],
        "modified_at": iso_utc(truth["modified_at"]) if truth["modified_at"] else None,
        "location": truth["location"],
        "tags": truth["tags"],
        "body": truth["body"],
        "images": truth["images"],
        "language": truth["language"],
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, crawl_server):
    db = tmp_path_factory.mktemp("crawl") / "warta.db"
    crawl_server.requests.clear()
    first = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    assert first.returncode == 0, first.stdout + first.stderr
    first_requests = list(crawl_server.requests)
    return db, first, first_requests


def test_every_article_of_every_outlet_is_archived_exactly(crawled, crawl_site):
    db, _, _ = crawled
    with Archive(db, readonly=True) as archive:
        rows = {row["url"]: row for row in archive.articles()}
    truths = [article.truth() for article in crawl_site.articles]
    assert {t["source"] for t in truths} == {
        "tribunjogja",
        "kompasregional",
        "detikjogja",
        "detikjateng",
        "harianjogja",
        "tribunjateng",
    }
    assert sorted(rows) == sorted(t["url"] for t in truths)
    mismatches = []
    for truth in truths:
        row = rows[truth["url"]]
        for field, value in expected_row(truth).items():
            if row[field] != value:
                mismatches.append((truth["url"], field, row[field], value))
    assert mismatches == []


def test_seed_article_row(crawled):
    db, _, _ = crawled
    with Archive(db, readonly=True) as archive:
        row = archive.article_by_url(SEED_URL)
        hits = archive.search(Query("retreat Magelang"))
        raw = archive.raw_html(row["id"])
    assert row["title"] == "Pemkot Magelang Gelar Retreat Diikuti Puluhan Pejabat ASN"
    assert row["authors"] == ["Yuwantoro Winduajie"]
    assert row["editors"] == ["Iwan Al Khasni"]
    assert row["location"] == "Magelang"
    assert "Pemkot Magelang" in row["tags"]
    assert (row["published_at"], row["published_tz"]) == ("2025-11-07T08:30:00Z", "+07:00")
    assert row["summary"].startswith("Aparatur sipil negara (ASN)")
    assert row["body"].startswith("Sebanyak 32 aparatur sipil negara")
    assert row["body"].endswith("berkelanjutan.")
    for unwanted in ("Baca juga", "(tro)", "UU ITE", "Ringkasan Berita", row["summary"]):
        assert unwanted not in row["body"]
    assert hits[0].url == SEED_URL
    assert b"arttitle" in raw[0]


def test_archive_holds_real_urls_not_loopback(crawled):
    db, _, _ = crawled
    with Archive(db, readonly=True) as archive:
        urls = [r["url"] for r in archive.db.query("SELECT url FROM url_aliases")]
        pages = [r["url"] for r in archive.db.query("SELECT url FROM raw_pages")]
    assert urls and pages
    assert not [u for u in urls + pages if "127.0.0.1" in u or not u.startswith("https://")]


def test_the_run_is_recorded(crawled, crawl_site):
    db, first, _ = crawled
    with Archive(db, readonly=True) as archive:
        runs = archive.runs.latest()
    assert len(runs) == 6 and {r["status"] for r in runs} == {"ok"}
    assert sum(r["articles_new"] for r in runs) == len(crawl_site.articles)
    assert "tribunjogja" in first.stdout


def test_robots_txt_is_fetched_and_obeyed(crawled):
    _, _, requests = crawled
    assert ("jogja.tribunnews.com", "/robots.txt") in requests
    assert not [r for r in requests if r[1].startswith(("/search", "/tag/", "/topic/"))]


def test_second_crawl_adds_nothing_and_fetches_no_article_again(crawled, crawl_server, crawl_site):
    db, _, _ = crawled
    crawl_server.requests.clear()
    second = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    assert second.returncode == 0, second.stderr
    article_paths = {
        (a.url.split("/")[2], "/" + a.url.split("/", 3)[3]) for a in crawl_site.articles
    }
    refetched = [r for r in crawl_server.requests if (r[0], r[1].split("?")[0]) in article_paths]
    assert refetched == []
    with Archive(db, readonly=True) as archive:
        assert archive.count() == len(crawl_site.articles)
        latest = archive.runs.latest(limit=6)
    assert all(run["articles_new"] == 0 for run in latest)


def test_search_cli_json(crawled):
    db, _, _ = crawled
    result = warta_in_process("search", "retreat Magelang", "--format", "json", db=db)
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits[0]["url"] == SEED_URL
    assert {"id", "url", "source", "title", "published_at", "snippet"} <= set(hits[0])


def test_bad_query_is_one_line_error(crawled):
    db, _, _ = crawled
    result = warta_in_process("search", '"unclosed', db=db)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_search_filters_match_the_truth(crawled, crawl_site):
    from datetime import date

    db, _, _ = crawled
    truths = [a.truth() for a in crawl_site.articles]
    word = "warga"

    def words(t: dict) -> set[str]:  # as FTS5's unicode61 tokenizer sees them
        return set(re.findall(r"\w+", f"{t['title']} {t['summary'] or ''} {t['body']}".lower()))

    with_word = [t for t in truths if word in words(t)]
    assert with_word, "the replica should use common words"
    seven = [t for t in with_word if t["published_at"].date() == date(2025, 11, 7)]
    tribun = [t for t in with_word if t["source"] == "tribunjogja"]
    author = truths[3]["authors"][0]
    with Archive(db, readonly=True) as archive:
        assert archive.count(Query(word)) == len(with_word)
        on_day = Filters(date_from=date(2025, 11, 7), date_to=date(2025, 11, 7))
        assert archive.count(Query(word, on_day)) == len(seven)
        tribun_only = Filters(sources=["tribunjogja"])
        assert archive.count(Query(word, tribun_only)) == len(tribun)
        first_word = truths[3]["title"].split()[0]
        by_author = archive.search(Query(f'"{first_word}"', Filters(authors=[author.upper()])))
        newest = archive.search(Query(word, sort="newest"), limit=5)
    assert by_author and all(author in hit.authors for hit in by_author)
    dates = [hit.published_at for hit in newest]
    assert dates == sorted(dates, reverse=True)


def test_search_cli_filters_count_and_csv(crawled):
    db, _, _ = crawled
    seed_filters = (
        "--source",
        "tribunjogja",
        "--section",
        "magelang",
        "--tag",
        "pemkot magelang",
        "--location",
        "Magelang",
        "--from",
        "2025-11-07",
        "--to",
        "2025-11-07",
    )
    counted = warta_in_process("search", "retreat", *seed_filters, "--count", db=db)
    assert counted.stdout.strip() == "1", counted.stderr
    table = warta_in_process("search", "retreat", *seed_filters, "--format", "csv", db=db)
    lines = table.stdout.splitlines()
    assert lines[0].startswith("id,url,source,section,title,published_at,authors,snippet")
    assert SEED_URL in lines[1] and "Yuwantoro Winduajie" in lines[1]
    wrong_day = warta_in_process("search", "retreat", "--from", "2025-11-08", "--count", db=db)
    assert wrong_day.stdout.strip() == "0"


def test_reparse_restores_rows_from_raw_pages(crawled, crawl_site, tmp_path):
    import sqlite3

    db, _, _ = crawled
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    # the raw pages are in the WARC files the rows point into: they come along (#15)
    shutil.copytree(default_warc_dir(db), default_warc_dir(copy))
    untouched = warta_in_process("reparse", db=copy)
    assert untouched.returncode == 0, untouched.stderr
    assert f"{len(crawl_site.articles)} articles re-extracted: 0 changed" in untouched.stdout
    with Archive(copy) as archive:  # an old extractor got these wrong
        archive.conn.execute("UPDATE articles SET title = 'xqzv', body = 'xqzv' WHERE id <= 3")
    fixed = warta_in_process("reparse", db=copy)
    assert "3 changed" in fixed.stdout, fixed.stdout + fixed.stderr
    truth = {a.url: a.truth() for a in crawl_site.articles}
    with Archive(copy, readonly=True) as archive:
        rows = archive.articles([1, 2, 3])
        assert archive.search(Query("xqzv")) == []
    assert [r["title"] for r in rows] == [truth[r["url"]]["title"] for r in rows]
    assert [r["body"] for r in rows] == [truth[r["url"]]["body"] for r in rows]


def test_syndicated_copies_are_clustered_exactly(crawled, crawl_site):
    db, _, _ = crawled
    assert crawl_site.clusters and crawl_site.traps
    with Archive(db, readonly=True) as archive:
        rows = {r["url"]: r for r in archive.articles()}
    by_cluster: dict[int, set[str]] = {}
    for url, row in rows.items():
        by_cluster.setdefault(row["cluster_id"], set()).add(url)
    found = sorted(sorted(members) for members in by_cluster.values() if len(members) > 1)
    assert found == sorted(sorted(cluster) for cluster in crawl_site.clusters)
    for cluster in crawl_site.clusters:  # the earliest copy is the original
        original = rows[cluster[0]]
        assert all(rows[url]["cluster_id"] == original["id"] for url in cluster)
    for first, second in crawl_site.traps:  # shared passages are not a shared story
        assert rows[first]["cluster_id"] != rows[second]["cluster_id"]


def test_unique_stories_counts_each_cluster_once(crawled, crawl_site):
    db, _, _ = crawled
    copies = sum(len(cluster) - 1 for cluster in crawl_site.clusters)
    every = warta_in_process("search", "warga OR kota OR dan", "--count", db=db)
    unique = warta_in_process(
        "search", "warga OR kota OR dan", "--count", "--unique-stories", db=db
    )
    assert int(every.stdout) - int(unique.stdout) <= copies
    assert int(unique.stdout) < int(every.stdout)
