"""Move the raw pages an archive still holds in SQLite out into WARC files (issue #15).

Before WARC capture, every raw page sat zlib-compressed in `raw_pages.html`. The move
writes each such page as a WARC/1.1 `response` record into a new file of the archive's
WARC folder (storage/warc.py's naming, flock and rolling), points the row at it and
sets its html to NULL. `vacuum` then gives the freed pages back to the file system.

Why a `response` record, and how it stays honest: pywb, cdxj-indexer, `warta import`
and storage/warc.py's `read_payload` all read response records (status line, HTTP
headers, body); a `resource` record would lose the status and headers. But what the
archive kept is the body as the spider got it (HTTP-decoded), not the bytes received.
So the record carries the stored headers less those that no longer describe it
(Content-Encoding, Transfer-Encoding, Content-Length: a fresh Content-Length is
given), and says so in `WARC-Warta-Origin`. Its date is the stored fetch time.

Crash safety: rows are moved in short batches. A batch's records are written, then
fsynced through the archive's `before_commit` hook, before the batch's UPDATE
commits; a failure rolls the UPDATE back. So at any moment every row holds either
its html or a pointer to a complete record, and a rerun moves what is left (records a
killed batch wrote but never committed are orphans no row points at). A page whose
URL's latest record already has its payload digest points at that record instead of
a second copy, as a capture's revisit does.
"""

from __future__ import annotations

import io
import sqlite3
import zlib
from dataclasses import dataclass, field
from http import HTTPStatus

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage.core import ArchiveCore, decode_headers
from storage.opening import ArchiveError
from storage.warc import (
    DEFAULT_MAX_BYTES,
    OpenWarc,
    WarcPointer,
    gzip_member,
    payload_digest,
    read_payload,
    recover_open_files,
)

ORIGIN_HEADER = "WARC-Warta-Origin"
ORIGIN = (
    "moved from the archive's raw_pages (body as decoded; headers that no longer match it dropped)"
)
# headers describing the bytes as received, which the archive did not keep
_STALE = {"content-encoding", "transfer-encoding", "content-length"}
DEFAULT_BATCH = 200  # rows per transaction: a concurrent crawl waits a fraction of a second


@dataclass
class MoveReport:
    """What a move did."""

    rows: int = 0  # rows that now point into WARC instead of holding html
    unreadable: int = 0  # rows whose html (or headers) do not decompress: left in place
    records: int = 0  # response records written (a row whose payload was there shares it)
    html_bytes: int = 0  # compressed html taken out of SQLite
    warc_bytes: int = 0  # bytes appended to WARC files
    files: list[str] = field(default_factory=list)  # the files written, by final name


def pending_rows(archive: ArchiveCore) -> int:
    """How many raw pages still hold their html in SQLite."""
    return archive.conn.execute("SELECT count(*) FROM raw_pages WHERE html IS NOT NULL").fetchone()[
        0
    ]


def warc_date(fetched_at: str) -> str:
    """The archive's fetch time (ISO, seconds, Z) is already a valid WARC-Date."""
    return fetched_at if fetched_at.endswith("Z") else fetched_at + "Z"


def http_headers(status: int | None, stored: dict[str, str], length: int) -> StatusAndHeaders:
    """The stored headers, less those that described the bytes as received."""
    try:
        reason = HTTPStatus(status or 200).phrase
    except ValueError:
        reason = ""
    headers = [(name, value) for name, value in stored.items() if name.lower() not in _STALE]
    headers.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status or 200} {reason}".strip(), headers, protocol="HTTP/1.1")


class _Mover:
    """One move: its WARC file (opened when first needed, rolled at max_bytes)."""

    def __init__(self, archive: ArchiveCore, max_bytes: int) -> None:
        self.archive = archive
        self.max_bytes = max_bytes
        self.builder = WARCWriter(io.BytesIO(), gzip=True, warc_version="1.1")
        self.file: OpenWarc | None = None
        self.serial = 0
        self.report = MoveReport()

    def sync(self) -> None:
        if self.file is not None:
            self.file.sync()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def _file(self) -> OpenWarc:
        if self.file is not None and self.file.size >= self.max_bytes:
            self.close()
        if self.file is None:
            self.file = OpenWarc(self.archive.warc_dir, self.serial)
            self.serial = self.file.serial + 1
            self.report.files.append(self.file.name)
        return self.file

    def write(
        self, url: str, status: int | None, headers: dict[str, str], fetched_at: str, body: bytes
    ) -> WarcPointer:
        """The record of one page, appended to the move's file; its pointer."""
        digest = payload_digest(body)
        if (shared := self._recorded(url, digest, body)) is not None:
            return shared
        record = self.builder.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers(status, headers, len(body)),
            warc_headers_dict={
                "WARC-Date": warc_date(fetched_at),
                "WARC-Payload-Digest": digest,
                ORIGIN_HEADER: ORIGIN,
            },
        )
        data = gzip_member(record)
        warc = self._file()
        offset = warc.append(data)
        self.report.records += 1
        self.report.warc_bytes += len(data)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        return WarcPointer(warc.name, offset, len(data), record_id, digest)

    def _recorded(self, url: str, digest: str, body: bytes) -> WarcPointer | None:
        """The URL's latest record when it holds exactly this body (an unchanged
        re-fetch): checked by reading it, for a lost file must not take the html along."""
        latest = self.archive.latest_warc_pointer(url)
        if latest is None or latest.digest != digest:
            return None
        try:
            same = read_payload(self.archive.warc_dir, latest) == body
        except ArchiveError:  # WarcError included
            return None
        return latest if same else None

    def batch(self, after: int, size: int) -> int | None:
        """Move up to `size` rows with id > after, in one transaction; the last id moved
        (None: nothing left)."""
        conn = self.archive.conn
        conn.execute("BEGIN IMMEDIATE")  # read under the write lock: no two movers share rows
        try:
            rows = conn.execute(
                "SELECT id, url, status, headers, fetched_at, html FROM raw_pages "
                "WHERE html IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
                (after, size),
            ).fetchall()
            for row_id, url, status, headers, fetched_at, html in rows:
                try:
                    body, stored = zlib.decompress(html), decode_headers(headers)
                except (zlib.error, ValueError):  # damaged: left as it is, and counted
                    self.report.unreadable += 1
                    continue
                pointer = self.write(url, status, stored, fetched_at, body)
                conn.execute(
                    "UPDATE raw_pages SET html = NULL, warc_file = ?, warc_offset = ?, "
                    "warc_length = ?, warc_record_id = ?, warc_digest = ? WHERE id = ?",
                    (pointer.file, pointer.offset, pointer.length)
                    + (pointer.record_id, pointer.digest, row_id),
                )
                self.report.html_bytes += len(html)
                self.report.rows += 1
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self.archive.flush()  # before_commit fsyncs this batch's records, then COMMIT
        return rows[-1][0] if rows else None


def move_raw_pages(
    archive: ArchiveCore,
    *,
    batch: int = DEFAULT_BATCH,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> MoveReport:
    """Move every raw page still held in SQLite into WARC records (see the module docstring).

    Idempotent: a rerun moves only the rows still holding html. A `.open` file a killed
    move left is repaired first (its torn tail cut), as a crawl does.
    """
    if archive.readonly:
        raise ArchiveError(f"{archive.path} is open read-only: cannot move its raw pages")
    archive.flush()
    recover_open_files(archive.warc_dir)
    mover = _Mover(archive, max_bytes)
    archive.before_commit.append(mover.sync)
    try:
        last: int | None = 0
        while last is not None:
            last = mover.batch(last, batch)
    except OSError as exc:
        raise ArchiveError(f"cannot write WARC records to {archive.warc_dir}: {exc}") from exc
    except sqlite3.Error as exc:
        raise ArchiveError(f"cannot move raw pages of {archive.path}: {exc}") from exc
    finally:
        archive.before_commit.remove(mover.sync)
        mover.close()
    return mover.report


def file_bytes(archive: ArchiveCore) -> int:
    """The archive file's size once its WAL is checkpointed into it (as far as readers allow)."""
    archive.flush()
    archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return archive.path.stat().st_size


def vacuum(archive: ArchiveCore) -> tuple[int, int]:
    """VACUUM the archive (the operator asked): its file size before and after."""
    before = file_bytes(archive)
    try:
        archive.conn.execute("VACUUM")
    except sqlite3.Error as exc:
        raise ArchiveError(f"cannot VACUUM {archive.path}: {exc}") from exc
    return before, file_bytes(archive)


__all__ = ["MoveReport", "file_bytes", "move_raw_pages", "pending_rows", "vacuum"]
