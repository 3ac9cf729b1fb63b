"""`warta demo`: the whole pipeline on the offline replica, in one command."""

from __future__ import annotations

import click

from crawler.sources import load_sources
from replica.generator import build_site
from replica.server import ReplicaServer
from storage.archive import Archive
from storage.query import Query
from warta.crawling import CrawlOptions, run_crawls

SAMPLE_QUERY = "retreat Magelang"
# The demo's own archive: its synthetic articles carry the outlets' real URLs, so they
# never go into the researcher's archive ($WARTA_DB, ./warta.db); storage/origin.py
# refuses that too.
DEMO_DB = "warta-demo.db"


def run_demo(db_path: str, *, articles: int = 300, seed: int = 1) -> bool:
    """Serve the replica, crawl every source through it, print a summary; True when all ran ok."""
    site = build_site(articles=articles, seed=seed, syndication=True)
    sources = list(load_sources())
    with ReplicaServer(site) as server:
        click.echo(f"replica: {len(site.articles)} articles at {server.base_url}")
        click.echo(f"crawling {', '.join(sources)} into {db_path} (a replica-only archive) …")
        runs = run_crawls(
            CrawlOptions(sources=sources, db_path=db_path, replica_url=server.base_url)
        )
    with Archive(db_path, readonly=True) as archive:
        click.echo("")
        click.echo("articles in the archive, per source:")
        for source, articles in archive.source_counts().items():
            click.echo(f"  {source:<16} {articles:>6}")
        click.echo("")
        click.echo(f"warta search {SAMPLE_QUERY!r}:")
        for hit in archive.search(Query(SAMPLE_QUERY), limit=3):
            click.echo(f"  {hit.published_at}  {hit.title}")
            click.echo(f"      {hit.url}")
    failed = [run for run in runs if run["status"] != "ok"]
    for run in failed:
        click.echo(f"run {run['id']} of {run['source']}: {run['status']} ({run['message']})")
    return not failed
