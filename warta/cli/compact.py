"""`warta compact`: move the raw pages still held in SQLite into WARC files, and
(`--vacuum`) give the freed space back to the file system (storage/warc_move.py)."""

from __future__ import annotations

import click

from storage.archive import Archive, ArchiveError
from storage.runs import is_stale
from warta.cli.options import DB_OPTION, fail, open_archive_to_rewrite


@click.command()
@DB_OPTION
@click.option(
    "--vacuum",
    "run_vacuum",
    is_flag=True,
    help="Afterwards VACUUM the file so it shrinks (rewrites it whole; not during a crawl).",
)
@click.option(
    "--batch",
    type=click.IntRange(1, 10_000),
    default=200,
    show_default=True,
    help="Rows moved per transaction (a concurrent crawl waits at most one batch).",
)
def compact(db_path: str | None, run_vacuum: bool, batch: int) -> None:
    """Move raw pages from the archive into WARC files beside it; --vacuum shrinks the file.

    Safe to stop and rerun: every row keeps its html until its record is on disk.
    """
    from storage.warc_move import file_bytes, move_raw_pages, vacuum

    archive = open_archive_to_rewrite(db_path)
    with archive:
        if run_vacuum and (crawling := live_crawls(archive)):
            # VACUUM holds the write lock for as long as it rewrites the file: a crawl's
            # writes would time out. The move alone is fine (short batches).
            raise fail(
                f"{archive.path} is being crawled ({', '.join(crawling)}): "
                "run `warta compact --vacuum` once the crawl is over (or compact without --vacuum)"
            )
        try:
            before = file_bytes(archive)
            report = move_raw_pages(archive, batch=batch)
            click.echo(
                f"{report.rows} raw pages moved to WARC ({report.records} records, "
                f"{report.html_bytes / 1e6:.1f} MB out of SQLite, "
                f"{report.warc_bytes / 1e6:.1f} MB in {', '.join(report.files) or 'no new file'})"
            )
            if report.unreadable:
                click.echo(
                    f"{report.unreadable} raw pages do not decompress (damaged): left in SQLite",
                    err=True,
                )
            if not run_vacuum:
                if report.rows:
                    click.echo("run `warta compact --vacuum` to give the freed space back")
                return
            _, after = vacuum(archive)
        except ArchiveError as exc:
            raise fail(str(exc)) from None
    ratio = after / before if before else 1.0
    click.echo(
        f"VACUUM: {archive.path} {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB "
        f"({ratio:.0%} of before)"
    )


def live_crawls(archive: Archive) -> list[str]:
    """The sources a live crawl holds the lock of (a dead crawl's lock is stale)."""
    live = []
    for source in archive.locks.holders():
        holder = archive.locks.holder_of(source)
        if holder is not None and not is_stale(holder):
            live.append(source)
    return sorted(live)
