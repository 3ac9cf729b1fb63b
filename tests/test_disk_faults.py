"""A full disk or a read-only archive: `warta crawl` stops with one clear line, exits
non-zero, marks its runs failed where it still can, and leaves the archive whole.

The faults are real: a small tmpfs that the crawl fills up (SQLITE_FULL, "database
or disk is full"), and a read-only bind mount of the archive's folder. Mounting
needs root (as here and in CI); without it the disk-full test caps the archive
with SQLite's max_page_count instead, and the read-only test is skipped.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.kill_stress import check_archive
from storage.archive import Archive
from storage.warc import default_warc_dir
from tests.conftest import REPO, run_warta

# Run `warta` with every SQLite connection capped at N pages: the fallback when no
# small filesystem can be mounted (a real SQLITE_FULL, from a limit instead of a disk).
CAPPED_WARTA = """
import sqlite3, sys
pages = int(sys.argv.pop(1))
connect = sqlite3.connect
def capped(*args, **kwargs):
    conn = connect(*args, **kwargs)
    conn.execute(f"PRAGMA max_page_count = {pages}")
    return conn
sqlite3.connect = capped
from warta.cli import main
sys.argv[0] = "warta"
main()
"""


def mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """A 32 MiB tmpfs of its own, or None where mounting is not permitted."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0 or not mount("-t", "tmpfs", "-o", "size=32m", "tmpfs", str(folder)):
        yield None
        return
    try:
        yield folder
    finally:
        unmount(folder)


def fill(folder: Path, leave: int) -> Path:
    """Fill the filesystem up to `leave` free bytes; the filler file is returned."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    filler = folder / "filler"
    with filler.open("wb") as out:
        out.truncate(0)
        out.write(b"\0" * max(free - leave, 0))
    return filler


def rows(db: Path) -> dict[str, tuple]:
    with Archive(db, readonly=True) as archive:
        return {
            r["url"]: (r["title"], r["body"], r["published_at"])
            for r in archive.db.query("SELECT url, title, body, published_at FROM articles")
        }


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0]


def test_disk_full_stops_the_crawl_cleanly_and_a_later_crawl_completes(
    small_disk, tmp_path, crawl_server, crawl_site
):
    db = (small_disk or tmp_path) / "warta.db"
    first = run_warta("crawl", "tribunjogja", "--replica", crawl_server.base_url, db=db)
    assert first.returncode == 0, first.stderr
    before = rows(db)
    assert before

    if small_disk is not None:
        filler = fill(small_disk, leave=256 * 1024)
        full = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    else:
        with Archive(db, readonly=True) as archive:
            pages = archive.conn.execute("PRAGMA page_count").fetchone()[0]
        full = subprocess.run(
            [sys.executable, "-c", CAPPED_WARTA, str(pages + 40), "crawl"]
            + ["--replica", crawl_server.base_url, "--db", str(db)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
    error = one_line_error(full)
    # the WARC files beside the archive (#15) may be what fills the disk first
    full_disk = ("database or disk is full", "No space left on device")
    assert error.startswith(
        (
            f"Error: cannot write to archive {db}: database or disk is full",
            f"Error: cannot write WARC records to {default_warc_dir(db)}: [Errno 28] No space",
        )
    ), error
    assert "the crawl stopped" in error

    # nothing half-written: every article whole, indexed, with its pages; the old ones intact
    problems, counts = check_archive(db)
    # a run or lock the full disk kept from being closed is the next crawl's to close
    assert [p for p in problems if "left 'running'" not in p and "locks left" not in p] == []
    assert counts["fts_rows"] == counts["articles"] < len(crawl_site.articles)
    after = rows(db)
    assert {url: after.get(url) for url in before} == before
    with Archive(db, readonly=True) as archive:
        runs = archive.runs.latest(limit=6)
    # a source that finished before the disk filled up is ok; the others failed, and say why
    failed = [r for r in runs if r["status"] != "ok"]
    assert failed
    if "could not be marked failed" not in error:
        assert all(r["status"] == "failed" for r in failed), failed
        assert all(any(f in r["message"] for f in full_disk) for r in failed), failed

    # room again: the next crawl closes any run left open and archives everything
    if small_disk is not None:
        filler.unlink()
    again = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    assert again.returncode == 0, again.stdout + again.stderr
    problems, counts = check_archive(db)
    assert problems == []
    assert counts["articles"] == len(crawl_site.articles)


@pytest.fixture
def read_only_folder(tmp_path):
    """(writable folder, the same folder mounted read-only), or skip without mounts."""
    writable, frozen = tmp_path / "rw", tmp_path / "ro"
    writable.mkdir()
    frozen.mkdir()
    if os.geteuid() != 0 or not mount("--bind", str(writable), str(frozen)):
        pytest.skip("needs root to bind-mount a folder read-only")
    try:
        if not mount("-o", "remount,bind,ro", str(frozen)):
            pytest.skip("cannot remount a bind mount read-only here")
        yield writable, frozen
    finally:
        unmount(frozen)


def test_read_only_archive_is_refused_before_crawling(read_only_folder, crawl_server):
    writable, frozen = read_only_folder
    first = run_warta(
        "crawl", "tribunjogja", "--replica", crawl_server.base_url, db=writable / "warta.db"
    )
    assert first.returncode == 0, first.stderr
    db = frozen / "warta.db"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    before = rows(db)
    crawl_server.requests.clear()

    result = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    error = one_line_error(result)
    assert error == f"Error: cannot write to archive {db}: read-only file system"
    # refused before any request: nothing fetched, nothing written (no run can be recorded)
    assert not [r for r in crawl_server.requests if r[1] != "/_replica/meta"]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert rows(db) == before
    # researchers still read it
    found = run_warta("search", "warga", "--count", db=db)
    assert found.returncode == 0 and int(found.stdout) > 0, found.stderr
