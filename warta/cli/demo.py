"""`warta demo`: the replica, a crawl of every outlet through it, a summary and a search."""

from __future__ import annotations

import sys

import click

from crawler.sources import ConfigError
from storage.archive import ArchiveError
from warta.cli.options import fail


@click.command()
@click.option(
    "--db",
    "db_path",
    default=None,
    help="Archive file for the demo's synthetic articles (default: ./warta-demo.db, "
    "never $WARTA_DB).",
)
@click.option("--articles", type=click.IntRange(min=1, max=100_000), default=300, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def demo(db_path: str | None, articles: int, seed: int) -> None:
    """Start the replica, crawl every outlet through it, show a summary and a search."""
    from warta.demo import DEMO_DB, run_demo

    try:
        ok = run_demo(db_path or DEMO_DB, articles=articles, seed=seed)
    except (ArchiveError, ConfigError) as exc:
        raise fail(str(exc)) from None
    if not ok:
        sys.exit(1)
