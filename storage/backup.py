"""`warta backup`: a consistent copy of a live archive, checked before it is kept.

Copying the archive file with `cp` is not a backup: committed articles may sit in
the `-wal` file beside it (readers holding the archive open keep SQLite from
moving them into the main file), so the copy silently lacks them. This uses
SQLite's online backup API from a read-only connection instead. The whole copy
is made in one step, inside one read transaction: in WAL mode a reader does not
block the crawl's writes, and the copy is the archive as of one moment, WAL
content included. (Copying in several steps would restart every time a crawl
committed, forever during a busy crawl.)

The copy is written under a temporary name in the destination's folder,
switched to a single self-contained file (journal_mode DELETE), checked with
`PRAGMA integrity_check` and each FTS5 index's own integrity-check, synced to
disk, and only then given its name, so a failed or interrupted backup never
leaves a file that looks like a good one.

The raw pages live in the archive's WARC folder (storage/warc.py), so a backup
copies that folder too, beside the copy (`backup_warcs`), after the database:
WARC files only grow, and every record a committed row points at was on disk
before the row was committed, so files copied after the snapshot hold every
record the copy points at. A closed WARC file never changes, so one already in
the destination with its size is not copied again: repeated backups copy only
what is new. The copy is then checked: every pointer of the copy must land
inside a copied file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from storage.opening import (
    ArchiveError,
    check_header,
    connect_readonly,
    damaged_message,
    is_damage,
)
from storage.schema import SCHEMA_VERSION
from storage.warc import OPEN_SUFFIX, WarcError, default_warc_dir, locate


class BackupError(RuntimeError):
    """The backup could not be made or did not check out; one line says why."""


@dataclass
class BackupReport:
    path: Path
    articles: int
    bytes: int
    fts_tables: list[str]
    warc_files: int = 0  # WARC files in the copy's WARC folder
    warc_copied: int = 0  # of them, copied by this backup (the rest were there already)
    warc_bytes: int = 0  # bytes copied


def backup(
    source: str | os.PathLike, dest: str | os.PathLike, *, overwrite: bool = False
) -> BackupReport:
    """Copy the archive `source` to `dest`, verified; raise BackupError on any problem."""
    source, dest = Path(source), Path(dest)
    _check_dest(source, dest, overwrite)
    try:
        check_header(source, SCHEMA_VERSION)
        reader = connect_readonly(source)
    except ArchiveError as exc:
        raise BackupError(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise BackupError(_failed(source, exc)) from None
    try:
        handle, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as exc:
        reader.close()
        raise BackupError(f"cannot write {dest}: {exc.strerror or exc}") from None
    os.close(handle)
    partial = Path(name)
    try:
        report = _copy_and_check(reader, partial)
        os.chmod(partial, stat.S_IMODE(source.stat().st_mode))  # as private as the archive
        _sync(partial)
        _check_dest(source, dest, overwrite)  # nothing appeared there meanwhile
        if overwrite:
            os.replace(partial, dest)
        else:
            os.link(partial, dest)  # fails if dest appeared meanwhile: never replaces
            partial.unlink()
        _sync(dest.parent)
    except sqlite3.DatabaseError as exc:
        raise BackupError(_failed(source, exc)) from None
    except FileExistsError:
        raise BackupError(f"{dest} already exists (--overwrite replaces it)") from None
    except OSError as exc:
        raise BackupError(f"cannot write {dest}: {exc.strerror or exc}") from None
    finally:
        reader.close()
        partial.unlink(missing_ok=True)
    report.path = dest
    backup_warcs(source, dest, report)
    return report


def backup_warcs(source: Path, dest: Path, report: BackupReport) -> None:
    """Copy the archive's WARC folder beside the copy, then check the copy's pointers."""
    folder, target = default_warc_dir(source), default_warc_dir(dest)
    if not folder.is_dir():
        return
    try:
        target.mkdir(exist_ok=True)
        for name in sorted(p.name for p in folder.iterdir() if p.is_file()):
            _copy_warc(folder, target, name, report)
        _sync(target)
    except OSError as exc:
        why = exc.strerror or exc
        raise BackupError(f"cannot copy the WARC files to {target}: {why}") from None
    report.warc_files = sum(1 for p in target.iterdir() if p.is_file())
    _check_pointers(dest, target)


def _copy_warc(folder: Path, target: Path, name: str, report: BackupReport) -> None:
    growing = name.endswith(OPEN_SUFFIX)
    source = folder / name
    if growing and not source.exists():  # closed meanwhile: copy it under its final name
        name = name[: -len(OPEN_SUFFIX)]
        source, growing = folder / name, False
    copy = target / name
    if not growing and copy.exists() and copy.stat().st_size == source.stat().st_size:
        return  # a closed file never changes: copied by an earlier backup
    partial = target / f".{name}.part"
    shutil.copyfile(source, partial)
    _sync(partial)
    os.replace(partial, copy)
    report.warc_copied += 1
    report.warc_bytes += copy.stat().st_size
    if not growing:  # the copy of its growing state, from an earlier backup, is superseded
        (target / (name + OPEN_SUFFIX)).unlink(missing_ok=True)


def _check_pointers(dest: Path, target: Path) -> None:
    """Every pointer of the copy into WARC (raw pages', noted captures') lands inside a
    copied file."""
    conn = sqlite3.connect(f"file:{dest}?mode=ro", uri=True)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(raw_pages)")}
        if "warc_file" not in columns:
            return
        pointers = "SELECT warc_file, warc_offset, warc_length FROM raw_pages"
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'warc_captures'").fetchone():
            pointers += " UNION ALL SELECT warc_file, warc_offset, warc_length FROM warc_captures"
        ends = conn.execute(
            f"SELECT warc_file, max(warc_offset + warc_length) FROM ({pointers}) "
            "WHERE warc_file IS NOT NULL GROUP BY warc_file"
        ).fetchall()
    finally:
        conn.close()
    for name, end in ends:
        try:
            size = locate(target, name).stat().st_size
        except WarcError:
            raise BackupError(f"the copy points into {name}, which is not in {target}") from None
        if size < end:
            raise BackupError(f"the copy points past the end of {name} in {target}")


def _failed(source: Path, exc: sqlite3.DatabaseError) -> str:
    return damaged_message(source, exc) if is_damage(exc) else f"backup of {source} failed: {exc}"


def _check_dest(source: Path, dest: Path, overwrite: bool) -> None:
    try:
        info = dest.lstat()
    except FileNotFoundError:
        if not dest.parent.is_dir():
            raise BackupError(f"{dest}: folder {dest.parent} does not exist") from None
        return
    if not stat.S_ISREG(info.st_mode):
        raise BackupError(f"{dest} exists and is not a regular file; not replacing it")
    if source.exists() and os.path.samefile(source, dest):
        raise BackupError(f"{dest} is the archive itself")
    if not overwrite:
        raise BackupError(f"{dest} already exists (--overwrite replaces it)")


def _copy_and_check(reader: sqlite3.Connection, partial: Path) -> BackupReport:
    copy = sqlite3.connect(partial, isolation_level=None)
    try:
        reader.backup(copy)  # pages=-1: one step, one snapshot (see the module docstring)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check(5)")]
        if problems != ["ok"]:
            found = "; ".join(" ".join(p.split()) for p in problems[:3])  # one line
            raise BackupError(f"the copy fails integrity_check, the archive is damaged: {found}")
        fts_tables = _fts_tables(copy)
        for table in fts_tables:
            try:
                copy.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as exc:
                raise BackupError(f"the copy's full-text index {table} is damaged: {exc}") from None
        articles = copy.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        copy.close()
    return BackupReport(partial, articles, partial.stat().st_size, fts_tables)


def _fts_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%' ORDER BY name"
    )
    return [f'"{name}"' for (name,) in rows]


def _sync(path: Path) -> None:
    """fsync a file or folder, so the rename cannot land before the data."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
