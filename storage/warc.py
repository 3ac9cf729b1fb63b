"""WARC files beside the archive: where they live, how they are named, rolled and
read back, and how a file a killed crawl left torn is repaired.

Files are gzip per record, WARC/1.1, named `warta-YYYYmmddHHMMSS-SERIAL-HOST~TOKEN.warc.gz`
in the archive's WARC folder (`default_warc_dir`). TOKEN is random, new for every
file (Heritrix likewise puts `PID~HOST~PORT` in the host part): a file that was
deleted or moved away (to cold storage, a backup) may still be named by archive
pointers, and the folder cannot tell; with the timestamp and serial alone, a new
file written in the same second (serials restart at every run; a clock set back)
would take its name and those pointers would read the wrong records.

While a crawl writes a file it is called `NAME.open` and holds an exclusive `flock`;
a clean close renames it to NAME. Archive rows point at records by `WarcPointer` with
the final name, so readers also look for `NAME.open`.
A `.open` file nobody holds was left by a killed crawl: `recover_open_files` cuts its
torn tail and gives it its final name.

What the repair cuts, and what it only reports (`scan_members`). A kill can only tear
the file's end: every write appends whole gzip members, and a failed append is
truncated back at once. So the repair cuts the bytes after the last gzip member that
inflates whole (CRC checked), and nothing else: every complete record before the
tear is kept. Broken bytes *followed by* complete members are not a tear but damage
(a bad disk block, a bit flip): cutting there would drop the good records after them,
which archive rows may point at, and removing the bytes would shift their offsets. So
such damage is left in place and reported (a warning naming the byte range); the
records in it are lost either way, and a row pointing into it reads as a WarcError.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import logging
import mmap
import os
import secrets
import socket
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

from crawler.items import WarcPointer  # a page's record: part of the item it belongs to
from storage.opening import ArchiveError

PREFIX = "warta"
SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"  # a file still being written (or torn by a kill)
DEFAULT_MAX_BYTES = 1_000_000_000  # WARC 1.1 Annex B: about 1 GB per file
_SCAN_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b\x08"  # gzip id, deflate: where a member may start
logger = logging.getLogger(__name__)
_next_serial: dict[str, int] = {}  # per WARC folder: the next serial this process gives


class WarcError(ArchiveError):
    """A WARC record cannot be read where its pointer says it is."""


def default_warc_dir(db_path: str | os.PathLike) -> Path:
    """The WARC folder of an archive: `./warta.db` → `./warta.warc/`."""
    path = Path(db_path)
    name = path.name[: -len(".db")] if path.name.endswith(".db") else path.name
    return path.with_name(name + ".warc")


def warc_file_name(
    serial: int,
    moment: datetime | None = None,
    host: str | None = None,
    token: str | None = None,
) -> str:
    """`PREFIX-YYYYmmddHHMMSS-SERIAL-HOST~TOKEN.warc.gz` (the contract's naming, with a
    random TOKEN so that no new file takes the name of a file gone from the folder)."""
    stamp = (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d%H%M%S")
    host = (host or socket.gethostname()).replace("-", "_").replace("/", "_") or "host"
    token = token if token is not None else secrets.token_hex(6)
    return f"{PREFIX}-{stamp}-{serial:05d}-{host}~{token}{SUFFIX}"


# -- writing -----------------------------------------------------------------------


class OpenWarc:
    """One WARC file being written: appended to under its `.open` name, under a flock."""

    def __init__(self, folder: Path, serial: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # the process's writers into one folder (a crawl's spiders each have their own
        # capture) share one run of serials, so no two of its files carry the same one
        key = str(folder.resolve())
        serial = max(serial, _next_serial.get(key, 0))
        while True:  # another crawl may have taken this second's serial: take the next
            self.name = warc_file_name(serial)
            self.path = folder / (self.name + OPEN_SUFFIX)
            if not (folder / self.name).exists():
                try:
                    fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                    break
                except FileExistsError:
                    pass
            serial += 1
        self.serial = serial
        _next_serial[key] = serial + 1
        self.fd = fd
        fcntl.flock(fd, fcntl.LOCK_EX)  # released by the kernel if this process dies
        self.size = 0

    def append(self, data: bytes) -> int:
        """Write whole gzip members; return the offset they start at."""
        offset = self.size
        view = memoryview(data)
        try:
            while view:  # os.write may write less than asked
                written = os.write(self.fd, view)
                view = view[written:]
        except OSError:  # disk full: leave no torn record for the next one to follow
            os.ftruncate(self.fd, offset)
            os.lseek(self.fd, offset, os.SEEK_SET)
            raise
        self.size += len(data)
        return offset

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        """Make it durable, then give it its final name."""
        os.fsync(self.fd)
        os.rename(self.path, self.path.with_name(self.name))
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


class RollingWarc:
    """A writer's run of new WARC files in one folder (an import's, a move's): each an
    `OpenWarc` of its own, never a file another writer has, rolled at `max_bytes`."""

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.file: OpenWarc | None = None
        self.serial = 0

    def append(self, data: bytes) -> tuple[str, int]:
        """Write whole gzip members; the file's final name and the offset they start at."""
        if self.file is not None and self.file.size >= self.max_bytes:
            self.file.close()
            self.file = None
        if self.file is None:
            self.file = OpenWarc(self.folder, self.serial)
            self.serial = self.file.serial + 1
        return self.file.name, self.file.append(data)

    def sync(self) -> None:
        """Make what was appended durable (an archive's `before_commit` hook)."""
        if self.file is not None:
            self.file.sync()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def as_gzip_member(record: bytes) -> bytes:
    """A record's bytes as read from a WARC file (by offset and length), as one gzip
    member: a gzipped record is kept byte for byte; an uncompressed one (whose length,
    as warcio gives it, stops before the record's closing CRLF CRLF) is closed and
    compressed, its own bytes unchanged inside."""
    if record[:2] == b"\x1f\x8b":
        return record
    packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return packer.compress(record + b"\r\n\r\n") + packer.flush()


# -- crash recovery --------------------------------------------------------------------


@dataclass(frozen=True)
class MemberScan:
    """What a scan of a gzip-per-record file found (see the module docstring)."""

    size: int  # the file's length
    complete_end: int  # where the last complete gzip member ends: the rest is a torn tail
    damaged: tuple[tuple[int, int], ...] = ()  # (start, end) of broken bytes amid good ones


def scan_members(path: Path) -> MemberScan:
    """Walk the file's gzip members. A member that does not inflate whole (CRC included)
    is damage; the scan then looks for the next member that does. Broken bytes with a
    complete member after them are `damaged`; those after the last complete member
    are the torn tail (`complete_end` .. `size`)."""
    size = path.stat().st_size
    if size == 0:
        return MemberScan(0, 0)
    damaged: list[tuple[int, int]] = []
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
        position = complete_end = 0
        while position < size:
            end = _member_end(view, position)
            if end is not None:
                position = complete_end = end
                continue
            following = _next_member(view, position + 1)
            if following is None:  # nothing whole after it: a torn tail
                break
            damaged.append((position, following))
            position = following
    return MemberScan(size, complete_end, tuple(damaged))


def _member_end(view: mmap.mmap, start: int) -> int | None:
    """Where the gzip member starting at `start` ends; None if it does not inflate whole."""
    inflater = zlib.decompressobj(wbits=31)
    position = start
    while position < len(view):
        chunk = view[position : position + _SCAN_CHUNK]
        try:
            while chunk:  # inflate in bounded steps: a member may expand a lot
                inflater.decompress(chunk, _SCAN_CHUNK)
                if inflater.eof:
                    return position + len(chunk) - len(inflater.unused_data)
                position += len(chunk) - len(inflater.unconsumed_tail)
                chunk = inflater.unconsumed_tail
        except zlib.error:
            return None
    return None  # the file ends inside the member


def _next_member(view: mmap.mmap, start: int) -> int | None:
    """The offset of the next gzip member (magic, deflate) that inflates whole."""
    candidate = view.find(_GZIP_MAGIC, start)
    while candidate != -1:
        if _member_end(view, candidate) is not None:
            return candidate
        candidate = view.find(_GZIP_MAGIC, candidate + 1)
    return None


def complete_length(path: Path) -> int:
    """The length the file keeps once its torn tail (a torn last member, or garbage
    after the last complete one) is cut: the end of its last complete gzip member."""
    return scan_members(path).complete_end


def recover_open_files(folder: Path) -> list[tuple[str, int]]:
    """Repair the `.open` files no live writer holds (their crawl was killed): cut each
    after its last complete record and give it its final name. Returns (name, bytes cut)."""
    repaired: list[tuple[str, int]] = []
    if not folder.is_dir():
        return repaired
    for path in sorted(folder.glob(f"*{SUFFIX}{OPEN_SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:  # its writer closed it meanwhile
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a live crawl is writing it
                continue
            if not path.exists():  # renamed by its writer between our open and lock
                continue
            size = os.fstat(fd).st_size
            scan = scan_members(path)
            for start, end in scan.damaged:  # kept: complete records follow it
                logger.warning(
                    "WARC %s: bytes %d-%d are damaged (not a whole gzip member); the "
                    "complete records before and after them are kept",
                    path.name,
                    start,
                    end,
                )
            keep = scan.complete_end
            if keep < size:
                os.ftruncate(fd, keep)
            os.fsync(fd)
            os.rename(path, path.with_name(path.name[: -len(OPEN_SUFFIX)]))
            repaired.append((path.name[: -len(OPEN_SUFFIX)], size - keep))
        finally:
            os.close(fd)
    return repaired


def payload_digest(body: bytes) -> str:
    """WARC-Payload-Digest as warcio writes it: sha1, base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def gzip_member(record: ArcWarcRecord) -> bytes:
    """One record as one gzip member, as every writer here appends it. warcio compresses at
    level 9; level 6 makes files about as small at a fraction of the CPU (capture's cost)."""
    plain = io.BytesIO()
    WARCWriter(plain, gzip=False, warc_version="1.1").write_record(record)
    packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return packer.compress(plain.getvalue()) + packer.flush()


# -- reading ---------------------------------------------------------------------------


def locate(folder: Path, name: str) -> Path:
    """The file a pointer names: its final name, or `.open` while still written."""
    path = folder / name
    if path.exists():
        return path
    growing = folder / (name + OPEN_SUFFIX)
    if growing.exists():
        return growing
    raise WarcError(f"WARC file {name} is missing from {folder}")


def missing_files(folder: Path, names: Iterable[str]) -> list[str]:
    """Those of these files that are in `folder` under neither their final nor their
    `.open` name."""
    return [n for n in names if not (folder / n).exists() and not _growing(folder, n)]


def require_files(folder: Path, names: Iterable[str]) -> None:
    """Raise WarcError, in one line, when any of these files (pointed at by the
    archive) is missing from `folder` (`missing_files`)."""
    missing = missing_files(folder, names)
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise WarcError(
            f"WARC file {missing[0]}{more} is missing from {folder}: "
            "give the archive's WARC folder with --warc-dir"
        )


def _growing(folder: Path, name: str) -> bool:
    return (folder / (name + OPEN_SUFFIX)).exists()


def read_record(folder: Path, pointer: WarcPointer) -> ArcWarcRecord:
    """The record (fully read: its content stream is a BytesIO) a pointer points at."""
    path = locate(folder, pointer.file)
    with path.open("rb") as fh:
        fh.seek(pointer.offset)
        member = fh.read(pointer.length)
    if len(member) != pointer.length:
        raise WarcError(f"WARC record {pointer.record_id} is cut short in {pointer.file}")
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(member))))
    except (StopIteration, Exception) as exc:
        raise WarcError(f"WARC record {pointer.record_id} unreadable: {exc}") from None
    if record.rec_headers.get_header("WARC-Record-ID") != pointer.record_id:
        raise WarcError(f"{pointer.file}@{pointer.offset} is not record {pointer.record_id}")
    return record


def read_payload(folder: Path, pointer: WarcPointer) -> bytes:
    """The response's body as Scrapy handed it to the spider: de-chunked, and
    decoded per its Content-Encoding."""
    record = read_record(folder, pointer)
    stream = record.raw_stream  # warcio's content_stream() would decode gzip itself
    encodings: list[str] = []
    chunked = False
    if record.http_headers is not None:
        for name, value in record.http_headers.headers:
            values = [v.strip().lower() for v in value.split(",") if v.strip()]
            if name.lower() == "content-encoding":
                encodings.extend(values)
            elif name.lower() == "transfer-encoding" and "chunked" in values:
                chunked = True  # another tool may keep it chunked; we never do
    if chunked:
        stream = ChunkedDataReader(stream, decomp_type=None)
    return decode_content(stream.read(), encodings)


def decode_content(body: bytes, encodings: list[str]) -> bytes:
    """Undo Content-Encoding codings, last applied first (as Scrapy's middleware does)."""
    for coding in reversed(encodings):
        if coding in ("gzip", "x-gzip"):
            body = _gunzip(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:  # some servers send raw deflate
                body = zlib.decompress(body, -15)
        elif coding == "br":
            import brotli  # optional, as for Scrapy

            body = brotli.decompress(body)
        elif coding == "zstd":
            import zstandard  # optional, as for Scrapy

            body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
        elif coding != "identity":
            break  # unknown: Scrapy leaves the body (and the rest) as they are
    return body


def _gunzip(data: bytes) -> bytes:
    """Every gzip member, as Scrapy's gunzip reads them (trailing garbage ignored)."""
    out: list[bytes] = []
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            out.append(inflater.decompress(data))
        except zlib.error:
            if out:
                break
            raise
        if not inflater.eof:
            break
        data = inflater.unused_data
    return b"".join(out)


def read_all(stream: IO[bytes]) -> list[ArcWarcRecord]:
    """Every record of a WARC stream (tests, tools)."""
    return list(ArchiveIterator(stream))


__all__ = [
    "DEFAULT_MAX_BYTES",
    "MemberScan",
    "OpenWarc",
    "RollingWarc",
    "as_gzip_member",
    "WarcError",
    "WarcPointer",
    "complete_length",
    "decode_content",
    "missing_files",
    "default_warc_dir",
    "read_payload",
    "read_record",
    "recover_open_files",
    "require_files",
    "scan_members",
    "warc_file_name",
]
