"""Opening an archive file safely: read-only opens create nothing, writes go only into
warta archives that can really be written, and a damaged file is named as such.

- A read looks at the file's SQLite header first, through an immutable
  connection (no locks, no files created), so a file that is not SQLite, has no
  warta schema or comes from a newer warta is refused before a normal
  connection creates `-wal`/`-shm` files beside it. The archive is never
  open()ed and closed outside SQLite: that would drop every POSIX lock this
  process holds on it, other connections' included.
- An intact archive in a read-only folder (or on a read-only mount) is read as
  an immutable file when it has no write-ahead log: SQLite could not create the
  `-shm` file it needs for WAL reads, and with no `-wal` there is nothing a
  writer could be adding.
- Whether a file can be written is found out by trying (a write lock through
  SQLite, creating a file in its folder), not with os.access, which answers yes
  to root for everything. A file with no write bits at all (chmod 444) is
  refused even for root: its owner marked it write-protected, as `rm` and
  editors respect.
- A SQLite file that holds tables but no warta schema belongs to another
  application: it is never migrated into an archive or switched to WAL.
- Several processes may create the same new archive at once (two crawls started
  together). Whether a file is foreign is read in one read transaction, so a
  schema another process commits in between is not mistaken for a foreign one;
  the switch to WAL is retried while another process holds the lock it needs
  (SQLite then answers "locked" at once, without waiting); the migrations
  themselves re-check the version under the write lock (storage/schema.py).
- Before a write, `PRAGMA quick_check` reads the whole file (25 s at a million
  articles): it runs only when the file may have changed outside warta since the
  last check. A writer that found the file checked (or checked it) notes the main
  file's identity, size and modification time beside it (`NAME-checked`) when it
  closes; a copy, a restore, a truncation or an editor changes one of them, and a
  killed writer notes nothing, so the next write checks again.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import tempfile
import time
from pathlib import Path
from urllib.parse import quote


class ArchiveError(RuntimeError):
    """The archive cannot be opened or written; the message says why, in one line."""


def damaged_message(path: Path | str, exc: BaseException | str) -> str:
    """The one line for an archive SQLite reports as corrupt."""
    return (
        f"{path} is damaged ({exc}); restore it from a backup (`warta backup` makes one) "
        "or see `sqlite3 FILE .recover`"
    )


def is_damage(exc: BaseException) -> bool:
    """Whether a SQLite error says the file itself is corrupt (not locked, not missing)."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and (
        "malformed" in text or "not a database" in text or "corrupt" in text
    )


# -- reading -----------------------------------------------------------------------------


def check_header(path: Path, schema_version: int) -> None:
    """Refuse, before a normal SQLite connection creates `-wal`/`-shm` files, what a read
    cannot use: no file, a folder, not SQLite, no warta schema, a newer warta's schema.

    The header is read through an immutable SQLite connection, which takes no locks
    and creates no files. Not with open()/close(): closing any descriptor of the
    file drops every POSIX lock this process holds on it, those of other SQLite
    connections included (a reader's protection against a checkpoint). The
    user_version is only trusted when the write-ahead log is empty: a new
    archive's schema may still live in its `-wal` file.
    """
    if not path.exists():
        raise ArchiveError(f"archive not found: {path} (run `warta crawl` first)")
    if path.is_dir():
        raise ArchiveError(f"{path} is a folder, not an archive file")
    if path.stat().st_size == 0 and not _wal_has_content(path):
        raise ArchiveError(f"{path}: file has no warta schema")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise ArchiveError(f"cannot read archive {path}: {exc}") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if _wal_has_content(path):
            # the main file alone can be inconsistent while its log is not: a checkpoint
            # cut short by a full disk leaves a header counting pages the file never got
            return
        raise ArchiveError(f"{path} is not a warta archive: {exc}") from None
    finally:
        conn.close()
    if _wal_has_content(path):
        return  # SQLite reads the current schema version through the log
    if version > schema_version:
        raise ArchiveError(
            f"{path}: archive schema version {version} is newer than this warta "
            f"supports ({schema_version}); upgrade warta"
        )
    if version == 0:
        raise ArchiveError(f"{path}: file has no warta schema")


def _wal_has_content(path: Path) -> bool:
    try:
        return os.path.getsize(f"{path}-wal") > 0
    except OSError:
        return False


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection (`mode=ro`); immutable when the folder cannot hold a `-shm`."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if os.path.exists(f"{path}-wal") or not _folder_read_only(path.parent):
            raise
    # No log and a folder we cannot write: nobody can be writing this file through SQLite.
    return sqlite3.connect(f"{uri}&immutable=1", uri=True, timeout=30, isolation_level=None)


def _folder_read_only(folder: Path) -> bool:
    return unwritable_folder(folder) is not None


# -- writing -----------------------------------------------------------------------------


def unwritable(path: Path) -> str | None:
    """Why this process cannot write the archive file (or create it), or None, as far as
    can be told before SQLite opens it; probe_write() tries the rest through SQLite.

    Not os.access, which answers yes to root whatever the mode bits say; and not
    by opening the file here, which would drop this process's SQLite locks on it
    (see check_header). A file with no write bit at all is write-protected by its
    owner and refused even for root.
    """
    if path.exists() or path.is_symlink():
        try:
            info = path.stat()
        except OSError as exc:
            return exc.strerror or str(exc)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if not info.st_mode & 0o222:
            mode = stat.S_IMODE(info.st_mode)
            return f"the file is write-protected (mode {mode:o}); `chmod u+w` it to allow writes"
    # the folder too: SQLite keeps its -wal and -shm files beside the archive
    return unwritable_folder(path.parent)


def probe_write(conn: sqlite3.Connection, path: Path) -> None:
    """Try a write lock: SQLite silently opens a file it may not write read-only."""
    # Without waiting: another process writing (a crawl of another source, or one paused
    # mid-batch) proves nothing about permission, and its run must still get recorded.
    waited = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise ArchiveError(f"cannot write to archive {path}: no write permission") from None
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(waited)}")


def enable_wal(conn: sqlite3.Connection, wait: float = 30.0) -> None:
    """Switch the file to WAL mode. SQLite may answer "locked" at once (without its busy
    handler) while another process creating the same file holds a lock the switch
    needs: try again for up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def unwritable_folder(folder: Path) -> str | None:
    """Why no file can be created in `folder`, found by creating (and removing) one."""
    try:
        with tempfile.TemporaryFile(dir=folder or "."):
            return None
    except OSError as exc:
        return _why(exc)


def _why(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "no write permission"
    return exc.strerror or str(exc)


def refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """A SQLite file with tables and no warta schema is another application's database."""
    # One snapshot: read apart, another process creating the archive could commit its
    # schema (tables and user_version together) between the two reads.
    conn.execute("BEGIN")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name "
                "LIMIT 4"
            )
        ]
    finally:
        conn.execute("COMMIT")
    if version != 0:
        return
    if names:
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        raise ArchiveError(
            f"{path} is not a warta archive: it is a SQLite database of something else "
            f"(tables {shown}); not writing into it"
        )


def checked_stamp_path(path: Path) -> Path:
    """Where the main file's state at its last check is noted (see the module docstring)."""
    return path.with_name(path.name + "-checked")


def _file_state(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


def unchanged_since_check(path: Path) -> bool:
    """Whether the main file is as a writer that knew it intact left it."""
    state = _file_state(path)
    try:
        noted = checked_stamp_path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return False
    return state is not None and noted == state


def note_checked(path: Path) -> None:
    """Note the main file's state as known intact; quietly not where it cannot be written
    (a read-only folder: the next write checks again)."""
    state = _file_state(path)
    stamp = checked_stamp_path(path)
    if state is None:
        return
    partial = stamp.with_name(stamp.name + ".tmp")
    try:
        partial.write_text(state, encoding="ascii")
        partial.replace(stamp)
    except OSError:
        partial.unlink(missing_ok=True)


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse to write into a file SQLite finds damaged (`PRAGMA quick_check`)."""
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(damaged_message(path, exc)) from None
    if problems != ["ok"]:
        first = "; ".join(" ".join(p.split()) for p in problems[:2])  # one line, two problems
        raise ArchiveError(damaged_message(path, first))
