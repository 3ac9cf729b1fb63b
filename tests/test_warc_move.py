"""`warta compact`: raw pages held in SQLite move out into WARC files (storage/warc_move.py).

The archive is a real crawl of the replica with capture off (`--no-warc`), through the
capture tests' proxy, so the stored pages were gzipped and chunked on the wire: their
stored headers name encodings the kept (decoded) bodies no longer have.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage.archive import Archive, ArchiveError
from storage.core import decode_headers, encode_headers
from storage.warc import OpenWarc, default_warc_dir, read_payload, recover_open_files
from storage.warc_move import (
    ORIGIN,
    ORIGIN_HEADER,
    _Mover,
    http_headers,
    move_raw_pages,
    pending_rows,
)
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process
from tests.test_warc_capture import SOURCES, WireProxy

WARCIO = REPO / ".venv" / "bin" / "warcio"


@pytest.fixture(scope="module")
def proxy(crawl_server) -> Iterator[WireProxy]:
    import threading

    server = WireProxy(crawl_server.base_url)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def plain(tmp_path_factory, proxy) -> Path:
    """A crawl whose raw pages all sit in SQLite."""
    db = tmp_path_factory.mktemp("plain") / "warta.db"
    result = run_warta("crawl", *SOURCES, "--replica", proxy.base_url, "--no-warc", db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not default_warc_dir(db).exists()
    return db


def copy_of(db: Path, folder: Path) -> Path:
    copy = folder / "warta.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    if default_warc_dir(db).exists():
        shutil.copytree(default_warc_dir(db), default_warc_dir(copy))
    return copy


def contents(db: Path) -> dict[int, tuple]:
    """Each article: its row, raw bodies, latest pages and stored headers."""
    with Archive(db, readonly=True) as archive:
        return {
            row["id"]: (
                row,
                archive.raw_html(row["id"]),
                archive.latest_pages(row["id"]),
                archive.raw_headers(row["id"]),
            )
            for row in archive.articles()
        }


def html_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM raw_pages WHERE html IS NOT NULL").fetchone()[0]


def torn_rows(db: Path) -> int:
    """Rows holding neither their html nor a pointer, or both (never allowed)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT count(*) FROM raw_pages WHERE (html IS NULL) = (warc_file IS NULL)"
        ).fetchone()[0]


def warc_files(db: Path) -> list[Path]:
    return sorted(default_warc_dir(db).glob("*.warc.gz"))


def warcio_check(path: Path) -> None:
    result = subprocess.run([str(WARCIO), "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def compacted(plain, tmp_path_factory) -> tuple[Path, str]:
    """A copy of the crawl after `warta compact --vacuum`, and what the command said."""
    copy = copy_of(plain, tmp_path_factory.mktemp("compacted"))
    result = warta_in_process("compact", "--vacuum", "--batch", "7", db=copy)
    assert result.returncode == 0, result.stdout + result.stderr
    return copy, result.stdout


def test_compact_moves_every_page_and_reads_back_byte_identical(plain, compacted):
    copy, said = compacted
    total = html_rows(plain)
    assert total > 0
    assert f"{total} raw pages moved to WARC" in said
    assert html_rows(copy) == 0
    assert torn_rows(copy) == 0
    assert contents(copy) == contents(plain)


def test_the_new_file_passes_warcio_check_and_its_records_say_what_they_are(plain, compacted):
    copy, _ = compacted
    files = warc_files(copy)
    assert len(files) == 1  # one new file for the move
    warcio_check(files[0])
    seen = 0
    with files[0].open("rb") as fh:
        for record in ArchiveIterator(fh):
            seen += 1
            assert record.rec_type == "response"
            assert record.rec_headers.get_header(ORIGIN_HEADER) == ORIGIN
            names = [name.lower() for name, _ in record.http_headers.headers]
            assert "content-encoding" not in names and "transfer-encoding" not in names
            body = record.content_stream().read()
            assert record.http_headers.get_header("Content-Length") == str(len(body))
    assert seen == html_rows(plain)


def test_stored_headers_naming_the_wire_encoding_do_not_reach_the_record(plain, tmp_path):
    """Scrapy drops Content-Encoding once it decodes, but a page archived by an older
    warta (or another path) may keep it: the record must not claim a gzipped body."""
    copy = copy_of(plain, tmp_path)
    truth = {key: value[1] for key, value in contents(plain).items()}
    wire = {"Content-Encoding": "gzip", "Transfer-Encoding": "chunked", "Content-Length": "1"}
    with sqlite3.connect(copy) as conn:
        rows = conn.execute("SELECT id, headers FROM raw_pages").fetchall()
        for row_id, headers in rows:
            stored = {**decode_headers(headers), **wire}
            conn.execute(
                "UPDATE raw_pages SET headers = ? WHERE id = ?", (encode_headers(stored), row_id)
            )
    with Archive(copy) as archive:
        assert move_raw_pages(archive).rows == len(rows)
    assert {key: value[1] for key, value in contents(copy).items()} == truth
    warcio_check(warc_files(copy)[0])


def test_vacuum_shrinks_the_file(plain, compacted):
    copy, said = compacted
    before, after = plain.stat().st_size, copy.stat().st_size
    assert "VACUUM:" in said
    assert after < before
    print(f"archive file: {before} -> {after} bytes ({after / before:.0%} of before)")


def test_a_second_run_moves_nothing(compacted, tmp_path):
    copy = copy_of(compacted[0], tmp_path)
    files = warc_files(copy)
    again = warta_in_process("compact", db=copy)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("0 raw pages moved to WARC (0 records")
    assert warc_files(copy) == files


def test_reparse_after_the_move_gives_the_same_rows(plain, compacted, tmp_path):
    copy = copy_of(compacted[0], tmp_path)
    result = warta_in_process("reparse", db=copy)
    assert result.returncode == 0, result.stderr
    assert "0 changed" in result.stdout and "0 failed" in result.stdout, result.stdout
    with Archive(plain, readonly=True) as a, Archive(copy, readonly=True) as b:
        assert b.articles() == a.articles()


def test_an_interrupted_move_leaves_a_consistent_archive_a_rerun_completes(
    plain, tmp_path, monkeypatch
):
    copy = copy_of(plain, tmp_path)
    truth = contents(plain)
    total = html_rows(copy)
    real_write = _Mover.write
    calls = 0

    def failing_write(self: _Mover, *args: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 15:  # in the second batch of 10
            raise OSError(28, "No space left on device")
        return real_write(self, *args)

    monkeypatch.setattr(_Mover, "write", failing_write)
    with Archive(copy) as archive, pytest.raises(Exception, match="No space left"):
        move_raw_pages(archive, batch=10)
    monkeypatch.undo()
    assert html_rows(copy) == total - 10  # the first batch committed, the second rolled back
    assert torn_rows(copy) == 0
    assert contents(copy) == truth
    assert not list(default_warc_dir(copy).glob("*.open"))  # closed under its final name

    # and a kill mid-record: a torn `.open` file nobody holds
    torn = default_warc_dir(copy) / "warta-20260101000000-00099-host.warc.gz.open"
    torn.write_bytes(warc_files(copy)[0].read_bytes()[:700])
    with Archive(copy) as archive:
        report = move_raw_pages(archive, batch=10)
        assert pending_rows(archive) == 0
    assert report.rows == total - 10
    assert html_rows(copy) == 0 and torn_rows(copy) == 0
    assert contents(copy) == truth
    assert recover_open_files(default_warc_dir(copy)) == []  # the rerun repaired it
    for path in warc_files(copy):
        warcio_check(path)


def test_vacuum_waits_for_the_crawl_holding_a_lock(plain, tmp_path):
    copy = copy_of(plain, tmp_path)
    with Archive(copy) as archive:
        archive.locks.acquire("tribunjogja", pid=os.getpid())  # a live process
    result = warta_in_process("compact", "--vacuum", db=copy)
    assert result.returncode == 1
    assert "being crawled (tribunjogja)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert html_rows(copy) == html_rows(plain)  # nothing done


def test_a_missing_archive_is_one_line_and_creates_nothing(tmp_path):
    missing = tmp_path / "nope.db"
    result = warta_in_process("compact", db=missing)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert not missing.exists() and not default_warc_dir(missing).exists()


def test_headers_that_describe_the_wire_bytes_are_dropped():
    stored = {
        "Content-Type": "text/html",
        "content-encoding": "gzip",
        "Transfer-Encoding": "chunked",
        "Content-Length": "999",
    }
    headers = http_headers(404, stored, 12)
    assert headers.statusline == "404 Not Found"
    assert headers.headers == [("Content-Type", "text/html"), ("Content-Length", "12")]


def test_a_batch_whose_records_cannot_be_fsynced_is_not_committed(plain, tmp_path, monkeypatch):
    copy = copy_of(plain, tmp_path)
    total = html_rows(copy)

    def failing_sync(self: OpenWarc) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(OpenWarc, "sync", failing_sync)
    with Archive(copy) as archive, pytest.raises(ArchiveError, match="Input/output error"):
        move_raw_pages(archive, batch=10)
    monkeypatch.undo()
    assert html_rows(copy) == total  # no row points at a record that may not be on disk
    assert torn_rows(copy) == 0


def test_moving_beside_a_running_crawl_corrupts_nothing(plain, crawl_server, tmp_path):
    """The move takes short write transactions: a crawl writing the same archive
    finishes normally, and every row ends with its html or a pointer."""
    db = tmp_path / "warta.db"
    Archive(db).close()  # an existing archive (two processes creating one race to migrate it)
    command = [sys.executable, "-m", "warta", "crawl", *SOURCES, "--no-warc"]
    command += ["--replica", crawl_server.base_url, "--db", str(db)]
    crawl = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    moved_during_crawl = 0
    while crawl.poll() is None:
        with Archive(db) as archive:
            moved_during_crawl += move_raw_pages(archive, batch=5).rows
        time.sleep(0.05)
    output = crawl.stdout.read().decode() if crawl.stdout else ""
    assert crawl.returncode == 0, output
    assert moved_during_crawl > 0  # the two really overlapped
    with Archive(db) as archive:
        move_raw_pages(archive)
        assert {run["status"] for run in archive.runs.latest()} == {"ok"}, output
    assert html_rows(db) == 0 and torn_rows(db) == 0
    moved = contents(db)
    assert len(moved) == len(contents(plain))  # the crawl archived every article
    assert all(bodies and latest for _, bodies, latest, _ in moved.values())
    for path in warc_files(db):
        warcio_check(path)


def test_an_unchanged_refetch_shares_the_record_of_its_first_fetch(plain, tmp_path):
    copy = copy_of(plain, tmp_path)
    with sqlite3.connect(copy) as conn:  # the first page fetched again, unchanged
        conn.execute(
            "INSERT INTO raw_pages(article_id, page_no, url, status, headers, fetched_at, html) "
            "SELECT article_id, page_no, url, status, headers, fetched_at, html "
            "FROM raw_pages ORDER BY id LIMIT 1"
        )
    truth = contents(copy)
    total = html_rows(copy)
    with Archive(copy) as archive:
        report = move_raw_pages(archive)
    assert (report.rows, report.records) == (total, total - 1)
    assert contents(copy) == truth
    with sqlite3.connect(copy) as conn:
        first, again = conn.execute(
            "SELECT warc_file, warc_offset, warc_record_id FROM raw_pages "
            "WHERE url = (SELECT url FROM raw_pages ORDER BY id LIMIT 1) ORDER BY id"
        ).fetchall()
    assert first == again


def test_a_backup_after_the_move_carries_the_new_file(compacted, tmp_path):
    result = warta_in_process("backup", str(tmp_path / "copy.db"), db=compacted[0])
    assert result.returncode == 0, result.stderr
    assert "1 WARC files beside it" in result.stdout, result.stdout
    assert contents(tmp_path / "copy.db") == contents(compacted[0])


def test_a_damaged_page_is_left_in_place_and_counted(plain, tmp_path):
    copy = copy_of(plain, tmp_path)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE raw_pages SET html = x'00ff00ff' WHERE id = 2")
    total = html_rows(copy)
    result = warta_in_process("compact", db=copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{total - 1} raw pages moved to WARC")
    assert result.stderr.strip() == "1 raw pages do not decompress (damaged): left in SQLite"
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT id FROM raw_pages WHERE html IS NOT NULL").fetchall() == [(2,)]
    assert torn_rows(copy) == 0


def test_a_refetch_whose_first_record_is_lost_gets_its_own(plain, tmp_path):
    """Sharing a record is checked by reading it: a lost file must not take the html along."""
    copy = copy_of(plain, tmp_path)
    with Archive(copy) as archive:
        move_raw_pages(archive)
    for path in warc_files(copy):
        path.unlink()  # the first fetch's record is gone
    with sqlite3.connect(copy) as conn:  # the page fetched again, unchanged, kept in SQLite
        conn.execute(
            "INSERT INTO raw_pages(article_id, page_no, url, status, headers, fetched_at, html) "
            "SELECT article_id, page_no, url, status, headers, fetched_at, ? "
            "FROM raw_pages ORDER BY id LIMIT 1",
            (zlib.compress(contents(plain)[1][1][0]),),
        )
    with Archive(copy) as archive:
        report = move_raw_pages(archive)
        assert (report.rows, report.records) == (1, 1)
        pointer = archive.warc_pointers(1)[-1]
    assert pointer is not None and pointer.file == report.files[0]
    assert read_payload(default_warc_dir(copy), pointer) == contents(plain)[1][1][0]


def test_a_warc_folder_that_cannot_be_made_is_one_line_and_moves_nothing(plain, tmp_path):
    copy = copy_of(plain, tmp_path)
    default_warc_dir(copy).write_text("a file where the WARC folder belongs")
    result = warta_in_process("compact", db=copy)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "cannot write WARC records" in result.stderr
    assert html_rows(copy) == html_rows(plain) and torn_rows(copy) == 0
