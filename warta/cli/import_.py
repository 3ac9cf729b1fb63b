"""`warta import`: anyone's WARC files into the archive, through the crawl's pipelines."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from storage.archive import Archive, ArchiveError, default_db_path
from warta.cli.options import DB_OPTION, SOURCES_OPTION, configured_sources, fail

if TYPE_CHECKING:
    from warta.importing import ImportReport


@click.command(name="import")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
@SOURCES_OPTION
@click.option(
    "--any-site",
    is_flag=True,
    help="Also take news-like pages of sites no source owns (title, date, 400+ characters).",
)
@click.option(
    "--paths-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A warc.paths(.gz)-style list: one local WARC file per line, relative to the list.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=min(os.cpu_count() or 1, 4),
    show_default="CPUs, at most 4",
    help="Worker processes that extract articles (the archive is written by one).",
)
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The archive's WARC folder, where the kept records are copied "
    "(default: `<db without .db>.warc/` beside the archive).",
)
@click.option(
    "--warc-max-bytes",
    type=click.IntRange(1),
    default=1_000_000_000,
    show_default=True,
    help="A WARC file of copied records rolls over at this size (as a crawl's).",
)
@click.option(
    "--batch",
    type=click.IntRange(1),
    default=1000,
    show_default=True,
    help="Articles per commit (or 2 s, whichever comes first); a killed import keeps "
    "every committed batch.",
)
def import_(
    files: tuple[Path, ...],
    db_path: str | None,
    sources_path: str | None,
    any_site: bool,
    paths_file: Path | None,
    jobs: int,
    warc_dir: Path | None,
    warc_max_bytes: int,
    batch: int,
) -> None:
    """Import the HTML pages of WARC files (gzipped or not) as a crawl would archive them.

    The records of the pages kept are copied, byte for byte, into new files of the
    archive's WARC folder, and the archive points at them there."""
    paths = [*files, *(listed_paths(paths_file) if paths_file else [])]
    if not paths:
        raise click.UsageError("give WARC files, or --paths-file LIST")
    sources = configured_sources(sources_path)
    try:
        # longer batches than a crawl's (200 rows or 0.5 s): a bulk load commits (and
        # fsyncs its WARC copies) less often; a crawl beside it waits 2 s at most
        archive = Archive(
            db_path or default_db_path(), warc_dir=warc_dir, batch_size=batch, batch_seconds=2.0
        )
    except ArchiveError as exc:
        raise fail(str(exc)) from None
    # imported here: the extractor's and Scrapy's imports are not paid by `warta --help`
    from warta.importing import import_warcs

    with archive:
        try:
            report = import_warcs(
                archive,
                paths,
                sources=sources,
                any_site=any_site,
                progress=show_progress,
                jobs=jobs,
                max_bytes=warc_max_bytes,
            )
        except (ArchiveError, OSError) as exc:  # the WARC folder or the archive cannot be written
            raise fail(str(exc)) from None
    for path, error in report.file_errors:
        click.echo(f"error: {path}: {error}", err=True)
    click.echo(summary(report))
    click.echo(cpu_summary(report, jobs))
    for reason, number in report.skipped.most_common():
        click.echo(f"  skipped {number:>6}  {reason}")
    if report.file_errors and len(report.file_errors) == report.files:
        raise SystemExit(1)  # nothing could be read at all


def listed_paths(paths_file: Path) -> list[Path]:
    """The files a warc.paths-style list (gzipped or not) names, relative to the list's
    folder; blank lines and # comments are skipped."""
    try:
        data = paths_file.read_bytes()
        if paths_file.suffix == ".gz":  # Common Crawl publishes warc.paths.gz
            data = gzip.decompress(data)
        text = data.decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise fail(f"{paths_file}: cannot read the list of WARC files ({exc})") from None
    lines = (line.strip() for line in text.splitlines())
    return [paths_file.parent / line for line in lines if line and not line.startswith("#")]


def summary(report: ImportReport) -> str:
    outcomes = report.outcomes
    rate = report.articles / report.seconds if report.seconds else 0.0
    return (
        f"{report.files} files, {report.records} records, {report.pages} HTML pages: "
        f"{report.articles} articles ({outcomes['new']} new, {outcomes['updated']} updated, "
        f"{outcomes['unchanged']} unchanged, {outcomes['duplicate']} duplicates) "
        f"in {report.seconds:.1f}s ({rate:.1f} articles/s); "
        f"{report.copied} WARC records copied; "
        f"{sum(report.skipped.values())} skipped, {len(report.file_errors)} unreadable files"
    )


def cpu_summary(report: ImportReport, jobs: int) -> str:
    """Where the CPU went: the writing process runs the pipeline chain on every article,
    so its CPU per article bounds what more worker processes (`--jobs`) can gain."""
    per_article = report.writer_cpu * 1000 / report.articles if report.articles else 0.0
    workers = f"{report.workers_cpu:.1f}s in the worker processes" if jobs > 1 else "no workers"
    return (
        f"CPU: {report.writer_cpu:.1f}s in the writing process "
        f"({per_article:.1f} ms per article), {workers}"
    )


def show_progress(report: ImportReport, phase: str) -> None:
    """One progress line on stderr (every second or so, from importing._Ticker)."""
    seconds = report.seconds or 1.0
    click.echo(
        f"import: {phase}: {report.records} records ({report.records / seconds:.0f}/s), "
        f"{report.pages} HTML pages, {report.articles} articles "
        f"({report.articles / seconds:.1f}/s)",
        err=True,
    )
