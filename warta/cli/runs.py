"""`warta runs`: recent crawl runs, and (`--errors RUN_ID`) the URLs a run could not archive."""

from __future__ import annotations

import json

import click

from storage.archive import Archive
from warta.cli.options import DB_OPTION, count_option, fail, open_archive
from warta.cli.tables import print_runs


@click.command()
@DB_OPTION
@count_option("--limit", default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@count_option(
    "--errors",
    "errors_of",
    metavar="RUN_ID",
    help="List the URLs this run could not archive, with the reason.",
)
def runs(db_path: str | None, limit: int, fmt: str, errors_of: int | None) -> None:
    """Recent crawl runs, newest first (`failed`: URLs not archived)."""
    archive = open_archive(db_path)
    if errors_of is not None:
        print_crawl_errors(archive, errors_of, fmt)
        return
    recent = archive.runs.latest(limit)
    failed = archive.runs.error_counts(run["id"] for run in recent)
    for run in recent:
        run["failed_urls"] = failed.get(run["id"], 0)
    if fmt == "json":
        click.echo(json.dumps(recent, indent=2))
        return
    if archive.origin() == "replica":  # on stderr: stdout stays the table scripts read
        click.echo(
            f"{archive.path}: replica crawls (synthetic articles, not the real outlets)", err=True
        )
    print_runs(recent, with_time=True)


def print_crawl_errors(archive: Archive, run_id: int, fmt: str) -> None:
    """The URLs run RUN_ID could not archive: reason, attempts, URL, detail."""
    if not archive.runs.exists(run_id):
        raise fail(f"--errors: no crawl run {run_id} (see `warta runs`)")
    rows = archive.runs.errors(run_id)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'reason':<18} {'tries':>5}  url  (detail)")
    for row in rows:
        click.echo(f"{row['reason']:<18} {row['attempts']:>5}  {row['url']}  ({row['detail']})")
