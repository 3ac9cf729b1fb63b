"""The fast archive builder (benchmarks/archive_builder.py): forked workers, one
transaction per chunk, pooled padding. Its archive must be the one the crawl's write
path makes article by article: the same rows in every table (FTS, signatures and LSH
bands, clusters, raw pages), consistent by the archive's own checks, and found by
search and URL look-up."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import pytest

from benchmarks.archive_builder import (
    build_archive,
    generated_articles,
    padded,
    padding_for,
    raw_page,
    rendering,
)
from storage.archive import Archive
from storage.backup import backup
from storage.query import Query

N = 200

# what a crawl's write path decides, table by table (seen times differ by nature)
TABLES = {
    "articles": "SELECT * FROM articles ORDER BY id",
    "url_aliases": "SELECT url, article_id FROM url_aliases ORDER BY url",
    "stems": "SELECT rowid, title, summary, body FROM articles_fts_stem ORDER BY rowid",
    "signatures": "SELECT article_id, signature FROM minhash_signatures ORDER BY article_id",
    # new band rows wait in minhash_bands_recent until a bulk move: where a row is depends
    # on when the move ran, not on what was stored
    "bands": "SELECT period, band_key, article_id, day FROM minhash_bands UNION ALL "
    "SELECT period, band_key, article_id, day FROM minhash_bands_recent ORDER BY 1, 2, 3",
    "raw_pages": "SELECT article_id, page_no, url, status, headers, fetched_at, html "
    "FROM raw_pages ORDER BY id",
}
SEEN = ("first_seen_at", "last_seen_at")


def rows_of(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        found = {}
        for table, sql in TABLES.items():
            cursor = conn.execute(sql)
            names = [d[0] for d in cursor.description]
            keep = [i for i, name in enumerate(names) if name not in SEEN]
            found[table] = [tuple(row[i] for i in keep) for row in cursor]
        return found


def one_at_a_time(db: Path, raw_kb: float) -> None:
    """The reference: each article through `Archive.store` alone, nothing computed ahead."""
    with Archive(db) as archive:
        archive.claim_origin("replica")
        for site, article, row in generated_articles(N):
            pages = [raw_page(site, article, row["url"], raw_kb)] if raw_kb else []
            archive.store(row, pages=pages)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, list[tuple]]:
    db = tmp_path_factory.mktemp("reference") / "reference.db"
    one_at_a_time(db, raw_kb=25)
    return rows_of(db)


def test_the_fast_build_is_what_the_write_path_makes_one_article_at_a_time(tmp_path, reference):
    db = tmp_path / "fast.db"
    build_archive(db, N, raw_kb=25, pages="sqlite", jobs=1)  # through a forked worker
    built = rows_of(db)
    assert len(built["articles"]) == N
    assert len(built["bands"]) > N * 20  # the LSH band rows are there (32 per signature)
    for table in TABLES:
        assert built[table] == reference[table], table
    with sqlite3.connect(db) as conn:
        # every row names its story's cluster, as a crawl's does
        unclustered = conn.execute("SELECT count(*) FROM articles WHERE cluster_id IS NULL")
        assert unclustered.fetchone() == (0,)
        sizes = [len(html) for (html,) in conn.execute("SELECT html FROM raw_pages")]
    assert all(24_000 <= size <= 27_000 for size in sizes), sizes[:5]  # ~25 KB compressed
    # the archive's own checks: integrity_check, each FTS index's integrity-check
    report = backup(db, tmp_path / "copy.db")
    assert report.articles == N
    with Archive(db, readonly=True) as archive:
        for row in archive.articles(range(1, N + 1, 37)):
            assert archive.article_id_for(row["url"]) == row["id"]  # URL look-up
            word = max(row["title"].split(), key=len)
            hits = archive.search(Query(f'"{word}"'), limit=N)
            assert row["id"] in [hit.id for hit in hits], word
            assert row["title"].split()[0].encode() in archive.raw_html(row["id"])[0]


def test_warc_pages_are_records_and_the_rows_point_at_them(tmp_path, reference):
    db = tmp_path / "warc.db"
    build_archive(db, N, pages="warc", jobs=2)
    built = rows_of(db)
    for table in ("articles", "url_aliases", "stems", "signatures"):
        assert built[table] == reference[table], table
    assert all(html is None for *_, html in built["raw_pages"])  # no page in SQLite
    report = backup(db, tmp_path / "copy.db")  # checks every pointer's file is there
    assert report.articles == N
    sites = {row["url"]: (site, article) for site, article, row in generated_articles(N)}
    with Archive(db, readonly=True) as archive:
        for row in archive.articles(range(1, N + 1, 13)):
            page = rendering(*sites[row["url"]])[0]
            assert archive.raw_html(row["id"]) == [page]  # the record, read through its pointer
            assert archive.warc_pointers(row["id"])[0] is not None


def test_padding_is_cut_from_the_pool_and_compresses_to_the_target():
    site, article, row = next(generated_articles(1))
    html = rendering(site, article)[0]
    page = padded(html, row["url"], padding_for(html, 25))
    assert page == padded(html, row["url"], padding_for(html, 25))  # the same every time
    assert page.count(b"<script>var _b='") == 1 and page.endswith(html[html.index(b"</body>") :])
    assert 24_000 <= len(zlib.compress(page, 6)) <= 26_500
    # another URL cuts its padding elsewhere in the pool
    assert padded(html, "https://a.example/1", 1000) != padded(html, "https://a.example/2", 1000)


def test_a_larger_archive_extends_a_smaller_one_to_what_a_fresh_build_makes(tmp_path, monkeypatch):
    import benchmarks.archive_builder as builder

    monkeypatch.setattr(builder, "CHUNK", 50)  # four chunks in N
    fresh, extended = tmp_path / "fresh.db", tmp_path / "extended.db"
    build_archive(fresh, N, pages="warc", jobs=0)
    build_archive(extended, 100, pages="warc", jobs=0)
    build_archive(extended, N, pages="warc", jobs=0, extend=True)
    assert len(rows_of(extended)["articles"]) == N
    grown, whole = rows_of(extended), rows_of(fresh)
    for table in ("articles", "url_aliases", "stems", "signatures", "bands"):
        assert grown[table] == whole[table], table
    assert backup(extended, tmp_path / "copy.db").articles == N  # every WARC pointer holds
    with Archive(extended, readonly=True) as archive:
        assert archive.raw_html(N)[0].startswith(b"<!")  # a page of the added chunks


def test_extending_refuses_an_archive_that_ends_inside_a_chunk(tmp_path, monkeypatch):
    import benchmarks.archive_builder as builder

    monkeypatch.setattr(builder, "CHUNK", 50)
    db = tmp_path / "partial.db"
    build_archive(db, 70, jobs=0)
    with pytest.raises(ValueError, match="70 articles, not whole chunks of 50"):
        build_archive(db, N, jobs=0, extend=True)
    assert len(rows_of(db)["articles"]) == 70  # left as it was
