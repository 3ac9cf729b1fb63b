"""Researcher exports: the articles a query and filters select, as JSON Lines, CSV or Parquet.

The columns are fixed and documented (EXPORT_COLUMNS, from the Article item's fields:
storage/columns.py; docs/researcher-guide.md),
in the same order in every format, so analysis scripts do not break when the
archive grows a column. Rows are read in pages by id (keyset pagination), never
all at once: an export of a million articles holds one page in memory, and no
read transaction stays open while the writer works. Each article appears once,
as it was when its page was read; articles archived during the export may be
included.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from storage.columns import EXPORT_COLUMNS, LIST_COLUMNS
from storage.core import ArchiveCore
from storage.query import Filters, Query
from storage.search import count_hits, filter_sql, fts_match

FORMATS = ("jsonl", "csv", "parquet")
PAGE_SIZE = 1000
PARQUET_BATCH_ROWS = 5000  # one row group per batch: ~15 MB of text at most in memory
CSV_LIST_SEPARATOR = "; "


@dataclass
class Selection:
    """The articles (alias `a`) a query and filters select, as SQL pieces with their parameters."""

    tables: str
    where: str
    params: list[Any] = field(default_factory=list)
    id_column: str = "a.id"


def select(archive: ArchiveCore, query: Query) -> Selection:
    """All articles matching the filters, or only the full-text matches of the text among them.

    A text goes to the same FTS index search uses (stemmed unless `exact`).
    It is run once through count_hits() first, so that a malformed query raises
    SearchError with search's one-line explanation before anything is written.
    `unique_stories`: of the selected copies of one story (near-duplicate cluster),
    only the first archived (lowest id) is selected.
    """
    filters = query.filters
    where, params = filter_sql(filters)
    fts = None
    if query.text is None:
        chosen = Selection("articles a", where, params)
    else:
        count_hits(archive, replace(query, unique_stories=False))
        fts = index, match = fts_match(query.text, query.exact)
        chosen = Selection(
            f"{index} JOIN articles a ON a.id = {index}.rowid",
            f"{index} MATCH ? AND {where}",
            [match, *params],
            # paging on the FTS rowid lets FTS5 serve both the range and the order
            id_column=f"{index}.rowid",
        )
    if query.unique_stories:
        _first_copy_only(chosen, filters, fts)
    return chosen


def _first_copy_only(chosen: Selection, filters: Filters, fts: tuple[str, str] | None) -> None:
    """Keep a row only if no selected copy of its story has a lower id.

    Checked per row against the few other members of its cluster (indexed by
    cluster_id), so an export still streams: no set of stories is held anywhere.
    """
    where, params = filter_sql(filters, alias="o")
    matched = ""
    if fts:
        index, match = fts
        matched = f" AND EXISTS (SELECT 1 FROM {index} WHERE {index} MATCH ? AND rowid = o.id)"
        params = [*params, match]
    chosen.where += (
        " AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.cluster_id = a.cluster_id "
        f"AND o.id < a.id AND {where}{matched})"
    )
    chosen.params = [*chosen.params, *params]


def selected_rows(
    archive: ArchiveCore, query: Query, *, page_size: int = PAGE_SIZE
) -> Iterator[dict[str, Any]]:
    """The selected articles in id order, one dict per article with EXPORT_COLUMNS as keys.

    Lists (authors, editors, tags) are Python lists. A bad query raises SearchError
    here, at the call, not at the first row.
    """
    return _pages(archive, select(archive, query), page_size)


def selected_ids(
    archive: ArchiveCore, query: Query, *, page_size: int = PAGE_SIZE
) -> Iterator[int]:
    """The ids of the selected articles, in id order, read in pages."""
    chosen = select(archive, query)
    sql = (
        f"SELECT a.id FROM {chosen.tables} WHERE {chosen.where} AND {chosen.id_column} > ? "
        f"ORDER BY {chosen.id_column} LIMIT ?"
    )
    return _paged_ids(archive, sql, chosen.params, page_size)


def _paged_ids(archive: ArchiveCore, sql: str, params: list[Any], page_size: int) -> Iterator[int]:
    last_id = 0
    while True:
        page = [row[0] for row in archive.conn.execute(sql, [*params, last_id, page_size])]
        yield from page
        if len(page) < page_size:
            return
        last_id = page[-1]


def _pages(archive: ArchiveCore, chosen: Selection, page_size: int) -> Iterator[dict[str, Any]]:
    columns = ", ".join(f"a.{c}" for c in EXPORT_COLUMNS)
    sql = (
        f"SELECT {columns} FROM {chosen.tables} "
        f"WHERE {chosen.where} AND {chosen.id_column} > ? "
        f"ORDER BY {chosen.id_column} LIMIT ?"
    )
    last_id = 0
    while True:
        page = archive.conn.execute(sql, [*chosen.params, last_id, page_size]).fetchall()
        for values in page:
            yield _decode(values)
        if len(page) < page_size:
            return
        last_id = page[-1][0]


def _decode(values: tuple) -> dict[str, Any]:
    row = dict(zip(EXPORT_COLUMNS, values, strict=True))
    for column in LIST_COLUMNS:
        row[column] = json.loads(row[column] or "[]")
    return row


# -- writers -------------------------------------------------------------------------


def write_jsonl(rows: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """One JSON object per line, keys in EXPORT_COLUMNS order; returns the number of rows."""
    written = 0
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        written += 1
    return written


def write_csv(rows: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """A header line, then one row per article; lists joined with "; "."""
    writer = csv.writer(stream)
    writer.writerow(EXPORT_COLUMNS)
    written = 0
    for row in rows:
        writer.writerow(_csv_value(row[c]) for c in EXPORT_COLUMNS)
        written += 1
    return written


def _csv_value(value: Any) -> Any:
    return CSV_LIST_SEPARATOR.join(value) if isinstance(value, list) else value


def parquet_schema() -> Any:  # a pyarrow Schema (pyarrow is untyped)
    """The Parquet schema: ids int64, lists as list<string>, everything else string."""
    import pyarrow as pa

    def column_type(name: str) -> Any:
        if name in ("id", "cluster_id"):
            return pa.int64()
        return pa.list_(pa.string()) if name in LIST_COLUMNS else pa.string()

    return pa.schema([(name, column_type(name)) for name in EXPORT_COLUMNS])


def write_parquet(
    rows: Iterable[dict[str, Any]], path: str | os.PathLike, batch_rows: int = PARQUET_BATCH_ROWS
) -> int:
    """A Parquet file written one row group per `batch_rows` rows, so memory stays bounded."""
    import pyarrow as pa  # imported here: pyarrow is slow to import and only Parquet needs it
    import pyarrow.parquet as pq

    schema = parquet_schema()
    written = 0
    iterator = iter(rows)
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        while batch := list(islice(iterator, batch_rows)):
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
            written += len(batch)
    return written


class ExportTargetError(ValueError):
    """The output path is not somewhere an export may write a file; one line says why."""


def check_target(path: str | os.PathLike) -> None:
    """Refuse an output that is not a regular file (or a new name in an existing folder).

    The export is renamed over its target when complete: over a device, FIFO or
    symlink that rename would silently replace the node itself (`/dev/full`, a
    symlink to elsewhere) with a plain file.
    """
    target = Path(path)
    try:
        info = target.lstat()
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise ExportTargetError(
                f"cannot write {target}: folder {target.parent} does not exist"
            ) from None
        return
    if stat.S_ISLNK(info.st_mode):
        raise ExportTargetError(
            f"{target} is a symbolic link; give the real file name (not replacing the link)"
        )
    if not stat.S_ISREG(info.st_mode):
        raise ExportTargetError(
            f"{target} is {_kind(info.st_mode)}, not a regular file; "
            "use --output - to write to standard output"
        )


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def write_export(rows: Iterable[dict[str, Any]], fmt: str, path: str | os.PathLike) -> int:
    """Write rows to `path` in `fmt`; returns the number of rows.

    The file is written beside its final name (a new, unpredictable temporary
    name) and renamed when complete, so a failed export never leaves a truncated
    file that looks finished. Only a regular file is ever replaced (check_target).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    check_target(path)
    target = Path(path)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    partial = Path(name)
    try:
        if fmt == "parquet":
            os.close(handle)
            written = write_parquet(rows, partial)
        else:
            with open(handle, "w", encoding="utf-8", newline="") as stream:
                written = (write_jsonl if fmt == "jsonl" else write_csv)(rows, stream)
        os.chmod(partial, 0o666 & ~_umask())  # mkstemp's 0600 is not what `>` would give
        check_target(path)  # still a regular file, or nothing, just before the rename
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
