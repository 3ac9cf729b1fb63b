"""`warta search`: full-text search of the archive, as text, JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import click

from storage.search import Hit, SearchError
from warta.cli.options import (
    DB_OPTION,
    SOURCES_OPTION,
    check_filters,
    count_option,
    fail,
    filter_options,
    open_archive,
    query_from,
)

HIT_COLUMNS = ["id", "url", "source", "section", "title", "published_at", "authors", "snippet"]


@click.command("search")
@click.argument("query")
@DB_OPTION
@filter_options
@SOURCES_OPTION
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance")
@count_option("--limit", default=10, show_default=True)
@count_option("--offset", low=0, default=0)
@click.option("--count", "count_only", is_flag=True, help="Print only the number of matches.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "jsonl", "csv"]),
    default="text",
    help="json/jsonl: one JSON object per hit and line.",
)
def search(
    query: str,
    db_path: str | None,
    sources_path: str | None,
    sort: str,
    limit: int,
    offset: int,
    count_only: bool,
    fmt: str,
    **filters: Any,
) -> None:
    """Full-text search (FTS5 syntax: words, "phrases", AND/OR/NOT, NEAR, prefix*, title:)."""
    asked = query_from(query, filters, sort)
    archive = open_archive(db_path)
    check_filters(archive, asked.filters, sources_path)
    try:
        if count_only:
            click.echo(archive.count(asked))
            return
        terminal = fmt == "text" and sys.stdout.isatty()
        highlight = ("\x1b[1m", "\x1b[0m") if terminal else ("[", "]")
        hits = archive.search(asked, limit=limit, offset=offset, highlight=highlight)
    except SearchError as exc:
        raise fail(str(exc)) from None
    print_hits(hits, fmt, offset)


def print_hits(hits: list[Hit], fmt: str, offset: int) -> None:
    """The hits as numbered text (title, day, source, URL, snippet), JSON lines or CSV."""
    if fmt in ("json", "jsonl"):
        for hit in hits:
            click.echo(json.dumps(hit.as_dict(), ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=HIT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for hit in hits:
            writer.writerow({**hit.as_dict(), "authors": "; ".join(hit.authors)})
    elif not hits:
        click.echo("no matches")
    else:
        for number, hit in enumerate(hits, start=offset + 1):
            click.echo(f"{number:>3}. {hit.title}")
            click.echo(f"     {(hit.published_at or '')[:10]}  {hit.source}  {hit.url}")
            click.echo(f"     {hit.snippet}")
