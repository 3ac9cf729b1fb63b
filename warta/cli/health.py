"""`warta health`: per source ok, degraded or failing; the exit code is the worst."""

from __future__ import annotations

import json
import sys

import click

from warta.cli.options import (
    DB_OPTION,
    SOURCES_OPTION,
    configured_sources,
    open_archive,
)


@click.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def health(db_path: str | None, sources_path: str | None, fmt: str) -> None:
    """Per source: ok, degraded or failing. Exit code 0, 1 or 2 for the worst."""
    from storage.health import LEVELS, worst

    configured = configured_sources(sources_path)
    archive = open_archive(db_path)
    report = archive.health(configured)
    if fmt == "json":
        click.echo(json.dumps([h.as_dict() for h in report], indent=2))
    else:
        for h in report:
            share = "-" if h.fallback_share is None else f"{h.fallback_share:.0%}"
            click.echo(
                f"{h.source:<16} {h.status:<9} last ok {h.last_success or 'never':<21} "
                f"new {h.new_articles if h.new_articles is not None else '-':>4} "
                f"fallback {share:>4}  {'; '.join(h.reasons)}"
            )
    sys.exit(LEVELS[worst(report)])
