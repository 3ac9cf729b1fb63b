"""`warta reparse`: re-extract the archived raw pages with the current extractor."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from storage import Filters, Query
from storage.archive import Archive, ArchiveError
from warta.cli.options import (
    DB_OPTION,
    SOURCES_OPTION,
    check_filters,
    fail,
    open_archive_to_rewrite,
)

# The archive's WARC folder, for reparse and history (one declaration, both commands).
WARC_DIR_OPTION = click.option(
    "--warc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The archive's WARC folder (default: `<db without .db>.warc/` beside the archive).",
)

if TYPE_CHECKING:
    from warta.reparse import ReparseReport


@click.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--source", help="Only this source's articles.")
@WARC_DIR_OPTION
def reparse(
    db_path: str | None, sources_path: str | None, source: str | None, warc_dir: Path | None
) -> None:
    """Re-extract archived raw pages with the current extractor; report what changed."""
    archive = open_archive_to_rewrite(db_path)
    if warc_dir is not None:
        archive.warc_dir = warc_dir
    from storage.warc import (  # imported here: not paid by `warta --help`
        missing_files,
        require_files,
    )

    with archive:
        try:
            archive.verify_intact()  # re-extraction rewrites rows: never into a damaged file
            # a wrong or lost WARC folder is one line, not a failure per article (with
            # some of its files there, the articles of the others fail one by one)
            names = archive.warc_file_names()
            if names and len(missing_files(archive.warc_dir, names)) == len(names):
                require_files(archive.warc_dir, names)
        except ArchiveError as exc:
            raise fail(str(exc)) from None
        if source:
            check_filters(archive, Filters(sources=[source]), sources_path)
        report = reparse_source(archive, source)
    click.echo(
        f"{report.articles} articles re-extracted: {report.changed} changed, "
        f"{report.unchanged} unchanged, {len(report.duplicates)} now duplicates, "
        f"{len(report.failed)} failed"
    )
    for column, number in report.fields.most_common():
        click.echo(f"  {column:<14} changed in {number}")
    for url, original in report.duplicates[:20]:
        click.echo(f"  duplicate: {url} now reads as {original}")
    for url, reason in report.failed[:20]:
        click.echo(f"  failed: {url}: {reason}")


def reparse_source(archive: Archive, source: str | None) -> ReparseReport:
    """Re-extract the source's articles (every article without one)."""
    # imported here: the extractor's imports are not paid by `warta --help`
    from warta.reparse import reparse as reparse_archive

    chosen = Query(filters=Filters(sources=[source] if source else []))
    return reparse_archive(archive, archive.article_ids(chosen))
