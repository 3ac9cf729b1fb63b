"""WARC capture (crawler/warc_capture.py, storage/warc.py): real crawls of the replica.

The replica sends plain, unchunked bodies with one value per header. To check that
the capture keeps bytes as received, crawls go through `WireProxy`, a small HTTP/1.1
server in front of the replica that gzips HTML (when asked to), sends it chunked and
repeats a header: what real outlets do.
"""

from __future__ import annotations

import gzip
import http.client
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from benchmarks.kill_stress import killed_crawl
from storage.archive import Archive
from storage.warc import (
    OPEN_SUFFIX,
    OpenWarc,
    WarcPointer,
    complete_length,
    default_warc_dir,
    read_payload,
    recover_open_files,
)
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process

SOURCES = ("kompasregional", "tribunjogja")  # kompas' index URLs carry a query string
TAG = "X-Replica-Tag"  # the header the proxy repeats
WARCIO = REPO / ".venv" / "bin" / "warcio"


class WireProxy(ThreadingHTTPServer):
    """Forwards to the replica; answers gzipped, chunked, with a repeated header."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream).netloc
        super().__init__(("127.0.0.1", 0), _ProxyHandler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: WireProxy

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        upstream = http.client.HTTPConnection(self.server.upstream, timeout=30)
        upstream.request("GET", self.path, headers={"Host": self.headers["Host"]})
        answer = upstream.getresponse()
        body = answer.read()
        upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "connection", "server", "date"):
                self.send_header(name, value)
        self.send_header(TAG, "one")
        self.send_header(TAG, "two")
        html = "html" in (answer.getheader("Content-Type") or "")
        if html and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, mtime=0)  # mtime 0: the same page gives the same bytes
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(body), body))
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def proxy(crawl_server) -> Iterator[WireProxy]:
    server = WireProxy(crawl_server.base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def crawl(proxy: WireProxy, db: Path, *extra: str) -> None:
    result = run_warta("crawl", *SOURCES, "--replica", proxy.base_url, *extra, db=db)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def captured(tmp_path_factory, proxy) -> Path:
    db = tmp_path_factory.mktemp("captured") / "warta.db"
    crawl(proxy, db)
    return db


@pytest.fixture(scope="module")
def uncaptured(tmp_path_factory, proxy) -> Path:
    db = tmp_path_factory.mktemp("uncaptured") / "warta.db"
    crawl(proxy, db, "--no-warc")
    return db


def warc_files(db: Path) -> list[Path]:
    return sorted(default_warc_dir(db).glob("*.warc.gz"))


def records(path: Path) -> list:
    """Every record of a file, its payload read (parsed the way readers parse)."""
    out = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            record.raw = record.raw_stream.read()  # as stored: not decoded
            out.append(record)
    return out


def warcio_check(path: Path) -> None:
    import subprocess

    result = subprocess.run([str(WARCIO), "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def pointers(db: Path) -> dict[str, WarcPointer]:
    """Each raw page's pointer, by URL (the latest)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT url, warc_file, warc_offset, warc_length, warc_record_id, warc_digest "
            "FROM raw_pages WHERE warc_file IS NOT NULL ORDER BY id"
        ).fetchall()
    return {url: WarcPointer(*rest) for url, *rest in rows}


# -- capture ---------------------------------------------------------------------------


def test_every_file_passes_warcio_check_and_is_named_per_the_contract(captured):
    files = warc_files(captured)
    assert files
    for path in files:
        warcio_check(path)
        prefix, stamp, serial, host = path.name[: -len(".warc.gz")].split("-", 3)
        assert (prefix, len(stamp), len(serial)) == ("warta", 14, 5) and host
    assert not list(default_warc_dir(captured).glob(f"*{OPEN_SUFFIX}"))  # closed cleanly


def test_cdxj_indexer_indexes_every_response(captured):
    import subprocess

    files = [str(p) for p in warc_files(captured)]
    index = subprocess.run(
        [str(REPO / ".venv" / "bin" / "cdxj-indexer"), *files], capture_output=True, text=True
    )
    assert index.returncode == 0, index.stderr
    responses = sum(
        r.rec_type == "response" for path in warc_files(captured) for r in records(path)
    )
    assert len(index.stdout.splitlines()) == responses


def test_requests_and_responses_are_paired_with_query_strings(captured):
    recs = [r for path in warc_files(captured) for r in records(path)]
    responses = {
        r.rec_headers.get_header("WARC-Record-ID"): r for r in recs if r.rec_type == "response"
    }
    requests = [r for r in recs if r.rec_type == "request"]
    assert responses and len(requests) == len(responses)
    for request in requests:
        response = responses[request.rec_headers.get_header("WARC-Concurrent-To")]
        uri = request.rec_headers.get_header("WARC-Target-URI")
        assert uri == response.rec_headers.get_header("WARC-Target-URI")
        parts = urlsplit(uri)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        assert request.http_headers.statusline == f"{target} HTTP/1.1"
        assert request.http_headers.get_header("Host") == parts.netloc
        assert request.rec_headers.get_header("WARC-Date") == response.rec_headers.get_header(
            "WARC-Date"
        )
    queried = [r for r in requests if "?" in r.rec_headers.get_header("WARC-Target-URI")]
    assert any("?site=regional&date=" in r.http_headers.statusline for r in queried)


def test_responses_are_kept_as_received(captured):
    responses = [
        r for path in warc_files(captured) for r in records(path) if r.rec_type == "response"
    ]
    gzipped = 0
    for record in responses:
        headers = record.http_headers
        status = int(headers.get_statuscode())
        assert headers.protocol == "HTTP/1.1"
        assert headers.statusline != str(status)  # the reason phrase is there: "200 OK"
        assert [v for k, v in headers.headers if k == TAG] == ["one", "two"]  # both values
        # the proxy sent every body chunked; Scrapy hands it de-chunked (and Twisted drops
        # the header): no record may still claim chunking
        assert headers.get_header("Transfer-Encoding") is None
        length = headers.get_header("Content-Length")
        assert length is None or int(length) == len(record.raw)
        date = record.rec_headers.get_header("WARC-Date")
        assert len(date) == len("2025-01-01T00:00:00.000000Z")  # to the microsecond
        assert record.rec_headers.get_header("WARC-Payload-Digest").startswith("sha1:")
        if headers.get_header("Content-Encoding") == "gzip":
            gzipped += 1
            assert record.raw[:2] == b"\x1f\x8b"  # before decompression: as on the wire
            assert b"</html>" in gzip.decompress(record.raw)
    assert gzipped > 10


def test_archive_rows_equal_a_crawl_without_capture(captured, uncaptured):
    assert not default_warc_dir(uncaptured).exists()  # --no-warc writes none
    seen = ("first_seen_at", "last_seen_at", "id", "cluster_id")  # ids: crawl order
    with Archive(captured, readonly=True) as a, Archive(uncaptured, readonly=True) as b:
        rows_a = {r["url"]: r for r in a.articles()}
        rows_b = {r["url"]: r for r in b.articles()}
        assert sorted(rows_a) == sorted(rows_b) and rows_a
        for url, row in rows_a.items():
            other = rows_b[url]
            assert {k: v for k, v in row.items() if k not in seen} == {
                k: v for k, v in other.items() if k not in seen
            }
            assert a.article(row["cluster_id"])["url"] == b.article(other["cluster_id"])["url"]
            assert a.raw_html(row["id"]) == b.raw_html(other["id"])
            assert a.latest_pages(row["id"]) == b.latest_pages(other["id"])
            assert all(p is not None for p in a.warc_pointers(row["id"]))
            assert all(p is None for p in b.warc_pointers(other["id"]))
    with sqlite3.connect(captured) as conn:  # a pointer row keeps no second copy
        assert conn.execute("SELECT count(*) FROM raw_pages WHERE html IS NOT NULL").fetchone() == (
            0,
        )


def test_reparse_reads_the_pages_through_their_pointers(captured, tmp_path):
    copy = tmp_path / "warta.db"
    with sqlite3.connect(captured) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    shutil.copytree(default_warc_dir(captured), default_warc_dir(copy))
    with Archive(copy, readonly=True) as archive:
        truth = {r["url"]: (r["title"], r["body"]) for r in archive.articles()}
    with Archive(copy) as archive:  # an old extractor got these wrong
        archive.conn.execute("UPDATE articles SET title = 'xqzv', body = 'xqzv' WHERE id <= 3")
    fixed = warta_in_process("reparse", db=copy)
    assert "3 changed" in fixed.stdout, fixed.stdout + fixed.stderr
    with Archive(copy, readonly=True) as archive:
        assert {r["url"]: (r["title"], r["body"]) for r in archive.articles()} == truth


def test_reparse_without_the_warc_files_fails_per_article_in_one_line(captured, tmp_path):
    copy = tmp_path / "warta.db"
    with sqlite3.connect(captured) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # and no WARC folder beside it
    result = warta_in_process("reparse", db=copy)
    # none of its files there: a wrong folder, said in one line (--warc-dir gives it)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "is missing from" in result.stderr and "--warc-dir" in result.stderr
    folder = default_warc_dir(copy)
    folder.mkdir()
    kept = warc_files(captured)[-1]
    shutil.copy(kept, folder / kept.name)  # one file of several: its articles reparse
    result = warta_in_process("reparse", db=copy)
    assert result.returncode == 0, result.stderr
    with Archive(copy, readonly=True) as archive:
        count = archive.count()
    assert f"{count} articles re-extracted: 0 changed, " in result.stdout
    failed = int(result.stdout.split(" now duplicates, ")[1].split(" failed")[0])
    assert 0 < failed < count  # the articles of the missing files fail, one by one


def test_history_shows_each_versions_warc_record_id(captured):
    with Archive(captured, readonly=True) as archive:
        row = archive.articles()[0]
        pointer = archive.warc_pointers(row["id"])[0]
    assert pointer is not None
    shown = warta_in_process("history", row["url"], db=captured)
    assert shown.returncode == 0, shown.stderr
    assert f"warc {pointer.record_id}" in shown.stdout


# -- revisits, rolling, torn tails --------------------------------------------------------


def test_recrawl_of_unchanged_pages_writes_revisits_only(proxy, tmp_path):
    db = tmp_path / "warta.db"
    crawl(proxy, db)
    first_files = set(warc_files(db))
    before = pointers(db)
    crawl(proxy, db, "--refresh")
    new_files = set(warc_files(db)) - first_files
    assert new_files
    article_records = [
        r
        for path in sorted(new_files)
        for r in records(path)
        if r.rec_type != "request" and r.rec_headers.get_header("WARC-Target-URI") in before
    ]
    assert {r.rec_headers.get_header("WARC-Target-URI") for r in article_records} == set(before)
    for record in article_records:
        uri = record.rec_headers.get_header("WARC-Target-URI")
        assert record.rec_type == "revisit"
        assert record.rec_headers.get_header("WARC-Profile").endswith("identical-payload-digest")
        assert record.rec_headers.get_header("WARC-Refers-To") == before[uri].record_id
        assert record.rec_headers.get_header("WARC-Payload-Digest") == before[uri].digest
    for path in new_files:
        warcio_check(path)
    assert pointers(db) == before  # the pages still point at the original responses
    # every other page too (listing pages, robots.txt): the replica's pages did not
    # change, so the second crawl wrote no response whole, only revisits
    whole = [
        r.rec_headers.get_header("WARC-Target-URI")
        for path in sorted(new_files)
        for r in records(path)
        if r.rec_type == "response"
    ]
    listings = [
        r
        for path in sorted(new_files)
        for r in records(path)
        if r.rec_type == "revisit" and r.rec_headers.get_header("WARC-Target-URI") not in before
    ]
    assert whole == []
    assert listings  # the listing pages were re-walked, and written as revisits
    first_ids = {
        r.rec_headers.get_header("WARC-Record-ID")
        for path in sorted(first_files)
        for r in records(path)
        if r.rec_type == "response"
    }
    assert all(r.rec_headers.get_header("WARC-Refers-To") in first_ids for r in listings)
    with sqlite3.connect(db) as conn:
        noted = {url for (url,) in conn.execute("SELECT url FROM warc_captures")}
    assert noted and not noted & set(before)  # an article page's record is its raw page's


def test_a_torn_tail_is_cut_at_the_next_run_and_files_roll(proxy, tmp_path):
    db = tmp_path / "warta.db"
    crawl(proxy, db)
    folder = default_warc_dir(db)
    whole = warc_files(db)[0]
    torn = folder / ("warta-20000101000000-00000-killed.warc.gz" + OPEN_SUFFIX)
    data = whole.read_bytes()
    torn.write_bytes(data + data[: len(data) // 3][-500:])  # a record cut mid-member
    earlier = set(warc_files(db))
    crawl(proxy, db, "-s", "WARTA_WARC_MAX_BYTES=20000")
    repaired = torn.with_name(torn.name[: -len(OPEN_SUFFIX)])
    assert not torn.exists() and repaired.read_bytes() == data
    warcio_check(repaired)
    rolled = sorted(set(warc_files(db)) - earlier - {repaired})
    assert len(rolled) > 1  # this run's files, rolled at 20 kB
    assert len({p.name.split("-")[2] for p in rolled}) == len(rolled)  # distinct serials
    for path in rolled:
        warcio_check(path)
        assert path.stat().st_size < 20000 + 200_000  # rolled after the record that crossed


def test_recovery_leaves_a_file_a_live_crawl_writes_alone(tmp_path):
    live = OpenWarc(tmp_path, 0)
    live.append(gzip.compress(b"WARC/1.1\r\n") + b"\x1f\x8b half a member")
    assert recover_open_files(tmp_path) == []  # its writer holds the lock
    assert live.path.exists()
    live.close()
    assert (tmp_path / live.name).exists()


def test_complete_length_stops_at_the_first_torn_member(tmp_path):
    members = [gzip.compress(bytes([n]) * 5000) for n in range(3)]
    path = tmp_path / "x.warc.gz"
    path.write_bytes(b"".join(members) + members[0][:-7])
    assert complete_length(path) == sum(map(len, members))
    path.write_bytes(b"".join(members))
    assert complete_length(path) == path.stat().st_size


def test_a_killed_crawl_leaves_only_pointers_to_complete_records(crawl_server, tmp_path):
    db = tmp_path / "warta.db"
    _, killed = killed_crawl(crawl_server.base_url, db, at_articles=20)
    assert killed
    folder = default_warc_dir(db)
    left = pointers(db)
    assert left
    for pointer in left.values():  # read through the .open file a kill left behind
        assert b"</html>" in read_payload(folder, pointer).lower()
    noted = captures(db)  # the listing pages' and robots.txt's records: complete too
    assert noted
    for pointer in noted:
        read_payload(folder, pointer)
    restart = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    assert restart.returncode == 0, restart.stderr
    assert not list(folder.glob(f"*{OPEN_SUFFIX}"))
    for path in warc_files(db):
        warcio_check(path)
    with Archive(db, readonly=True) as archive:
        for row in archive.articles():
            assert archive.raw_html(row["id"])
    for pointer in [*pointers(db).values(), *captures(db)]:
        read_payload(folder, pointer)


def captures(db: Path) -> list[WarcPointer]:
    """The pointers of the records noted for pages that are not articles'."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT warc_file, warc_offset, warc_length, warc_record_id, warc_digest "
            "FROM warc_captures"
        ).fetchall()
    return [WarcPointer(*row) for row in rows]


def test_warc_dir_puts_the_files_elsewhere(proxy, tmp_path):
    db, elsewhere = tmp_path / "warta.db", tmp_path / "records"
    result = run_warta(
        "crawl", "kompasregional", "--replica", proxy.base_url, "--warc-dir", str(elsewhere), db=db
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not default_warc_dir(db).exists()
    assert list(elsewhere.glob("*.warc.gz"))
    with Archive(db, readonly=True, warc_dir=elsewhere) as archive:
        rows = archive.articles()
        assert rows and all(b"</html>" in archive.raw_html(r["id"])[0] for r in rows)


def test_a_failed_append_leaves_no_torn_record(tmp_path, monkeypatch):
    import errno
    import os

    warc = OpenWarc(tmp_path, 0)
    first = gzip.compress(b"one" * 1000)
    warc.append(first)
    real_write = os.write
    calls = []

    def disk_fills(fd: int, data: bytes) -> int:  # half the record fits, then ENOSPC
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", disk_fills)
    with pytest.raises(OSError):
        warc.append(gzip.compress(b"two" * 1000))
    monkeypatch.setattr(os, "write", real_write)
    third = gzip.compress(b"three" * 1000)
    assert warc.append(third) == len(first)
    warc.close()
    path = tmp_path / warc.name
    assert path.read_bytes() == first + third and complete_length(path) == len(first + third)


def test_versions_carry_the_warc_record_id_of_their_fetch(tmp_path):
    from datetime import UTC, datetime

    from crawler.items import FetchedPage
    from tests.test_archive import row

    def page(n: int) -> FetchedPage:
        pointer = WarcPointer("f.warc.gz", n * 100, 100, f"<urn:uuid:{n}>", f"sha1:{n}")
        moment = datetime(2025, 11, 7, n, tzinfo=UTC)
        return FetchedPage("https://a.example/1", 200, {}, b"", moment, warc=pointer)

    with Archive(tmp_path / "warta.db") as archive:
        archive.store(row(), pages=[page(1)])
        archive.store(row(body="Banjir melanda Sleman lagi."), pages=[page(2)])
        article_id = archive.article_id_for("https://a.example/1")
        assert article_id is not None
        versions = archive.versions(article_id)
    assert [v["warc_record_id"] for v in versions] == ["<urn:uuid:1>", "<urn:uuid:2>"]
