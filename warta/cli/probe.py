"""`warta probe`: one listing page and a few articles of a source, reported per field."""

from __future__ import annotations

import sys

import click

from warta.cli.options import SOURCES_OPTION, configured_sources, fail


@click.command()
@click.argument("source_id", metavar="SOURCE")
@click.argument("urls", nargs=-1, metavar="[URL]...")
@SOURCES_OPTION
@click.option(
    "--articles",
    type=click.IntRange(min=0, max=50),
    default=3,
    show_default=True,
    help="How many of the listing's article links to fetch (when no URL is given).",
)
@click.option("--replica", "replica_url", help="Probe the offline replica at this http:// URL.")
@click.option("--polite", is_flag=True, help="Keep the outlet's delay even against the replica.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def probe(
    source_id: str,
    urls: tuple[str, ...],
    sources_path: str | None,
    articles: int,
    replica_url: str | None,
    polite: bool,
    fmt: str,
) -> None:
    """Fetch one listing page and a few articles of SOURCE and show what a crawl would keep.

    Per field: its value and the extraction layer or rule that produced it; the body's
    first and last words; the listing's links; and anything suspicious. Writes nothing.
    Exit code 1 when anything looks wrong.
    """
    # Scrapy is imported here, not at the top: `warta --help` lists this command too
    from warta.crawling import check_options_replica
    from warta.probe import print_report, run_probe

    configured = configured_sources(sources_path)
    if source_id not in configured:
        raise fail(f"unknown source {source_id!r}; configured: {', '.join(configured)}")
    source = configured[source_id]
    foreign = [url for url in urls if not source.owns_url(url)]
    if foreign:
        raise fail(f"{foreign[0]} is not on {source_id}'s domains ({', '.join(source.domains)})")
    try:
        check_options_replica(replica_url)
        report = run_probe(source, urls, articles=articles, replica_url=replica_url, polite=polite)
    except ValueError as exc:
        raise fail(str(exc)) from None
    print_report(report, fmt)
    if report.warnings:
        sys.exit(1)
