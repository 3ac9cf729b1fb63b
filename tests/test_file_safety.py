"""Nothing silently lost or overwritten: the files warta writes, and the ones it must not.

- `export -o PATH` writes only regular files: a device, FIFO, symlink or folder
  at PATH is refused with one line and left as it was.
- Write commands refuse another application's SQLite database, a write-protected
  (chmod 444) archive even as root, and a damaged archive (PRAGMA quick_check).
- Read commands create nothing: a refused file gets no `-wal`/`-shm` beside it,
  `scheduler --list` with a mistyped --db creates no archive and no job store, and
  an intact archive in a read-only folder is read.
- A damaged archive is one line naming the damage, for reads and writes alike.

docs/reliability.md and docs/reliability-input.md list these cases.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from storage.archive import Archive
from tests.conftest import REPO, run_warta
from tests.test_archive import row
from tests.test_cli_bad_input import NOWHERE, invoke, one_line_error

# -- export targets -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("good") / "warta.db"
    with Archive(db) as archive:
        for i in range(30):
            archive.store(row(url=f"https://a.example/{i}", body=f"Banjir di Sleman nomor {i}."))
    return db


def _special(tmp_path: Path, kind: str) -> Path:
    """A non-regular file of `kind` at tmp_path/target (and what it points at)."""
    target = tmp_path / "target.jsonl"
    if kind == "character device":
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # like /dev/null
    elif kind == "FIFO":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "elsewhere.txt").write_text("someone else's file\n")
        target.symlink_to(tmp_path / "elsewhere.txt")
    elif kind == "symlink to a device":
        target.symlink_to("/dev/null")
    elif kind == "folder":
        target.mkdir()
    return target


def _node(path: Path) -> tuple[int, int]:
    info = path.lstat()
    return stat.S_IFMT(info.st_mode), info.st_rdev


@pytest.mark.parametrize(
    "kind", ["character device", "FIFO", "symlink", "symlink to a device", "folder"]
)
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_refuses_a_target_that_is_not_a_regular_file(good_db, tmp_path, kind, fmt):
    target = _special(tmp_path, kind)
    before = _node(target)
    line = one_line_error(
        ["export", "banjir", "-o", str(target), "--format", fmt, "--db", str(good_db)]
    )
    assert str(target) in line, line
    assert "not a regular file" in line or "is a symbolic link" in line, line
    assert _node(target) == before  # still the same kind of node, not a plain file
    if kind == "symlink":
        assert (tmp_path / "elsewhere.txt").read_text() == "someone else's file\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_export_replaces_a_regular_file_and_leaves_no_partial(good_db, tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    code, _, stderr = invoke(["export", "banjir", "-o", str(target), "--db", str(good_db)])
    assert code == 0, stderr
    assert len(target.read_text().splitlines()) == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_export_to_stdout_still_works(good_db):
    code, stdout, stderr = invoke(["export", "banjir", "-o", "-", "--db", str(good_db)])
    assert code == 0, stderr
    assert len(stdout.splitlines()) == 30


# -- writing into the wrong file ------------------------------------------------------------


def _foreign_db(path: Path, wal: bool = False) -> Path:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.executemany("INSERT INTO invoices(total) VALUES (?)", [(i * 1.5,) for i in range(50)])
    conn.commit()
    conn.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "command",
    [
        ["crawl", *NOWHERE],
        ["scheduler", "--list"],
        ["reparse"],
    ],
    ids=["crawl", "scheduler --list", "reparse"],
)
def test_write_commands_refuse_another_applications_sqlite_file(tmp_path, command):
    db = _foreign_db(tmp_path / "app.db")
    before = _digest(db)
    line = one_line_error([*command, "--db", str(db)])
    assert "not a warta archive" in line or "no warta schema" in line, line
    assert _digest(db) == before  # no warta tables added, not switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_an_empty_sqlite_file_may_become_an_archive(tmp_path):
    db = tmp_path / "new.db"
    sqlite3.connect(db).close()  # a zero-byte file, as `touch` or sqlite3 leave it
    with Archive(db) as archive:
        archive.store(row())
        assert archive.count() == 1


def test_scheduler_list_with_a_mistyped_db_creates_nothing(tmp_path):
    typo = tmp_path / "wrata.db"
    line = one_line_error(["scheduler", "--list", "--db", str(typo)])
    assert "archive not found" in line
    assert list(tmp_path.iterdir()) == []  # neither an archive nor a job store


def test_scheduler_list_reads_a_job_store_without_writing_or_creating_one(good_db, tmp_path):
    from warta.scheduler import SchedulerConfig, new_scheduler, sync_jobs

    db = tmp_path / "warta.db"
    db.write_bytes(good_db.read_bytes())
    code, stdout, stderr = invoke(["scheduler", "--list", "--db", str(db)])
    assert code == 0, stderr
    assert "crawl:tribunjogja" in stdout and "(new)" in stdout
    assert not (tmp_path / "warta.db.jobs.db").exists()
    # a job store the daemon wrote: listed as it is, byte for byte untouched
    from crawler.sources import load_sources

    config = SchedulerConfig(db_path=str(db), jobs_path=f"{db}.jobs.db")
    scheduler = new_scheduler(config)
    scheduler.start(paused=True)
    sync_jobs(scheduler, load_sources(), config)
    scheduler.shutdown(wait=False)
    jobs = tmp_path / "warta.db.jobs.db"
    before = _digest(jobs)
    code, stdout, stderr = invoke(["scheduler", "--list", "--db", str(db)])
    assert code == 0, stderr
    assert "crawl:tribunjogja" in stdout and "(new)" not in stdout
    assert _digest(jobs) == before
    assert not Path(f"{jobs}-journal").exists() and not Path(f"{jobs}-wal").exists()


@pytest.mark.parametrize("command", [["search", "x"], ["stats"], ["runs"], ["health"]])
def test_read_commands_refusing_a_wal_mode_file_create_nothing_beside_it(tmp_path, command):
    db = _foreign_db(tmp_path / "app.db", wal=True)
    before = _digest(db)
    one_line_error([*command, "--db", str(db)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]  # no -wal, no -shm
    assert _digest(db) == before


def test_a_write_protected_archive_is_refused_even_as_root(good_db, tmp_path):
    db = tmp_path / "warta.db"
    db.write_bytes(good_db.read_bytes())
    db.chmod(0o444)
    before = _digest(db)
    for command in (["crawl", *NOWHERE], ["reparse"]):
        line = one_line_error([*command, "--db", str(db)])
        assert line == (
            f"Error: cannot write to archive {db}: the file is write-protected (mode 444); "
            "`chmod u+w` it to allow writes"
        )
    assert _digest(db) == before
    code, stdout, stderr = invoke(["search", "banjir", "--count", "--db", str(db)])
    assert code == 0 and stdout.strip() == "30", stderr  # still readable


def test_an_archive_in_a_read_only_folder_is_read(good_db, tmp_path):
    from tests.test_disk_faults import mount, unmount

    writable, frozen = tmp_path / "rw", tmp_path / "ro"
    writable.mkdir()
    frozen.mkdir()
    (writable / "warta.db").write_bytes(good_db.read_bytes())  # a copy: no -wal, no -shm
    if os.geteuid() != 0 or not mount("--bind", str(writable), str(frozen)):
        pytest.skip("needs root to bind-mount a folder read-only")
    try:
        if not mount("-o", "remount,bind,ro", str(frozen)):
            pytest.skip("cannot remount a bind mount read-only here")
        db = frozen / "warta.db"
        for command in (["search", "banjir", "--count"], ["runs"], ["stats"]):
            code, stdout, stderr = invoke([*command, "--db", str(db)])
            assert code == 0, (command, stderr)
        assert invoke(["search", "banjir", "--count", "--db", str(db)])[1].strip() == "30"
        line = one_line_error(["crawl", *NOWHERE, "--db", str(db)])
        assert line.endswith("read-only file system"), line
    finally:
        unmount(frozen)


# -- a damaged archive ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def damaged_db(tmp_path_factory) -> Path:
    """An archive with 40 of its pages (in the middle: article rows and indexes) overwritten."""
    db = tmp_path_factory.mktemp("damaged") / "warta.db"
    with Archive(db) as archive:
        _fill(archive)
    _damage(db)
    return db


def _fill(archive: Archive) -> None:
    """200 articles: a file of a few hundred pages."""
    for i in range(200):
        body = f"Banjir melanda kota nomor {i} pada Selasa malam. " * 40
        archive.store(row(url=f"https://a.example/{i}", body=body, title=f"Banjir {i}"))


def _damage(db: Path) -> None:
    """Overwrite 40 pages in the middle of the file (article rows and indexes) with noise."""
    pages = db.stat().st_size // 4096
    noise = random.Random(13)
    with db.open("r+b") as file:
        for page in range(pages // 2, pages // 2 + 40):
            file.seek(page * 4096)
            file.write(bytes(noise.randrange(256) for _ in range(4096)))


DAMAGE_READS = {
    "search": ["search", "banjir"],
    "search --count": ["search", "banjir", "--count"],
    "export": ["export", "banjir", "-o", "-"],
    "stats": ["stats"],
}


@pytest.mark.parametrize("command", list(DAMAGE_READS))
def test_reading_a_damaged_archive_is_one_line(damaged_db, command):
    line = one_line_error([*DAMAGE_READS[command], "--db", str(damaged_db)])
    assert line.startswith(f"Error: {damaged_db} is damaged (database disk image is malformed)")
    assert "warta backup" in line


@pytest.mark.parametrize("command", [["health"], ["runs"], ["history", "https://a.example/3"]])
def test_other_reads_of_a_damaged_archive_never_trace_back(damaged_db, command):
    code, _, stderr = invoke([*command, "--db", str(damaged_db)])  # raises on a traceback
    assert len(stderr.strip().splitlines()) <= 1, (code, stderr)


@pytest.mark.parametrize("command", [["crawl", *NOWHERE], ["reparse"]])
def test_writing_into_a_damaged_archive_is_refused(damaged_db, tmp_path, command):
    db = tmp_path / "warta.db"
    db.write_bytes(damaged_db.read_bytes())
    before = _digest(db)
    line = one_line_error([*command, "--db", str(db)])
    assert line.startswith(f"Error: {db} is damaged"), line
    assert _digest(db) == before


def test_reading_a_damaged_archive_in_a_real_process(damaged_db):
    result = run_warta("search", "banjir", db=damaged_db, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# -- output that cannot be written ----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["search", "banjir"],
        ["search", "banjir", "--format", "json"],
        ["export", "banjir", "-o", "-"],
        ["runs", "--format", "json"],
    ],
)
def test_output_to_a_full_disk_is_one_line(good_db, args):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "warta", *args, "--db", str(good_db)],
            cwd=REPO,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0], result.stderr


def test_the_scheduler_daemon_refuses_another_applications_sqlite_file(tmp_path):
    db = _foreign_db(tmp_path / "app.db")
    before = _digest(db)
    result = run_warta("scheduler", "--every", "5", *NOWHERE, db=db, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a warta archive" in lines[0], result.stderr
    assert _digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]  # no job store either


# -- the check before writing, and when it can be skipped -------------------------------------


def _checked_archive(db: Path) -> None:
    """An archive a writer checked, wrote into and closed cleanly."""
    with Archive(db) as archive:
        archive.verify_intact()
        _fill(archive)


def _counting_checks(monkeypatch) -> list[Path]:
    from storage import core

    checked: list[Path] = []
    real = core.quick_check

    def counted(conn, path):
        checked.append(path)
        real(conn, path)

    monkeypatch.setattr(core, "quick_check", counted)
    return checked


def test_a_file_left_as_checked_is_not_read_whole_again(tmp_path, monkeypatch):
    db = tmp_path / "warta.db"
    _checked_archive(db)
    checked = _counting_checks(monkeypatch)
    for _night in range(2):  # each clean close notes the file as it left it
        with Archive(db) as archive:
            archive.verify_intact()
            archive.store(row(url=f"https://b.example/{_night}", body="Hujan deras. " * 30))
    assert checked == []


@pytest.mark.parametrize("change", ["touched", "replaced by a copy", "killed writer"])
def test_a_file_that_may_have_changed_outside_warta_is_checked_again(tmp_path, monkeypatch, change):
    db = tmp_path / "warta.db"
    _checked_archive(db)
    if change == "touched":
        os.utime(db, ns=(db.stat().st_atime_ns, db.stat().st_mtime_ns + 1))
    elif change == "replaced by a copy":  # same bytes, size and time: another file
        copy = tmp_path / "copy.db"
        subprocess.run(["cp", "--preserve=all", db, copy], check=True)
        copy.replace(db)
    else:  # a writer killed after its checkpoint: it noted nothing
        script = (
            "import os, sys; from storage.archive import Archive; "
            "from tests.test_archive import row; a = Archive(sys.argv[1]); a.verify_intact(); "
            "a.store(row(url='https://c.example/1', body='Hujan. ' * 30)); a.flush(); "
            "a.conn.execute('PRAGMA wal_checkpoint(TRUNCATE)'); os._exit(0)"
        )
        subprocess.run([sys.executable, "-c", script, str(db)], cwd=REPO, check=True)
    checked = _counting_checks(monkeypatch)
    with Archive(db) as archive:
        archive.verify_intact()
    assert checked == [db]


def test_damage_after_a_clean_close_is_still_refused(tmp_path):
    db = tmp_path / "warta.db"
    _checked_archive(db)
    _damage(db)
    before = _digest(db)
    line = one_line_error(["reparse", "--db", str(db)])
    assert line.startswith(f"Error: {db} is damaged"), line
    assert _digest(db) == before
