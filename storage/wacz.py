"""WACZ packages (spec 1.1.1) of chosen WARC records, and CDXJ indexes of WARC files.

A package is one ZIP: `archive/data.warc.gz` (the chosen records, stored, not
deflated, so a reader can seek into it), `indexes/index.cdx.gz` (their CDXJ index,
by cdxj-indexer), `pages/pages.jsonl` (the articles: url, ts, title, text) and
`datapackage.json` with each member's sha256 and size, itself digested in
`datapackage-digest.json`. pywb (`wb-manager add --unpack-wacz`) and ReplayWeb.page
open it; `wacz validate` passes it.

Written with zipfile rather than py-wacz: py-wacz 0.6 pulls frictionless, pydantic
and typer, and packages whole WARC files, while an export takes chosen records out
of the archive's WARC files by the pointers the archive keeps.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cdxj_indexer.main import CDXJIndexer

from storage.core import ArchiveCore
from storage.export import selected_ids
from storage.query import Query
from storage.warc import WarcError, locate

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
CHUNK = 1 << 20
BATCH = 500  # article ids per query (SQLite allows 32766 parameters)


class WaczError(Exception):
    """A record cannot be packaged (missing file, torn or not a gzip WARC member)."""


class NothingToPackage(WaczError):
    """No record was given: a WACZ without a WARC is not one."""


@dataclass(frozen=True)
class RecordRef:
    """One gzip member of a WARC file: a whole record (the archive's pointer)."""

    path: Path
    offset: int
    length: int


@dataclass(frozen=True)
class Page:
    """One line of pages.jsonl: an archived article."""

    url: str
    ts: str  # the fetch time, RFC 3339 (UTC)
    title: str | None = None
    text: str | None = None


class Selected:
    """The WARC records and pages of the selected articles, read in batches of ids as
    they are iterated (a package of a million articles never sits in memory).

    Records: every stored page of each article, every version (a package is evidence
    of what changed). Pages: one per article, at its latest fetch. Articles stored
    before capture have no record: `without_records` counts them once `pages()` ran."""

    def __init__(self, archive: ArchiveCore, query: Query, warc_dir: Path) -> None:
        self.archive = archive
        self.ids = list(selected_ids(archive, query))
        self.warc_dir = warc_dir
        self.captured = _has_pointers(archive)
        self.without_records = 0

    def _batches(self) -> Iterator[tuple[list[int], str]]:
        ids = self.ids if self.captured else []
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            yield batch, ",".join("?" * len(batch))

    def records(self) -> Iterator[RecordRef]:
        for batch, marks in self._batches():
            rows = self.archive.conn.execute(
                "SELECT warc_file, warc_offset, warc_length FROM raw_pages "
                f"WHERE article_id IN ({marks}) AND warc_file IS NOT NULL "
                "ORDER BY article_id, id",
                batch,
            )
            for file, offset, length in rows:
                yield RecordRef(_record_file(self.warc_dir, file), offset, length)

    def pages(self) -> Iterator[Page]:
        self.without_records = 0 if self.captured else len(self.ids)
        for batch, marks in self._batches():
            rows = self.archive.conn.execute(
                "SELECT a.id, a.url, a.title, a.body, r.fetched_at FROM articles a "
                "JOIN raw_pages r ON r.article_id = a.id "
                "AND r.page_no = 1 AND r.warc_file IS NOT NULL "
                f"WHERE a.id IN ({marks}) ORDER BY a.id, r.id",
                batch,
            )
            latest = {row[0]: Page(*row[1:]) for row in rows}  # the last fetch wins
            self.without_records += len(batch) - len(latest)
            yield from latest.values()


def _has_pointers(archive: ArchiveCore) -> bool:
    """Whether raw_pages has the WARC pointer columns (the capture migration)."""
    columns = {row[1] for row in archive.conn.execute("PRAGMA table_info(raw_pages)")}
    return "warc_file" in columns


def write_cdxj_index(warc_files: Iterable[Path], out: Path) -> None:
    """A sorted CDXJ index of the WARC files' response and revisit records, naming each
    file by its base name (pywb resolves names against its archive folder)."""
    inputs = [str(path) for path in warc_files]
    CDXJIndexer(str(out), inputs, sort=True).process_all()


def write_wacz(out: Path, records: Iterable[RecordRef], pages: Iterable[Page], title: str) -> int:
    """Write the package to `out` (atomically: a temporary file renamed into place);
    returns how many records it holds. Raises WaczError, leaving `out` untouched."""
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix=".wacz-", dir=out.parent) as work:
        warc = Path(work) / WARC_NAME
        with warc.open("wb") as fh:
            count = _copy_records(records, fh)
        if not count:
            raise NothingToPackage("no WARC records to package")
        cdxj = Path(work) / "index.cdxj"
        write_cdxj_index([warc], cdxj)
        index = Path(work) / "index.cdx.gz"
        with cdxj.open("rb") as src, gzip.open(index, "wb") as dst:
            dst.write(src.read())
        pages_file = Path(work) / "pages.jsonl"
        pages_file.write_bytes(pages_jsonl(pages, title))
        members = [
            ("archive/" + WARC_NAME, warc, zipfile.ZIP_STORED),
            ("indexes/index.cdx.gz", index, zipfile.ZIP_STORED),
            ("pages/pages.jsonl", pages_file, zipfile.ZIP_DEFLATED),
        ]
        partial = Path(work) / "package.wacz"
        _write_zip(partial, members, title)
        os.replace(partial, out)
    return count


def _copy_records(records: Iterable[RecordRef], fh: IO[bytes]) -> int:
    """Append each record once (an article's pages may share one), checked whole."""
    seen: set[tuple[str, int]] = set()
    for ref in records:
        key = (str(Path(ref.path).resolve()), ref.offset)
        if key in seen:
            continue
        seen.add(key)
        fh.write(read_member(ref))
    return len(seen)


def read_member(ref: RecordRef) -> bytes:
    """The record's gzip member, refused unless it is complete and holds a WARC record:
    a package must never carry a torn record."""
    try:
        with open(ref.path, "rb") as fh:
            fh.seek(ref.offset)
            member = fh.read(ref.length)
    except OSError as exc:
        raise WaczError(f"{ref.path}: {exc.strerror or exc}") from None
    where = f"{ref.path} at {ref.offset}"
    if len(member) != ref.length or ref.length <= 0:
        raise WaczError(f"{where}: the record is cut short")
    inflate = zlib.decompressobj(wbits=31)  # 31: one gzip member
    try:
        head = inflate.decompress(member, 16)
        while inflate.unconsumed_tail and not inflate.eof:
            inflate.decompress(inflate.unconsumed_tail, CHUNK)
    except zlib.error as exc:
        raise WaczError(f"{where}: not a gzip WARC record ({exc})") from None
    if not head.startswith(b"WARC/") or not inflate.eof or inflate.unused_data:
        raise WaczError(f"{where}: not one whole gzip WARC record")
    return member


def pages_jsonl(pages: Iterable[Page], title: str) -> bytes:
    """pages.jsonl: the header line the spec requires, then one line per page."""
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": title}]
    for page in pages:
        line: dict[str, str] = {"url": page.url, "ts": page.ts}
        if page.title:
            line["title"] = page.title
        if page.text:
            line["text"] = page.text
        lines.append(line)
    return b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)


def _write_zip(path: Path, members: list[tuple[str, Path, int]], title: str) -> None:
    now = dt.datetime.now(dt.UTC)
    stamp = now.timetuple()[:6]
    resources = []
    with zipfile.ZipFile(path, "w", allowZip64=True) as zf:
        for name, source, compression in members:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = compression
            with source.open("rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                digest, size = _copy_hashing(src, dst)
            resources.append(
                {
                    "name": Path(name).name.lower(),
                    "path": name,
                    "hash": "sha256:" + digest,
                    "bytes": size,
                }
            )
        package = {
            "profile": "data-package",
            "resources": resources,
            "title": title,
            "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wacz_version": WACZ_VERSION,
            "software": "warta",
        }
        package_bytes = json.dumps(package, indent=2).encode()
        zf.writestr(zipfile.ZipInfo("datapackage.json", stamp), package_bytes)
        digest_json = {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
        }
        zf.writestr(
            zipfile.ZipInfo("datapackage-digest.json", stamp),
            json.dumps(digest_json, indent=2).encode(),
        )


def _copy_hashing(src: IO[bytes], dst: IO[bytes]) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    while chunk := src.read(CHUNK):
        sha.update(chunk)
        dst.write(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def _record_file(folder: Path, name: str) -> Path:
    """The file a pointer names (`.open` while still written); a missing one is left for
    write_wacz to refuse with the package's own one-line error."""
    try:
        return locate(folder, name)
    except WarcError:
        return folder / name
