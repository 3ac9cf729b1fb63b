"""`warta history URL`: an article's versions, oldest first, with readable diffs."""

from __future__ import annotations

import click

from warta.cli.options import DB_OPTION, SOURCES_OPTION, configured_sources, fail, open_archive


@click.command()
@click.argument("url")
@DB_OPTION
@SOURCES_OPTION
def history(url: str, db_path: str | None, sources_path: str | None) -> None:
    """An article's versions, oldest first, with what changed between them."""
    # imported here: URL rules load the extraction rules, not paid by `warta --help`
    from crawler.urls import canonical_url, configured_hosts
    from warta.history import render_history

    archive = open_archive(db_path)
    article_id = archive.article_id_for(url)
    if article_id is None:  # a variant of the URL (mobile host, tracking parameters…)
        hosts = configured_hosts(configured_sources(sources_path))
        article_id = archive.article_id_for(canonical_url(url, hosts))
    if article_id is None:
        raise fail(f"{url} is not in the archive")
    click.echo(render_history(archive.versions(article_id)))
