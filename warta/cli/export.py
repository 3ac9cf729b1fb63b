"""`warta export`: the articles a query and filters select, to JSON lines, CSV, Parquet
or a WACZ package (their WARC records, index and pages: replayable evidence).

Takes an optional QUERY (the syntax of `warta search`) and the same filters;
without a query it exports every article the filters allow. Parquet's pyarrow is
imported only when this command writes Parquet.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from storage.archive import Archive, default_db_path
from storage.export import (
    FORMATS,
    ExportTargetError,
    check_target,
    write_csv,
    write_export,
    write_jsonl,
)
from storage.query import Query
from storage.search import SearchError
from warta.cli.options import (
    DB_OPTION,
    SOURCES_OPTION,
    check_filters,
    discard_stdout,
    fail,
    filter_options,
    open_archive,
    query_from,
)


@click.command()
@click.argument("query", required=False)
@click.option(
    "--output",
    "-o",
    required=True,
    help="File to write ('-': standard output, jsonl and csv only).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*FORMATS, "wacz")),
    help="Default: from the output's extension, else jsonl.",
)
@click.option(
    "--warc-dir",
    type=click.Path(path_type=Path),
    help="wacz: the WARC folder (default: the archive's, `<db without .db>.warc/`).",
)
@filter_options
@SOURCES_OPTION
@DB_OPTION
def export(
    query: str | None,
    output: str,
    fmt: str | None,
    warc_dir: Path | None,
    sources_path: str | None,
    db_path: str | None,
    **filters: Any,
) -> None:
    """Export the articles matching QUERY and the filters (all of them without QUERY)."""
    fmt = fmt or format_from_name(output)
    if output == "-" and fmt in ("parquet", "wacz"):
        shown = {"parquet": "Parquet", "wacz": "WACZ"}[fmt]
        raise fail(f"--output -: {shown} cannot go to standard output; give a file name")
    if output != "-":
        try:
            check_target(output)  # before the query runs: a device or symlink is refused
        except ExportTargetError as exc:
            raise fail(f"--output: {exc}") from None
    asked = query_from(query, filters)
    with open_archive(db_path) as archive:
        check_filters(archive, asked.filters, sources_path)
        if fmt == "wacz":
            db = db_path or default_db_path()
            export_wacz(archive, asked, warc_dir, db, output, query)
            return
        try:
            written = write(archive.export_rows(asked), fmt, output)
        except SearchError as exc:
            raise fail(str(exc)) from None
        except ExportTargetError as exc:
            raise fail(f"--output: {exc}") from None
        except OSError as exc:
            raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    if output != "-":
        click.echo(f"{written} articles written to {output} ({fmt})", err=True)


def export_wacz(
    archive: Archive,
    asked: Query,
    warc_dir: Path | None,
    db: str,
    output: str,
    query: str | None,
) -> None:
    """Package the selected articles' WARC records; articles stored before capture have
    none and are left out (said on stderr); none at all is an error."""
    # imported here: warcio and cdxj-indexer load only for a WACZ export
    from storage.wacz import NothingToPackage, Selected, WaczError, write_wacz
    from storage.warc import default_warc_dir

    try:
        selected = Selected(archive, asked, warc_dir or default_warc_dir(db))
    except SearchError as exc:
        raise fail(str(exc)) from None
    title = f"warta export: {query}" if query else "warta export"
    try:
        count = write_wacz(Path(output), selected.records(), selected.pages(), title)
    except NothingToPackage:
        if not selected.ids:
            raise fail("nothing to package: no article matches") from None
        raise fail(
            f"no WARC records to package: the {len(selected.ids)} selected articles "
            "were archived without capture"
        ) from None
    except WaczError as exc:
        raise fail(f"cannot package: {exc}") from None
    if selected.without_records:
        click.echo(
            f"{selected.without_records} selected articles have no WARC record (archived "
            "without capture): left out",
            err=True,
        )
    click.echo(
        f"{len(selected.ids) - selected.without_records} articles ({count} WARC records) "
        f"written to {output} (wacz)",
        err=True,
    )


def format_from_name(output: str) -> str:
    """The format an output file's extension names; jsonl when it names none."""
    suffix = Path(output).suffix.lower().lstrip(".")
    known = {"jsonl": "jsonl", "ndjson": "jsonl", "csv": "csv", "parquet": "parquet"}
    return {**known, "wacz": "wacz"}.get(suffix, "jsonl")


def write(rows: Iterator[dict[str, Any]], fmt: str, output: str) -> int:
    """Write the rows to the file (atomically) or to standard output; how many were written."""
    if output != "-":
        return write_export(rows, fmt, output)
    try:  # sys.stdout as `warta search` writes CSV (click.get_text_stream is deprecated)
        if fmt == "jsonl":
            return write_jsonl(rows, sys.stdout)
        return write_csv(rows, sys.stdout)
    except BrokenPipeError:
        # the reader (`| head`) has seen enough: stop quietly, and keep Python's
        # final flush of stdout from complaining about the closed pipe
        discard_stdout()
        sys.exit(0)
