"""The growth benchmark's archives with raw pages (benchmarks/archive_builder.py --pages,
benchmarks/growth.py layouts): realistic raw pages in SQLite, and the archive as the
move into WARC leaves it (records in WARC files, pointer rows in SQLite)."""

from __future__ import annotations

import sqlite3

import pytest

from benchmarks.growth import cached_archive, copy_archive
from storage.archive import Archive
from storage.warc import default_warc_dir


def test_raw_pages_are_realistic_in_sqlite_and_pointers_after_the_move(tmp_path):
    cache = tmp_path / "cache"
    in_sqlite = cached_archive(60, cache, layout="sqlite", raw_kb=25)
    with sqlite3.connect(in_sqlite) as conn:
        blobs = [html for (html,) in conn.execute("SELECT html FROM raw_pages ORDER BY id")]
    assert len(blobs) == 60  # one page per article, compressed as Archive.store keeps it
    assert all(24_000 <= len(blob) <= 27_000 for blob in blobs), [len(b) for b in blobs]
    with Archive(in_sqlite, readonly=True) as archive:
        pages = {row["id"]: archive.raw_html(row["id"])[0] for row in archive.articles()}
        titles = {row["id"]: row["title"] for row in archive.articles()}
    # the page is the article's own rendering: its title is in it
    assert all(titles[i].split()[0].encode() in page for i, page in pages.items())

    moved = cached_archive(60, cache, layout="warc", raw_kb=25)
    assert moved is not None and moved != in_sqlite
    with sqlite3.connect(moved) as conn:
        left = conn.execute("SELECT count(*) FROM raw_pages WHERE html IS NOT NULL").fetchone()
        assert left == (0,)
        assert conn.execute("SELECT count(*) FROM raw_pages").fetchone() == (60,)
    assert moved.stat().st_size < in_sqlite.stat().st_size / 2  # pointers, not pages
    with Archive(moved, readonly=True) as archive:
        through_pointers = {i: archive.raw_html(i)[0] for i in pages}
    # each record holds the article's rendering (WARC_KB: not padded), the start of the
    # padded page the sqlite layout keeps
    for i, page in through_pointers.items():
        assert page[: page.index(b"</body>")] == pages[i][: page.index(b"</body>")]
        assert len(page) < len(pages[i])
    assert cached_archive(60, cache, layout="warc", raw_kb=25) == moved  # built once

    # a crawl's copy: the database copied, the WARC files linked, readable in place
    copy = tmp_path / "crawl" / "growth.db"
    copy.parent.mkdir()
    copy_archive(moved, copy)
    linked = sorted(default_warc_dir(copy).iterdir())
    assert [p.name for p in linked] == sorted(p.name for p in default_warc_dir(moved).iterdir())
    assert all(p.stat().st_nlink == 2 for p in linked)  # hard links, not copies
    with Archive(copy, readonly=True) as archive:
        first = min(pages)
        assert archive.raw_html(first)[0] == through_pointers[first]


def test_a_build_the_disk_cannot_hold_is_refused_before_it_starts(tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match="not enough disk"):
        cached_archive(10**9, cache, layout="warc")  # ~15 TB
    assert list(cache.iterdir()) == []  # nothing begun


def test_a_larger_archive_is_built_on_the_largest_smaller_one_cached(tmp_path, monkeypatch):
    import benchmarks.archive_builder as builder

    monkeypatch.setattr(builder, "CHUNK", 30)
    cache, said = tmp_path / "cache", []
    smaller = cached_archive(30, cache, layout="warc")
    larger = cached_archive(60, cache, said.append, layout="warc")
    assert any("from the 30 cached" in line for line in said), said
    fresh = tmp_path / "fresh.db"
    builder.build_archive(fresh, 60, pages="warc", jobs=0)
    titles = "SELECT url, title, cluster_id FROM articles ORDER BY id"
    with sqlite3.connect(larger) as conn, sqlite3.connect(fresh) as whole:
        assert conn.execute(titles).fetchall() == whole.execute(titles).fetchall()
    with sqlite3.connect(smaller) as conn:  # the smaller one is kept as it was
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (30,)
    with Archive(larger, readonly=True) as archive:
        assert len(archive.raw_html(1)) == 1 and len(archive.raw_html(60)) == 1
