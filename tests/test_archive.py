"""The archive file: schema, migrations, the write path and full-text search."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from crawler.items import FetchedPage
from storage.archive import Archive, ArchiveError, body_hash
from storage.query import Query
from storage.schema import SCHEMA_VERSION
from storage.search import SearchError


def row(url="https://a.example/1", body="Banjir melanda Sleman pada Selasa malam.", **extra):
    values = {
        "url": url,
        "source": "tribunjogja",
        "section": "sleman",
        "title": "Banjir di Sleman",
        "summary": None,
        "authors": ["Ahmad"],
        "editors": [],
        "published_at": "2025-11-07T08:30:00Z",
        "published_tz": "+07:00",
        "tags": ["banjir"],
        "body": body,
        "images": [],
        "language": "id",
        "body_hash": body_hash(body),
        "extraction": {"title": "jsonld"},
    }
    values.update(extra)
    return values


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "warta.db") as opened:
        yield opened


def test_new_file_is_wal_and_at_current_schema(archive):
    assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert archive.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_store_new_unchanged_updated(archive):
    page = FetchedPage(
        "https://a.example/1",
        200,
        {"Content-Type": "text/html"},
        b"<html>x</html>",
        datetime(2025, 11, 7, tzinfo=UTC),
    )
    first = archive.store(row(), pages=[page], aliases=["https://a.example/1?page=1"])
    assert first.outcome == "new"
    assert archive.store(row()).outcome == "unchanged"
    changed = archive.store(row(title="Banjir besar di Sleman"))
    assert changed.outcome == "updated" and changed.article_id == first.article_id
    archive.flush()
    assert archive.count() == 1
    assert archive.has_url("https://a.example/1?page=1")
    assert archive.raw_html(first.article_id)[0] == b"<html>x</html>"
    stored = archive.article(first.article_id)
    assert stored["authors"] == ["Ahmad"] and stored["title"] == "Banjir besar di Sleman"


def test_same_body_under_another_url_is_a_duplicate(archive):
    first = archive.store(row())
    second = archive.store(row(url="https://b.example/copy"))
    assert second.outcome == "duplicate" and second.article_id == first.article_id
    assert archive.has_url("https://b.example/copy")
    assert archive.count() == 1


def test_fts_follows_updates(archive):
    archive.store(row())
    archive.store(row(body="Longsor menutup jalan Kaponan di Magelang pada Rabu."))
    archive.flush()
    assert [h.title for h in archive.search(Query("longsor"))] == ["Banjir di Sleman"]
    assert archive.search(Query("melanda")) == []
    check = "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)"
    archive.conn.execute(check)


def test_search_ranks_title_above_body_and_highlights(archive):
    archive.store(row(url="https://a.example/1", title="Retreat pejabat", body="x " * 50 + "isi"))
    archive.store(
        row(url="https://a.example/2", title="Lain", body="Kegiatan retreat digelar. " + "y " * 50)
    )
    hits = archive.search(Query("retreat"))
    assert [h.url for h in hits] == ["https://a.example/1", "https://a.example/2"]
    assert "[retreat]" in hits[1].snippet.lower()


@pytest.mark.parametrize("query", ['"unclosed', "AND", "title:(", "nosuchcol:x", "   "])
def test_bad_queries_explain_themselves(archive, query):
    with pytest.raises(SearchError) as error:
        archive.search(Query(query))
    assert "\n" not in str(error.value)


def test_query_text_is_never_sql(archive):
    archive.store(row())
    archive.flush()
    with pytest.raises(SearchError):
        archive.search(Query("x'; DROP TABLE articles; --"))
    assert archive.count() == 1


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ArchiveError, match="newer than this warta"):
        Archive(path)


def test_a_main_file_ahead_of_its_log_still_reads(tmp_path):
    """After a checkpoint cut short by a full disk, the main file's header may count
    pages the file never got, while the log holds the archive whole: a read goes
    through the log instead of calling the file "not a warta archive"."""
    path = tmp_path / "warta.db"
    writer = Archive(path)  # kept open: the schema and the row stay in the log
    writer.store(row())
    writer.flush()
    with path.open("r+b") as main_file:
        main_file.seek(28)  # the header's database size, in pages
        main_file.write((1 << 30).to_bytes(4, "big"))
    try:
        with Archive(path, readonly=True) as reader:
            assert reader.count() == 1
    finally:
        writer.close()


def test_missing_archive_for_reading(tmp_path):
    with pytest.raises(ArchiveError, match="archive not found"):
        Archive(tmp_path / "none.db", readonly=True)


def test_runs_are_recorded(archive):
    run_id = archive.runs.start("tribunjogja")
    archive.runs.finish(run_id, "ok", {"pages": 3, "articles_new": 2, "bogus": 9}, "finished")
    (run,) = archive.runs.latest()
    assert (run["status"], run["pages"], run["articles_new"]) == ("ok", 3, 2)
    assert run["finished_at"].endswith("Z")


def test_source_lock_excludes_a_second_live_holder(archive):
    import os
    import subprocess

    from storage.runs import SourceLocked

    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        archive.locks.acquire("tribunjogja", pid=sleeper.pid)
        with pytest.raises(SourceLocked, match="already being crawled"):
            archive.locks.acquire("tribunjogja")
        archive.locks.acquire("kompasregional")  # other sources are free
    finally:
        sleeper.kill()
        sleeper.wait()
    run_id = archive.runs.start("tribunjogja")
    archive.conn.execute(
        "UPDATE crawl_locks SET run_id = ? WHERE source = 'tribunjogja'", (run_id,)
    )
    archive.locks.acquire("tribunjogja")  # holder died: the lock is taken over
    assert archive.locks.holder_of("tribunjogja").pid == os.getpid()
    (run,) = [r for r in archive.runs.latest() if r["id"] == run_id]
    assert run["status"] == "failed" and "died" in run["message"]


def test_silent_lock_holder_is_stale(archive):

    archive.locks.acquire("harianjogja", pid=1)  # pid 1 is alive, but its heartbeat is old
    archive.conn.execute("UPDATE crawl_locks SET heartbeat_at = '2000-01-01T00:00:00Z'")
    archive.locks.acquire("harianjogja")
    assert archive.locks.holder_of("harianjogja").pid != 1


def test_stemmed_search_finds_other_forms_of_a_word(archive):
    archive.store(
        row(
            url="https://a.example/1",
            title="Keluhan warga",
            body="Petugas kecamatan melayani warga dengan ramah setiap pagi hari.",
        )
    )
    archive.store(
        row(url="https://a.example/2", title="Lain", body="Tidak ada yang relevan di sini.")
    )
    archive.flush()
    (hit,) = archive.search(Query("pelayanan"))
    assert hit.url == "https://a.example/1"
    assert "[melayani]" in hit.snippet
    assert archive.search(Query("pelayanan", exact=True)) == []
    assert [h.url for h in archive.search(Query('"melayani warga"'))] == ["https://a.example/1"]


def test_upgrading_an_archive_builds_the_stemmed_index(tmp_path):
    from storage.schema import MIGRATIONS, _apply

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, migration in enumerate(MIGRATIONS[:2], start=1):  # an archive from before v3
        _apply(conn, migration, version)
    conn.execute(
        "INSERT INTO articles(url, source, title, body, body_hash, first_seen_at, last_seen_at) "
        "VALUES ('https://a.example/1', 's', 'Judul', 'Mereka dilayani baik.', 'h', 'x', 'x')"
    )
    conn.close()
    with Archive(path) as upgraded:
        assert [h.url for h in upgraded.search(Query("pelayanan"))] == ["https://a.example/1"]
