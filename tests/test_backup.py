"""`warta backup`: a whole, checked copy of a live archive; `cp` is not one.

The main test backs up while a real crawl of the replica writes into the archive
and a reader holds a read transaction open (which keeps SQLite from moving the
write-ahead log back into the main file, so a `cp` of the file lacks most of
what was crawled). Every backup taken must be a consistent, checked archive;
the last, taken after the crawl, must hold every article.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.archive import Archive
from storage.backup import BackupError, backup
from storage.warc import default_warc_dir
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process
from tests.test_archive import row
from tests.test_cli_bad_input import one_line_error


def articles_in(db: Path) -> int:
    with Archive(db, readonly=True) as archive:
        return archive.count()


def test_backup_during_a_crawl_with_a_reader_holding_the_archive_open(tmp_path, crawl_server):
    db = tmp_path / "warta.db"
    with Archive(db):
        pass  # created, so the reader can open it before the crawl writes
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM articles").fetchone()  # a read snapshot held open
    crawl = subprocess.Popen(
        [sys.executable, "-m", "warta", "crawl", "--replica", crawl_server.base_url]
        + ["--db", str(db), "--progress", "0"]
        # throttled, so that backups are taken while it runs even on a quick machine
        + ["-s", "DOWNLOAD_DELAY=0.2", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    during = []
    try:
        deadline = time.monotonic() + 120
        while crawl.poll() is None and time.monotonic() < deadline:
            if _count_now(db) > 0:
                dest = tmp_path / f"during-{len(during)}.db"
                report = backup(db, dest)
                still_running = crawl.poll() is None
                during.append((report.articles, still_running))
                assert articles_in(dest) == report.articles
                assert not Path(f"{dest}-wal").exists()  # one self-contained file
            time.sleep(0.2)
        _, stderr = crawl.communicate(timeout=120)
        assert crawl.returncode == 0, stderr
        # with the reader still holding its snapshot: the crawl is all in the -wal file
        copied = tmp_path / "cp.db"
        shutil.copyfile(db, copied)
        final = backup(db, tmp_path / "final.db")
        again = backup(db, tmp_path / "final.db", overwrite=True)
    finally:
        if crawl.poll() is None:
            crawl.kill()
        reader.execute("COMMIT")
        reader.close()
    total = _count_now(db)
    assert total > 50
    assert [n for n, running in during if running], "no backup was taken while the crawl ran"
    assert all(0 < n <= total for n, _ in during)
    assert final.articles == total == articles_in(tmp_path / "final.db")
    assert _count_now(copied) < total  # what `cp` would have kept: documented, not used
    # the raw pages are WARC records: the copy has its own WARC folder, whole
    assert final.warc_files > 0 and final.warc_copied == final.warc_files
    assert again.warc_copied == 0  # closed WARC files are not copied twice
    with Archive(db, readonly=True) as archive:
        raw = {r["url"]: archive.raw_html(r["id"]) for r in archive.articles()}
    shutil.rmtree(default_warc_dir(db))  # the copy needs nothing of the original
    with Archive(tmp_path / "final.db", readonly=True) as archive:
        assert {r["url"]: archive.raw_html(r["id"]) for r in archive.articles()} == raw


def _count_now(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


@pytest.fixture
def archive_db(tmp_path) -> Path:
    db = tmp_path / "warta.db"
    with Archive(db) as archive:
        for i in range(20):
            archive.store(row(url=f"https://a.example/{i}", body=f"Banjir di Sleman nomor {i}."))
    return db


def test_the_cli_backs_up_and_reports_the_checks(archive_db, tmp_path):
    dest = tmp_path / "backup.db"
    result = warta_in_process("backup", str(dest), db=archive_db, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"20 articles backed up to {dest}")
    assert "integrity_check ok" in result.stdout and "articles_fts_stem" in result.stdout
    found = warta_in_process("search", "banjir", "--count", db=dest, timeout=60)
    assert found.stdout.strip() == "20"


def test_an_existing_destination_is_kept_unless_overwrite(archive_db, tmp_path):
    from tests.test_cli_bad_input import invoke

    dest = tmp_path / "backup.db"
    dest.write_text("last week's backup\n")
    line = one_line_error(["backup", str(dest), "--db", str(archive_db)])
    assert line == f"Error: {dest} already exists (--overwrite replaces it)"
    assert dest.read_text() == "last week's backup\n"
    code, _, stderr = invoke(["backup", str(dest), "--overwrite", "--db", str(archive_db)])
    assert code == 0, stderr
    assert articles_in(dest) == 20
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("kind", ["the archive", "symlink", "device", "no folder"])
def test_destinations_that_are_not_a_new_or_regular_file_are_refused(archive_db, tmp_path, kind):
    dest = {
        "the archive": archive_db,
        "symlink": tmp_path / "link.db",
        "device": tmp_path / "null",
        "no folder": tmp_path / "nowhere" / "backup.db",
    }[kind]
    if kind == "symlink":
        dest.symlink_to(tmp_path / "elsewhere.db")
    if kind == "device":
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(dest, 0o20666, os.makedev(1, 3))
    before = sorted(p.name for p in tmp_path.iterdir())
    line = one_line_error(["backup", str(dest), "--overwrite", "--db", str(archive_db)])
    assert str(dest) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert articles_in(archive_db) == 20


def test_a_damaged_full_text_index_fails_the_backup_and_leaves_no_file(archive_db, tmp_path):
    conn = sqlite3.connect(archive_db)
    conn.execute("DELETE FROM articles_fts_stem_data WHERE id > 1")  # b-trees intact, FTS not
    conn.commit()
    conn.close()
    dest = tmp_path / "backup.db"
    with pytest.raises(BackupError, match="full-text index .*articles_fts_stem.* is damaged"):
        backup(archive_db, dest)
    assert not dest.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_damaged_archive_fails_the_backup_with_one_line(archive_db, tmp_path):
    size = archive_db.stat().st_size
    with archive_db.open("r+b") as file:
        for page in range(size // 4096 // 2, size // 4096 - 1):
            file.seek(page * 4096)
            file.write(b"\xa5" * 4096)
    dest = tmp_path / "backup.db"
    line = one_line_error(["backup", str(dest), "--db", str(archive_db)])
    assert "damaged" in line or "integrity_check" in line, line
    assert not dest.exists()


def test_a_missing_archive_is_one_line(tmp_path):
    line = one_line_error(["backup", str(tmp_path / "b.db"), "--db", str(tmp_path / "none.db")])
    assert "archive not found" in line
    assert list(tmp_path.iterdir()) == []


def test_a_backup_whose_warc_copy_lacks_a_record_fails(tmp_path, crawl_server):
    """The copy's pointers are checked against the copied WARC files: a record the copy
    points at that is not there (a WARC file cut short in the archive's folder) fails."""
    db = tmp_path / "warta.db"
    crawl = run_warta("crawl", "harianjogja", "--replica", crawl_server.base_url, db=db)
    assert crawl.returncode == 0, crawl.stderr
    for path in default_warc_dir(db).iterdir():
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # cut in half
    with pytest.raises(BackupError, match="points past the end"):
        backup(db, tmp_path / "copy.db")


def test_a_backup_checks_the_noted_captures_pointers_too(tmp_path, crawl_server):
    """The records noted for pages that are not articles' (sitemap, robots.txt: the
    revisit check's originals) must be in the copied WARC files as well."""
    db = tmp_path / "warta.db"
    crawl = run_warta("crawl", "harianjogja", "--replica", crawl_server.base_url, db=db)
    assert crawl.returncode == 0, crawl.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM warc_captures").fetchone()[0] > 0
        conn.execute("UPDATE warc_captures SET warc_offset = warc_offset + (1 << 40)")
    with pytest.raises(BackupError, match="points past the end"):
        backup(db, tmp_path / "copy.db")
