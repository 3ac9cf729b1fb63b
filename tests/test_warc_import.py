"""`warta import`: WARC files written by another tool, imported into an empty archive,
compared field by field with a real crawl of the same replica.

The other tool is warcio's `capture_http` (it records whatever `http.client` sends
and receives). It fetches every page the crawl fetched, from the replica's loopback
address with the outlet's Host header, as the crawler's replica handler does; its
records' WARC-Target-URI is then set to the outlet's real https URL (filter_func),
the URL a capture of the live outlet carries. The HTTP bytes are untouched.
"""

from __future__ import annotations

import gzip
import http.client
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.capture_http import capture_http
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage.archive import Archive
from storage.warc import WarcPointer, default_warc_dir, read_record
from tests.conftest import run_warta
from tests.replica_warc import pywb_program
from warta.importing import ImportReport, Index, import_warcs, index_file

# Columns that say in which order a row was written, not what it holds.
WRITE_ORDER = {"id", "cluster_id"}
# When the article was seen: a WARC's dates. Another tool fetched at its own times.
SEEN = {"first_seen_at", "last_seen_at"}


def capture_with_warcio(server: Any, targets: list[tuple[str, str]], warc: Path) -> None:
    """Fetch (host, path) pairs from the replica with http.client under warcio's
    capture_http, writing a gzip-per-record WARC whose target URIs are the real URLs."""

    def real_uri(request: Any, response: Any, recorder: Any) -> tuple[Any, Any]:
        host = request.http_headers.get_header("Host")
        path = "/" + request.rec_headers.get_header("WARC-Target-URI").split("/", 3)[3]
        for record in (request, response):
            record.rec_headers.replace_header("WARC-Target-URI", f"https://{host}{path}")
        return request, response

    with warc.open("wb") as out, capture_http(WARCWriter(out, gzip=True), real_uri):
        for host, path in targets:
            # looked up at call time: capture_http swaps http.client.HTTPConnection
            connection = http.client.HTTPConnection(server.host, server.port)
            connection.request("GET", path, headers={"Host": host, "Accept-Encoding": "gzip"})
            connection.getresponse().read()
            connection.close()


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory, crawl_server: Any) -> dict[str, Path]:
    """A crawl of the replica, and a WARC of the same pages written by warcio."""
    folder = tmp_path_factory.mktemp("import")
    crawl_server.requests.clear()
    crawl = run_warta("crawl", "--replica", crawl_server.base_url, db=folder / "crawl.db")
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    targets = [(host, path) for host, path in crawl_server.requests if host != "127.0.0.1"]
    warc = folder / "other-tool.warc.gz"
    capture_with_warcio(crawl_server, targets, warc)
    imported = folder / "imported.db"
    result = run_warta("import", "--jobs", "2", str(warc), db=imported)  # worker processes
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        "folder": folder,
        "crawl": folder / "crawl.db",
        "warc": warc,
        "imported": imported,
        "server": crawl_server,
    }


def archive_contents(db: Path, *, seen: bool = False) -> dict[str, dict[str, Any]]:
    """Each article's row (without write-order columns), its cluster's original URL,
    its versions and its raw pages, by URL; with `seen`, the times it was seen too
    (first/last_seen_at, each version's fetched_at and superseded_at)."""
    left_out = WRITE_ORDER if seen else WRITE_ORDER | SEEN
    with Archive(db, readonly=True) as archive:
        rows = list(archive.articles())
        url_of = {row["id"]: row["url"] for row in rows}
        contents = {}
        for row in rows:
            content = {k: v for k, v in row.items() if k not in left_out}
            content["cluster_original"] = url_of[row["cluster_id"]]
            versions = archive.versions(row["id"])
            content["versions"] = len(versions)
            if seen:
                content["seen"] = [(v["fetched_at"], v.get("superseded_at")) for v in versions]
            content["raw_pages"] = archive.raw_html(row["id"])
            contents[row["url"]] = content
    return contents


def test_import_of_another_tools_warc_equals_the_crawl(captured, crawl_site):
    crawled = archive_contents(captured["crawl"])
    imported = archive_contents(captured["imported"])
    assert len(crawled) == len({a.url for a in crawl_site.articles})
    assert sorted(imported) == sorted(crawled)
    mismatches = [
        (url, column, imported[url][column], value)
        for url, row in crawled.items()
        for column, value in row.items()
        if imported[url][column] != value
    ]
    assert mismatches == []
    multi = [url for url, row in imported.items() if len(row["raw_pages"]) > 1]
    clustered = [url for url, row in imported.items() if row["cluster_original"] != url]
    assert multi and clustered  # the comparison covered paged articles and clusters


def test_importing_twice_adds_nothing(captured):
    before = archive_contents(captured["imported"], seen=True)
    folder = default_warc_dir(captured["imported"])
    files = folder_state(folder)
    again = run_warta("import", str(captured["warc"]), db=captured["imported"])
    assert again.returncode == 0, again.stderr
    assert f"({len(before)} unchanged" not in again.stdout  # the format is "0 new, …"
    assert f"0 new, 0 updated, {len(before)} unchanged, 0 duplicates" in again.stdout
    # no row, version or page more, the same seen times (the WARC's), no record copied again
    assert archive_contents(captured["imported"], seen=True) == before
    assert folder_state(folder) == files and "0 WARC records copied" in again.stdout


def test_torn_file_imports_its_complete_records(captured, tmp_path):
    warc = captured["warc"]
    members = response_members(warc)
    offset, length, _ = members[len(members) // 2]
    torn = tmp_path / "torn.warc.gz"
    torn.write_bytes(warc.read_bytes()[: offset + length // 2])  # cut inside one record
    db = tmp_path / "torn.db"
    result = run_warta("import", str(torn), db=db)
    assert result.returncode == 0, result.stderr
    assert "torn record" in result.stdout and "Traceback" not in result.stderr
    whole = {url for start, size, url in members if start + size <= offset}
    with Archive(db, readonly=True) as archive:
        stored = archive.articles()
    assert stored  # the records before the cut were imported
    for row in stored:  # and only articles whose every page lies before the cut
        with Archive(db, readonly=True) as archive:
            pages = archive.latest_pages(row["id"])
        assert {url for _, url in pages} <= whole


def response_members(warc: Path) -> list[tuple[int, int, str]]:
    """(offset, length, target URI) of each response record of a WARC file."""
    members = []
    with warc.open("rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            uri = record.rec_headers.get_header("WARC-Target-URI")
            records.read_to_end(record)
            if record.rec_type == "response":
                members.append((records.get_record_offset(), records.get_record_length(), uri))
    return members


def test_not_a_warc_file_is_one_line_and_the_others_import(captured, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("this is not a WARC file\n")
    listing = tmp_path / "warc.paths"
    listing.write_text(f"# a warc.paths-style list\nnotes.txt\n\n{captured['warc']}\n")
    db = tmp_path / "list.db"
    result = run_warta("import", "--paths-file", str(listing), db=db)
    assert result.returncode == 0, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {notes}: not a WARC file (no WARC/1.x record)"]
    assert "Traceback" not in result.stderr
    with Archive(db, readonly=True) as archive, Archive(captured["crawl"], readonly=True) as crawl:
        assert archive.count() == crawl.count()


def test_gzipped_paths_list_as_common_crawl_publishes_it(captured, tmp_path):
    folder = tmp_path / "crawl-data"
    folder.mkdir()
    (folder / "one.warc.gz").write_bytes(captured["warc"].read_bytes())
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(gzip.compress(b"crawl-data/one.warc.gz\n"))
    result = run_warta("import", "--paths-file", str(listing), db=tmp_path / "cc.db")
    assert result.returncode == 0, result.stderr
    with Archive(tmp_path / "cc.db", readonly=True) as archive:
        with Archive(captured["crawl"], readonly=True) as crawl:
            assert archive.count() == crawl.count()
    broken = tmp_path / "broken.paths.gz"
    broken.write_bytes(b"not gzip")
    bad = run_warta("import", "--paths-file", str(broken), db=tmp_path / "cc.db")
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "cannot read the list of WARC files" in bad.stderr


def test_a_later_capture_of_a_changed_article_is_a_revision(tmp_path):
    """Two captures of one URL, the outlet having revised the article in between: one
    row, holding the later text, and the earlier one kept as a version."""
    url = "https://news.example.org/2025/11/07/banjir"
    warc = tmp_path / "twice.warc.gz"
    write_records(
        warc,
        [(url, HTML, news_page("Banjir Bantul", 5)), (url, HTML, news_page("Banjir Sleman", 6))],
    )
    db = tmp_path / "twice.db"
    result = run_warta("import", "--any-site", str(warc), db=db)
    assert "1 new, 1 updated" in result.stdout, result.stdout + result.stderr
    with Archive(db, readonly=True) as archive:
        [row] = archive.articles()
        versions = archive.versions(row["id"])
    assert row["title"] == "Banjir Sleman"
    assert [v["title"] for v in versions] == ["Banjir Bantul", "Banjir Sleman"]


def test_nothing_readable_at_all_fails(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("no-warc-here\n")  # unlike the text above, not even ARC-shaped
    result = run_warta("import", str(notes), db=tmp_path / "none.db")
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"error: {notes}: not a WARC file")


NEWS_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>{title}</title><meta property="og:title" content="{title}">
<meta property="article:published_time" content="2025-11-07T10:15:00+07:00">
</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"""


def news_page(title: str, paragraphs: int) -> bytes:
    text = "".join(
        f"<p>Paragraf {n} tentang {title.lower()}: warga kota berkumpul di balai desa dan "
        f"membahas rencana perbaikan jalan serta saluran air menjelang musim hujan.</p>"
        for n in range(paragraphs)
    )
    return NEWS_PAGE.format(title=title, paragraphs=text).encode()


def write_records(
    warc: Path, records: list[tuple[str, list[tuple[str, str]], bytes]], gzip_members: bool = True
) -> None:
    """A WARC/1.1 file of response records (URL, HTTP headers, payload)."""
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=gzip_members, warc_version="1.1")
        for url, headers, payload in records:
            http_headers = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=_stream(payload), http_headers=http_headers
            )
            writer.write_record(record)


def raw_response(url: str, block: bytes) -> bytes:
    """A gzip member holding one response record, written by hand (warcio's writer
    refuses a block that is not HTTP)."""
    head = (
        f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
        f"WARC-Date: 2025-11-07T03:00:00.000000Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        f"Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    )
    return gzip.compress(head.encode() + block + b"\r\n\r\n")


def _stream(data: bytes) -> Any:
    from io import BytesIO

    return BytesIO(data)


HTML = [("Content-Type", "text/html; charset=utf-8")]


def test_any_site_takes_news_like_pages_of_other_sites(tmp_path):
    warc = tmp_path / "elsewhere.warc.gz"
    write_records(
        warc,
        [
            ("https://news.example.org/2025/11/07/banjir", HTML, news_page("Banjir Bantul", 5)),
            ("https://news.example.org/about", HTML, b"<html><title>Tentang</title></html>"),
            ("https://blog.example.net/catatan", HTML, news_page("Catatan Pendek", 1)),
        ],
    )
    plain = run_warta("import", str(warc), db=tmp_path / "plain.db")
    assert "skipped      3  not a configured outlet" in plain.stdout
    with Archive(tmp_path / "plain.db", readonly=True) as archive:
        assert archive.count() == 0
    wide = run_warta("import", "--any-site", str(warc), db=tmp_path / "wide.db")
    assert wide.returncode == 0, wide.stderr
    with Archive(tmp_path / "wide.db", readonly=True) as archive:
        rows = archive.articles()
    assert [(r["url"], r["source"], r["title"]) for r in rows] == [
        ("https://news.example.org/2025/11/07/banjir", "news.example.org", "Banjir Bantul")
    ]
    assert "not news-like" in wide.stdout  # the short page: dated, but 1 paragraph
    assert "no publication date" in wide.stdout  # the about page


def chunked(data: bytes, size: int = 100) -> bytes:
    """The data in HTTP/1.1 chunked transfer coding."""
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def test_bad_records_are_counted_and_skipped(tmp_path):
    """A bad HTTP header block and an undecodable gzip body: each one counted, the good
    records beside them imported (one of them chunked and gzipped, as recorded)."""
    warc = tmp_path / "bad.warc.gz"
    good = news_page("Banjir Sleman", 5)
    other = news_page("Jalan Rusak", 5)
    coded = [("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")]
    write_records(
        warc,
        [
            (
                "https://a.example.org/2025/11/07/rusak",
                HTML + [("Content-Encoding", "gzip")],
                b"this is not gzip at all " * 20,
            ),
            (
                "https://a.example.org/2025/11/07/baik",
                HTML + [("Content-Encoding", "gzip")],
                gzip.compress(good),
            ),
            ("https://a.example.org/2025/11/07/jalan", HTML + coded, chunked(gzip.compress(other))),
        ],
    )
    with warc.open("ab") as out:  # a response whose HTTP header block is not HTTP
        out.write(raw_response("https://a.example.org/2025/11/07/aneh", b"NOT-HTTP x\r\n\r\nbody"))
    db = tmp_path / "bad.db"
    result = run_warta("import", "--any-site", str(warc), db=db)
    assert result.returncode == 0, result.stderr
    assert "bad HTTP headers" in result.stdout
    assert "unreadable record" in result.stdout
    with Archive(db, readonly=True) as archive:
        rows = archive.articles()
    assert sorted(r["url"] for r in rows) == [
        "https://a.example.org/2025/11/07/baik",
        "https://a.example.org/2025/11/07/jalan",
    ]
    assert {r["title"] for r in rows} == {"Banjir Sleman", "Jalan Rusak"}


def test_index_locates_each_whole_record(captured):
    """Each indexed page's record (offset, length, record id, digest) is its own whole
    record, and its request record is found."""
    report = ImportReport()
    index = Index()
    captures = list(index_file(captured["warc"], report, index))
    assert captures and report.pages == len(captures)
    data = captured["warc"].read_bytes()
    for capture in captures[:20]:
        span = capture.record
        member = gzip.decompress(data[span.offset : span.offset + span.length])
        assert member.startswith(b"WARC/1.")
        assert member.endswith(b"\r\n\r\n")  # the whole record, not a part of it
        assert f"WARC-Record-ID: {capture.record_id}".encode() in member
        assert capture.digest.startswith("sha1:")
        assert f"WARC-Payload-Digest: {capture.digest}".encode() in member
        request = index.request_of(capture)
        assert request is not None
        head = gzip.decompress(data[request.offset : request.offset + request.length])
        assert b"WARC-Type: request" in head


def test_import_is_faster_than_the_crawl(captured, crawl_server, tmp_path):
    """Wall time of `warta import` against `warta crawl` of the same pages, median of 3."""
    crawl_times, import_times = [], []
    for run in range(3):
        started = time.monotonic()
        crawl = run_warta("crawl", "--replica", crawl_server.base_url, db=tmp_path / f"c{run}.db")
        crawl_times.append(time.monotonic() - started)
        assert crawl.returncode == 0
        started = time.monotonic()
        imported = run_warta("import", str(captured["warc"]), db=tmp_path / f"i{run}.db")
        import_times.append(time.monotonic() - started)
        assert imported.returncode == 0
    ratio = statistics.median(crawl_times) / statistics.median(import_times)
    print(f"crawl {crawl_times} import {import_times}: import {ratio:.1f}x faster")
    assert ratio > 1


def test_import_warcs_api_in_one_process_reports_progress(captured, tmp_path, monkeypatch):
    """jobs=1 (no worker processes) archives what the workers did, reporting progress."""
    from crawler.sources import load_sources
    from warta import importing

    monkeypatch.setattr(importing, "PROGRESS_EVERY", 0.0)
    seen: list[tuple[str, int]] = []
    with Archive(tmp_path / "api.db") as archive:
        report = import_warcs(
            archive,
            [captured["warc"]],
            sources=load_sources(),
            progress=lambda r, phase: seen.append((phase, r.articles)),
            jobs=1,
        )
    assert report.outcomes["new"] > 0 and report.stored == report.outcomes["new"]
    assert {phase for phase, _ in seen} == {"index", "articles"}
    assert seen[-1][1] == report.articles
    assert archive_contents(tmp_path / "api.db") == archive_contents(captured["imported"])


# -- our own crawler's WARC: import and WACZ ----------------------------------------------


def test_import_of_our_own_crawlers_warc_equals_the_crawl(captured, tmp_path):
    """The crawl of the fixture captured its fetches (capture is on by default): importing
    those WARC files into an empty archive gives the crawl's archive back, field by field."""
    files = sorted(default_warc_dir(captured["crawl"]).glob("*.warc.gz"))
    assert files, "the crawl wrote no WARC file"
    db = tmp_path / "ours.db"
    result = run_warta("import", *map(str, files), db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    # the times it was seen too: the crawl's WARC-Dates, not the import's clock
    crawled, imported = (
        archive_contents(captured["crawl"], seen=True),
        archive_contents(db, seen=True),
    )
    assert sorted(imported) == sorted(crawled)
    mismatches = [
        (url, column)
        for url, row in crawled.items()
        for column, value in row.items()
        if imported[url][column] != value
    ]
    assert mismatches == []


def test_wacz_export_of_a_crawl_validates_and_pywb_takes_it(captured, tmp_path):
    """`warta export --format wacz` of a captured crawl: `wacz validate` passes, and
    pywb's wb-manager unpacks it with every packaged page in its index."""
    out = tmp_path / "evidence.wacz"
    result = run_warta("export", "--source", "tribunjogja", "-o", str(out), db=captured["crawl"])
    assert result.returncode == 0, result.stderr
    with Archive(captured["crawl"], readonly=True) as archive:
        urls = {row["url"] for row in archive.articles() if row["source"] == "tribunjogja"}
    with zipfile.ZipFile(out) as zf:
        lines = zf.read("pages/pages.jsonl").decode().splitlines()[1:]
    assert {json.loads(line)["url"] for line in lines} == urls
    check = {"capture_output": True, "text": True, "timeout": 300, "cwd": tmp_path}
    valid = subprocess.run([pywb_program("wacz"), "validate", "-f", str(out)], **check)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    manager = pywb_program("wb-manager")
    assert subprocess.run([manager, "init", "evidence"], **check).returncode == 0
    added = subprocess.run([manager, "add", "--unpack-wacz", "evidence", str(out)], **check)
    assert added.returncode == 0, added.stderr
    index = (tmp_path / "collections/evidence/indexes/index.cdxj").read_text()
    indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in index.splitlines()}
    assert urls <= indexed  # every article's first page (continuation pages too)


# -- pointers into the archive's own WARC folder ------------------------------------------


def source_members(warc: Path) -> dict[str, bytes]:
    """Each record's gzip member in a gzip-per-record file, by WARC-Record-ID."""
    data = warc.read_bytes()
    members = {}
    with warc.open("rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            records.read_to_end(record)
            start, length = records.get_record_offset(), records.get_record_length()
            members[record_id] = data[start : start + length]
    return members


def all_pointers(db: Path) -> list[WarcPointer | None]:
    with Archive(db, readonly=True) as archive:
        return [p for row in archive.articles() for p in archive.warc_pointers(row["id"])]


def folder_state(folder: Path) -> list[tuple[str, int]]:
    return sorted((path.name, path.stat().st_size) for path in folder.iterdir())


def test_import_points_into_the_archives_warc_folder_at_byte_copies(captured):
    """The imported pages' records (response and request) are copied byte for byte into
    new files of the archive's WARC folder, each once, and every raw page points there."""
    folder = default_warc_dir(captured["imported"])
    files = sorted(folder.iterdir())
    assert files and all(WARC_NAME.fullmatch(path.name) for path in files)  # none left .open
    pointers = all_pointers(captured["imported"])
    assert pointers and None not in pointers  # no html in SQLite
    originals = source_members(captured["warc"])
    copies = {rid: m for path in files for rid, m in source_members(path).items()}
    assert len(copies) == 2 * len({p.record_id for p in pointers})  # each used pair, once
    for pointer in pointers:
        data = (folder / pointer.file).read_bytes()
        member = data[pointer.offset : pointer.offset + pointer.length]
        assert member == originals[pointer.record_id]  # the very bytes: same id and digest
        assert read_record(folder, pointer).rec_headers.get_header("WARC-Payload-Digest") == (
            pointer.digest
        )
        request = read_record_after(data, pointer)  # its request record, copied beside it
        assert request.rec_type == "request"
        assert request.rec_headers.get_header("WARC-Concurrent-To") == pointer.record_id
    for path in files:
        check = subprocess.run([WARCIO, "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


WARC_NAME = re.compile(r"warta-\d{14}-\d{5}-[^-/]+\.warc\.gz")
WARCIO = str(Path(sys.executable).with_name("warcio"))


def read_record_after(data: bytes, pointer: WarcPointer) -> Any:
    """The record that follows a pointer's record in a file's bytes."""
    records = ArchiveIterator(io.BytesIO(data[pointer.offset + pointer.length :]))
    return next(iter(records))


def test_an_uncompressed_warc_is_copied_as_gzip_members(tmp_path):
    """An uncompressed source file: each kept record is copied as one gzip member of its
    unchanged bytes, and the raw page reads back through it."""
    url = "https://news.example.org/2025/11/07/banjir"
    warc = tmp_path / "source.warc"  # not plain.warc: the WARC folder of plain.db
    write_records(warc, [(url, HTML, news_page("Banjir Bantul", 5))], gzip_members=False)
    db = tmp_path / "plain.db"
    result = run_warta("import", "--any-site", str(warc), db=db)
    assert result.returncode == 0 and "1 new" in result.stdout, result.stdout + result.stderr
    [pointer] = all_pointers(db)
    assert pointer is not None
    folder = default_warc_dir(db)
    member = (folder / pointer.file).read_bytes()[pointer.offset : pointer.offset + pointer.length]
    assert warc.read_bytes().startswith(gzip.decompress(member))  # its bytes, unchanged
    with Archive(db, readonly=True) as archive:
        [row] = archive.articles()
        assert archive.raw_html(row["id"]) == [news_page("Banjir Bantul", 5)]


def test_import_with_warc_dir_and_reparse_and_history_find_it(captured, tmp_path):
    """`--warc-dir` elsewhere: import copies there; reparse and history read there with
    their own --warc-dir; without it reparse stops and history warns, in one line
    naming the missing file."""
    db, folder = tmp_path / "elsewhere.db", tmp_path / "records"
    result = run_warta("import", "--warc-dir", str(folder), str(captured["warc"]), db=db)
    assert result.returncode == 0, result.stderr
    assert any(folder.glob("*.warc.gz")) and not default_warc_dir(db).exists()
    reparsed = run_warta("reparse", "--warc-dir", str(folder), db=db)
    assert reparsed.returncode == 0, reparsed.stderr
    assert " 0 changed" in reparsed.stdout and "0 failed" in reparsed.stdout, reparsed.stdout
    lost = run_warta("reparse", db=db)  # looks beside the .db, where nothing is
    assert lost.returncode == 1 and "Traceback" not in lost.stderr
    [line] = lost.stderr.strip().splitlines()
    assert "is missing from" in line and str(default_warc_dir(db)) in line
    with Archive(db, readonly=True) as archive:
        url = archive.articles()[0]["url"]
    shown = run_warta("history", "--warc-dir", str(folder), url, db=db)
    assert shown.returncode == 0 and "warc <urn:uuid:" in shown.stdout, shown.stderr
    assert not shown.stderr.strip()
    missing = run_warta("history", url, db=db)  # the versions still show, with one warning
    assert missing.returncode == 0 and missing.stdout == shown.stdout
    [line] = missing.stderr.strip().splitlines()
    assert line.startswith("warning: WARC file ") and "is missing from" in line


def test_a_killed_import_leaves_no_pointer_to_a_missing_or_torn_record(captured, tmp_path):
    """SIGKILL an import once it has committed rows: every committed pointer reads its
    whole record (copies are fsynced before each commit); a second import repairs the
    torn file and ends with the archive an uninterrupted import gives."""
    db = tmp_path / "killed.db"
    # small batches: the first commit comes long before the end, however fast the machine
    command = [sys.executable, "-m", "warta", "import", "--jobs", "1", "--batch", "5"]
    command.append(str(captured["warc"]))
    process = subprocess.Popen([*command, "--db", str(db)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not committed_rows(db) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        process.kill()
        process.wait()
    rows = committed_rows(db)
    assert 0 < rows < len(archive_contents(captured["imported"]))  # killed mid-import
    folder = default_warc_dir(db)
    pointers = all_pointers(db)
    assert len(pointers) >= rows and None not in pointers
    for pointer in pointers:  # read_record checks the length, the gzip and the record id
        read_record(folder, pointer)
    again = run_warta("import", str(captured["warc"]), db=db)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not list(folder.glob("*.open"))
    assert archive_contents(db, seen=True) == archive_contents(captured["imported"], seen=True)


def committed_rows(db: Path) -> int:
    """Articles committed so far (0 while the archive is not even created)."""
    if not db.exists():
        return 0
    try:
        with Archive(db, readonly=True) as archive:
            return archive.count()
    except Exception:  # created but not yet migrated
        return 0


def test_import_of_two_crawls_with_revisits_gives_their_seen_times(captured, tmp_path):
    """A re-crawl of unchanged pages writes revisit records; importing both runs' files
    reads each revisit as its original record, and gives the re-crawled archive back,
    its last_seen_at (the re-crawl's WARC-Date) included."""
    crawled = tmp_path / "twice.db"
    crawled.write_bytes(captured["crawl"].read_bytes())
    shutil.copytree(default_warc_dir(captured["crawl"]), default_warc_dir(crawled))
    server = captured["server"]
    again = run_warta("crawl", "--replica", server.base_url, "--refresh", db=crawled)
    assert again.returncode == 0, again.stdout + again.stderr
    files = sorted(default_warc_dir(crawled).glob("*.warc.gz"))
    revisits = [r for path in files for r in records_of(path) if r == "revisit"]
    assert revisits  # the re-crawl's unchanged pages
    db = tmp_path / "both.db"
    result = run_warta("import", *map(str, files), db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    expected, imported = archive_contents(crawled, seen=True), archive_contents(db, seen=True)
    assert sorted(imported) == sorted(expected)
    mismatches = [
        (url, column, imported[url][column], value)
        for url, row in expected.items()
        for column, value in row.items()
        if imported[url][column] != value
    ]
    assert mismatches == []
    assert any(row["last_seen_at"] != row["first_seen_at"] for row in imported.values())


def records_of(path: Path) -> list[str]:
    """The type of each record of a file."""
    with path.open("rb") as handle:
        return [record.rec_type for record in ArchiveIterator(handle)]


def test_workers_stem_and_sign_for_the_writing_process(captured, tmp_path, monkeypatch):
    """With worker processes, the process that writes the archive takes the articles'
    stems and near-duplicate signatures from the workers instead of computing them
    again (stemming is about half of an article's cost), and the archive is the same."""
    from crawler.sources import load_sources
    from storage import neardup, stemming

    calls = {"stem": 0, "minhash": 0}  # counted in this process: the workers fork a copy
    real_stem, real_minhash = stemming._stem, neardup._minhash

    def counting_stem(word: str) -> str:
        calls["stem"] += 1
        return real_stem(word)

    def counting_minhash(*args: Any, **kwargs: Any) -> Any:
        calls["minhash"] += 1
        return real_minhash(*args, **kwargs)

    monkeypatch.setattr(stemming, "_stem", counting_stem)
    monkeypatch.setattr(neardup, "_minhash", counting_minhash)
    monkeypatch.setattr(stemming, "_stems", stemming._StemCache())  # a cold cache, as at start
    with Archive(tmp_path / "jobs.db") as archive:
        report = import_warcs(archive, [captured["warc"]], sources=load_sources(), jobs=2)
    assert report.outcomes["new"] > 50
    assert calls["minhash"] == 0  # every signature made by a worker
    assert calls["stem"] < report.outcomes["new"]  # not even a word per article
    assert archive_contents(tmp_path / "jobs.db") == archive_contents(captured["imported"])


def test_copies_roll_over_to_new_files_at_the_size_given(tmp_path):
    """`--warc-max-bytes`: the copies go into as many files as the size asks, each named
    as a crawl's, closed (no `.open` left), and every page reads through its pointer."""
    warc = tmp_path / "three.warc.gz"
    titles = ["Banjir Bantul", "Jalan Rusak", "Pasar Baru"]
    write_records(
        warc,
        [
            (f"https://news.example.org/2025/11/07/{n}", HTML, news_page(t, 5))
            for n, t in enumerate(titles)
        ],
    )
    db = tmp_path / "rolled.db"
    result = run_warta("import", "--any-site", "--warc-max-bytes", "1", str(warc), db=db)
    assert result.returncode == 0 and "3 new" in result.stdout, result.stdout + result.stderr
    files = sorted(default_warc_dir(db).iterdir())
    assert len(files) == 3 and all(WARC_NAME.fullmatch(path.name) for path in files)
    assert len({pointer.file for pointer in all_pointers(db)}) == 3
    with Archive(db, readonly=True) as archive:
        bodies = [archive.raw_html(row["id"]) for row in archive.articles()]
    assert sorted(bodies) == sorted([news_page(t, 5)] for t in titles)


# Worker processes of pass 1 run this (a module function: pickled by name), noting
# their process ids: the test below checks that pass 1 ran in them.
_REAL_INDEX_IN_WORKER: list[Any] = []  # warta.importing's own, while the test patches it


def _recording_index_in_worker(path: Path, hosts: tuple[str, ...]) -> Any:
    with (path.parent / "indexed-by").open("a") as note:
        note.write(f"{os.getpid()}\n")
    return _REAL_INDEX_IN_WORKER[0](path, hosts)


def test_files_indexed_by_workers_give_the_archive_and_report_of_one_process(
    captured, tmp_path, monkeypatch
):
    """With several files and jobs > 1, pass 1 indexes the files in worker processes and
    merges their indexes in the files' order: the archive and every count of the report
    are those of one process reading the files one after the other (a request record
    in one file still goes with its response in the next)."""
    from crawler.sources import load_sources
    from warta import importing

    folder = tmp_path / "split"
    folder.mkdir()
    files = split_warc(captured["warc"], folder, parts=3)
    reports = {}
    for jobs in (1, 2):
        with Archive(tmp_path / f"jobs{jobs}.db") as archive:
            if jobs == 2:
                _REAL_INDEX_IN_WORKER[:] = [importing._index_in_worker]
                monkeypatch.setattr(importing, "_index_in_worker", _recording_index_in_worker)
            reports[jobs] = import_warcs(archive, files, sources=load_sources(), jobs=jobs)
    pids = (folder / "indexed-by").read_text().split()
    assert len(pids) == len(files) and str(os.getpid()) not in pids
    one, two = reports[1], reports[2]
    assert (one.files, one.records, one.pages, one.articles, one.copied) == (
        two.files,
        two.records,
        two.pages,
        two.articles,
        two.copied,
    )
    assert one.outcomes == two.outcomes and one.skipped == two.skipped
    assert one.outcomes["new"] > 50
    assert archive_contents(tmp_path / "jobs2.db") == archive_contents(captured["imported"])
    assert archive_contents(tmp_path / "jobs1.db") == archive_contents(tmp_path / "jobs2.db")


def split_warc(warc: Path, folder: Path, parts: int) -> list[Path]:
    """The file's records (gzip members) copied byte for byte into `parts` files, in order."""
    with warc.open("rb") as handle:
        records = ArchiveIterator(handle)
        starts = [records.get_record_offset() for _ in records]
    data = warc.read_bytes()
    count = len(starts)
    starts.append(len(data))
    per_part = -(-count // parts)
    files = []
    for part in range(parts):
        first, last = part * per_part, min((part + 1) * per_part, count)
        path = folder / f"part-{part}.warc.gz"
        path.write_bytes(data[starts[first] : starts[last]])
        files.append(path)
    return files
