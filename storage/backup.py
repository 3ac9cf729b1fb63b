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
"""

from __future__ import annotations

import os
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


class BackupError(RuntimeError):
    """The backup could not be made or did not check out; one line says why."""


@dataclass
class BackupReport:
    path: Path
    articles: int
    bytes: int
    fts_tables: list[str]


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
    return report


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
