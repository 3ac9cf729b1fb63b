"""`warta sources`: the configured outlets."""

from __future__ import annotations

import json

import click

from warta.cli.options import SOURCES_OPTION, configured_sources


@click.command()
@SOURCES_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def sources(sources_path: str | None, fmt: str) -> None:
    """List the configured outlets."""
    configured = configured_sources(sources_path)
    if fmt == "json":
        click.echo(json.dumps([s.as_dict() for s in configured.values()], indent=2))
    else:
        for source_id in configured:
            click.echo(source_id)
