"""`warta runs`: recent crawl runs, and (`--errors RUN_ID`) the URLs a run could not archive.

Runs on Scrapyd nodes (`warta scheduler --nodes`) show their node and job; an
archive without those columns (older schema) or with only local runs shows the
table as before.
"""

from __future__ import annotations

import json
from typing import Any

import click

from storage.archive import Archive
from warta.cli.options import DB_OPTION, count_option, fail, open_archive
from warta.cli.tables import duration, print_runs


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
    if any(run.get("node") or run.get("job") for run in recent):
        print_node_runs(recent)  # some ran on Scrapyd nodes: say which node, which job
    else:
        print_runs(recent, with_time=True)


def print_node_runs(recent: list[dict[str, Any]]) -> None:
    """The runs table with where each ran: its node and Scrapyd job ("-": this machine)."""
    click.echo(
        f"{'run':>5} {'started':<21}{'took':>7} {'source':<16} {'status':<9} {'pages':>6} "
        f"{'new':>5} {'err':>4} {'failed':>6}  {'node':<12} {'job':<32}  message"
    )
    for run in recent:
        click.echo(
            f"{run['id']:>5} {run['started_at']:<21}{duration(run):>7} {run['source']:<16} "
            f"{run['status']:<9} {run['pages']:>6} {run['articles_new']:>5} {run['errors']:>4} "
            f"{run.get('failed_urls', '-'):>6}  {run.get('node') or '-':<12} "
            f"{run.get('job') or '-':<32}  {run['message'] or ''}"
        )


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
