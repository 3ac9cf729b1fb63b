"""Replica articles never mix with real ones.

The replica serves synthetic articles under the outlets' real URLs: once in an
archive they look real. So `warta demo` writes its own archive (./warta-demo.db,
whatever $WARTA_DB says), every archive records whether its crawls were of the
replica or of the real outlets (storage/origin.py), and a crawl of the other
kind is refused with one line before anything is fetched or written.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.archive import Archive
from tests.conftest import REPO, run_warta
from tests.test_archive import row
from tests.test_sources_config import GOOD, write


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def real_archive(path: Path, *, marked: bool = True) -> Path:
    """An archive of real crawls: marked as such, or from before the mark existed."""
    with Archive(path) as archive:
        archive.store(row(url="https://jogja.tribunnews.com/2025/11/07/real-story"))
        if marked:
            archive.claim_origin("real")
    return path


def test_demo_writes_its_own_archive_never_warta_db(tmp_path):
    prod = real_archive(tmp_path / "prod.db")
    before = digest(prod)
    result = subprocess.run(
        [sys.executable, "-m", "warta", "demo", "--articles", "30"],
        cwd=tmp_path,
        env={**os.environ, "WARTA_DB": str(prod), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert digest(prod) == before
    demo = tmp_path / "warta-demo.db"
    with Archive(demo, readonly=True) as archive:
        assert archive.count() > 0
        assert archive.origin() == "replica"
    listing = run_warta("runs", db=demo, timeout=60)
    assert "replica crawls (synthetic articles" in listing.stderr
    assert listing.stdout.splitlines()[0].split()[:2] == ["run", "started"]


@pytest.mark.parametrize("marked", [True, False], ids=["marked real", "crawled before marks"])
def test_a_replica_crawl_never_writes_into_an_archive_of_real_crawls(
    tmp_path, crawl_server, marked
):
    prod = real_archive(tmp_path / "prod.db", marked=marked)
    before = digest(prod)
    crawl_server.requests.clear()
    result = run_warta("crawl", "--replica", crawl_server.base_url, db=prod, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "replica crawls and `warta demo`" in lines[0], result.stderr
    assert digest(prod) == before
    assert not [r for r in crawl_server.requests if r[1] != "/_replica/meta"]


def test_the_demo_refuses_an_archive_of_real_crawls_given_as_db(tmp_path):
    prod = real_archive(tmp_path / "prod.db")
    before = digest(prod)
    result = run_warta("demo", "--articles", "20", db=prod, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {prod} holds real crawls")
    assert digest(prod) == before


def test_a_real_crawl_never_writes_into_a_replica_archive(tmp_path):
    db = tmp_path / "demo.db"
    with Archive(db) as archive:
        archive.claim_origin("replica")
        archive.store(row(url="https://one.example/2025/11/07/synthetic"))
    before = digest(db)
    config = write(tmp_path, GOOD)
    result = run_warta(
        "crawl",
        "--sources",
        str(config),
        "-s",
        "DOWNLOAD_TIMEOUT=2",
        "-s",
        "RETRY_TIMES=0",
        db=db,
        timeout=120,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "holds synthetic articles" in lines[0], result.stderr
    assert digest(db) == before


def test_replica_crawls_mark_a_new_archive_and_may_continue_it(tmp_path, crawl_server):
    db = tmp_path / "replica.db"
    for _ in range(2):
        result = run_warta(
            "crawl", "harianjogja", "--replica", crawl_server.base_url, db=db, timeout=120
        )
        assert result.returncode == 0, result.stderr
    with Archive(db, readonly=True) as archive:
        assert archive.origin() == "replica"
        assert len(archive.runs.latest()) == 2
