"""`warta coverage`: the days and sections the archive may not hold whole."""

from __future__ import annotations

import json
import sys

import click

from storage.coverage import Hole
from warta.cli.options import (
    DB_OPTION,
    SOURCES_OPTION,
    configured_sources,
    day_option,
    fail,
    open_archive,
)


@click.command()
@click.argument("source_id", required=False, metavar="[SOURCE]")
@DB_OPTION
@SOURCES_OPTION
@click.option("--from", "date_from", help="Only days on or after this one (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Only days on or before this one (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def coverage(
    source_id: str | None,
    db_path: str | None,
    sources_path: str | None,
    date_from: str | None,
    date_to: str | None,
    fmt: str,
) -> None:
    """Days and sections the archive may not hold whole (exit code 1 when any)."""
    from storage.coverage import NoLedger, holes

    day_from, day_to = day_option(date_from, "--from"), day_option(date_to, "--to")
    if day_from and day_to and day_from > day_to:
        raise fail(f"--from {day_from} is after --to {day_to}")
    if source_id is not None:
        configured = configured_sources(sources_path)
        if source_id not in configured:
            raise fail(f"unknown source {source_id!r}; configured: {', '.join(configured)}")
    try:
        found = holes(open_archive(db_path), source_id, day_from, day_to)
    except NoLedger as exc:
        raise fail(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps([hole.as_dict() for hole in found], indent=2))
    else:
        print_holes(found)
    if found:
        sys.exit(1)


def print_holes(found: list[Hole]) -> None:
    """A line per hole: listed and archived counts, and why (the failed listing URLs)."""
    if not found:
        click.echo("no holes: every day walked is held whole")
        return
    click.echo(
        f"{'source':<16} {'day':<10} {'section':<12} {'listed':>6} {'archived':>8}  "
        "why (failed listing URLs)"
    )
    for hole in found:
        listed = "-" if hole.listed is None else hole.listed
        archived = "-" if hole.archived is None else hole.archived
        why = " ".join(hole.failed_urls) or (
            "listed articles not archived" if hole.walked else "listing not walked to its end"
        )
        click.echo(
            f"{hole.source:<16} {hole.day or '?':<10} {hole.section or '-':<12} "
            f"{listed:>6} {archived:>8}  {why}"
        )
