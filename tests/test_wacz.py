"""WACZ packages: chosen WARC records of replica pages, validated by py-wacz and
accepted by pywb, and bad records refused without leaving a file behind.

`wacz` and `wb-manager` run from the pywb virtual environment (`warta replay --setup`,
which .ci/run calls): their pins do not fit warta's own environment.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from storage.wacz import Page, RecordRef, WaczError, write_wacz
from tests.replica_warc import capture
from warta.replay import pywb_tool

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
        [str(pywb_tool("wacz")), "validate", "-f", str(out)],
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
        [str(pywb_tool("wacz")), "validate", "-f", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0


def test_pywb_unpacks_it(captured, tmp_path):
    out = tmp_path / "x.wacz"
    package(captured, out)
    manager = str(pywb_tool("wb-manager"))
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
