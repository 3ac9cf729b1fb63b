"""WACZ packages: chosen WARC records of replica pages, validated by py-wacz and
accepted by pywb, and bad records refused without leaving a file behind.

`wacz` and `wb-manager` run from the pywb virtual environment (`warta replay --setup`,
which .ci/run calls): their pins do not fit warta's own environment.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from storage.wacz import Page, RecordRef, WaczError, write_wacz
from tests.conftest import run_warta
from tests.replica_warc import capture, free_port, get, pywb_program, stamp

ARTICLES = 3


@pytest.fixture(scope="module")
def captured(replica_server, small_site, tmp_path_factory):
    urls = [article.url for article in small_site.articles[: ARTICLES + 1]]
    warc = tmp_path_factory.mktemp("warc") / "warta-20261201000000-00000-test.warc.gz"
    return capture(replica_server.base_url, urls, warc)


def package(captured, out: Path) -> int:
    chosen = captured[:ARTICLES]  # not the last one: the package holds what is chosen
    records = [RecordRef(c.path, c.offset, c.length) for c in chosen]
    records.append(records[0])  # the same record twice is packaged once
    pages = [Page(c.url, c.date, f"Title {i}", f"Text {i}") for i, c in enumerate(chosen)]
    return write_wacz(out, records, pages, "test export")


def test_package_holds_the_chosen_records_pages_and_digests(captured, tmp_path):
    out = tmp_path / "x.wacz"
    assert package(captured, out) == ARTICLES
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert names == {
            "archive/data.warc.gz",
            "indexes/index.cdx.gz",
            "pages/pages.jsonl",
            "datapackage.json",
            "datapackage-digest.json",
        }
        assert zf.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        lines = zf.read("pages/pages.jsonl").decode().splitlines()
        header = json.loads(lines[0])
        assert header["format"] == "json-pages-1.0" and header["title"] == "test export"
        assert [json.loads(line)["url"] for line in lines[1:]] == [
            c.url for c in captured[:ARTICLES]
        ]
        index = gzip.decompress(zf.read("indexes/index.cdx.gz")).decode().splitlines()
        indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in index}
        assert indexed == {c.url for c in captured[:ARTICLES]}
        package_json = json.loads(zf.read("datapackage.json"))
        sizes = {r["path"]: r["bytes"] for r in package_json["resources"]}
        assert sizes["archive/data.warc.gz"] == sum(c.length for c in captured[:ARTICLES])
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"].startswith("sha256:")


def test_wacz_validate_passes(captured, tmp_path):
    out = tmp_path / "x.wacz"
    package(captured, out)
    result = subprocess.run(
        [pywb_program("wacz"), "validate", "-f", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # a tampered package fails the same check: the check is real
    broken = tmp_path / "broken.wacz"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "pages/pages.jsonl":
                data += b'{"url": "http://x/", "ts": "2026-01-01T00:00:00Z"}\n'
            dst.writestr(item, data)
    result = subprocess.run(
        [pywb_program("wacz"), "validate", "-f", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0


def test_pywb_unpacks_it(captured, tmp_path):
    out = tmp_path / "x.wacz"
    package(captured, out)
    manager = pywb_program("wb-manager")
    run = {"cwd": tmp_path, "capture_output": True, "text": True, "timeout": 120}
    assert subprocess.run([manager, "init", "evidence"], **run).returncode == 0
    added = subprocess.run([manager, "add", "--unpack-wacz", "evidence", str(out)], **run)
    assert added.returncode == 0, added.stderr
    index = (tmp_path / "collections/evidence/indexes/index.cdxj").read_text()
    assert {json.loads(line.split(" ", 2)[2])["url"] for line in index.splitlines()} == {
        c.url for c in captured[:ARTICLES]
    }
    warcs = list((tmp_path / "collections/evidence/archive").glob("*.warc.gz"))
    assert len(warcs) == 1
    # and replays it: each packaged page's bytes as fetched
    port = free_port()
    wayback = subprocess.Popen(
        [pywb_program("wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            status, _body = get(f"http://127.0.0.1:{port}/")
            if status == 200:
                break
            time.sleep(0.2)
        for page in captured[:ARTICLES]:
            url = f"http://127.0.0.1:{port}/evidence/{stamp(page.date)}id_/{page.url}"
            assert get(url) == (200, page.body)
    finally:
        wayback.terminate()
        wayback.wait(timeout=30)


def test_a_torn_record_is_refused_and_nothing_is_written(captured, tmp_path):
    first = captured[0]
    out = tmp_path / "x.wacz"
    torn = RecordRef(first.path, first.offset, first.length - 10)
    with pytest.raises(WaczError, match="not one whole gzip WARC record"):
        write_wacz(out, [torn], [], "t")
    shifted = RecordRef(first.path, first.offset + 1, first.length)
    with pytest.raises(WaczError, match="not a gzip WARC record"):
        write_wacz(out, [shifted], [], "t")
    past_end = RecordRef(first.path, first.path.stat().st_size - 5, 100)
    with pytest.raises(WaczError, match="cut short"):
        write_wacz(out, [past_end], [], "t")
    with pytest.raises(WaczError, match="no WARC records"):
        write_wacz(out, [], [], "t")
    assert list(tmp_path.iterdir()) == []


def archive_with_pointers(captured, db: Path) -> None:
    """An archive whose raw pages point into the WARC file, as after capture.

    The pointer columns come from the capture branch's migration (warc-contract.md);
    where it has not run, this adds them as it does."""
    import sqlite3
    from datetime import UTC, datetime

    from benchmarks.archive_builder import generated_rows
    from crawler.items import FetchedPage
    from storage import Archive

    rows = list(generated_rows(len(captured) + 1, seed=3))
    with Archive(db) as archive:
        archive.claim_origin("replica")
        for i, row in enumerate(rows):
            url = captured[i].url if i < len(captured) else "https://jogja.example/old"
            row.update(url=url, source="tribunjogja" if i % 2 == 0 else "harianjogja")
            page = FetchedPage(url, 200, {}, b"<html>x</html>", datetime.now(UTC))
            archive.store(row, pages=[page])
    conn = sqlite3.connect(db)
    with conn:
        have = {row[1] for row in conn.execute("PRAGMA table_info(raw_pages)")}
        for column in ("warc_file TEXT", "warc_offset INTEGER", "warc_length INTEGER"):
            if column.split()[0] not in have:
                conn.execute(f"ALTER TABLE raw_pages ADD COLUMN {column}")
        for c in captured:
            conn.execute(
                "UPDATE raw_pages SET warc_file = ?, warc_offset = ?, warc_length = ? "
                "WHERE url = ?",
                (c.path.name, c.offset, c.length, c.url),
            )
    conn.close()


def test_export_format_wacz_packages_the_selected_articles(captured, tmp_path):
    db = tmp_path / "warta.db"
    archive_with_pointers(captured, db)
    out = tmp_path / "evidence.wacz"
    warc_dir = captured[0].path.parent
    args = ("export", "--source", "tribunjogja", "--warc-dir", str(warc_dir), "-o", str(out))
    result = run_warta(*args, db=db)
    assert result.returncode == 0, result.stderr
    chosen = [c for i, c in enumerate(captured) if i % 2 == 0]  # tribunjogja's
    # the article stored before capture (index 4, tribunjogja) has no record: said, left out
    assert "1 selected articles have no WARC record" in result.stderr
    with zipfile.ZipFile(out) as zf:
        lines = zf.read("pages/pages.jsonl").decode().splitlines()[1:]
        assert [json.loads(line)["url"] for line in lines] == [c.url for c in chosen]
        warc = zf.read("archive/data.warc.gz")
    assert warc == b"".join(c.path.read_bytes()[c.offset : c.offset + c.length] for c in chosen)
    result = run_warta("export", "--source", "harianjogja", "-o", str(tmp_path / "y.wacz"), db=db)
    assert result.returncode == 1  # the default folder (beside warta.db) holds no WARC files
    assert "cannot package" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "y.wacz").exists()


def test_export_wacz_without_captured_pages_is_one_line(tmp_path):
    from benchmarks.archive_builder import generated_rows
    from storage import Archive

    db = tmp_path / "warta.db"
    with Archive(db) as archive:
        archive.claim_origin("replica")
        for row in generated_rows(2, seed=1):
            archive.store(row, pages=[])
    result = run_warta("export", "-o", str(tmp_path / "x.wacz"), db=db)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: no WARC records to package: the 2 selected articles were archived without capture"
    ]
    result = run_warta("export", "--source", "detikjogja", "-o", str(tmp_path / "x.wacz"), db=db)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: nothing to package: no article matches"
    result = run_warta("export", "--format", "wacz", "-o", "-", db=db)
    assert result.returncode == 1 and "WACZ cannot go to standard output" in result.stderr
