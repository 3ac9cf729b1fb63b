"""`warta history URL`: an article's versions, oldest first, with readable diffs."""

from __future__ import annotations

from pathlib import Path

import click

from warta.cli.options import DB_OPTION, SOURCES_OPTION, configured_sources, fail, open_archive
from warta.cli.reparse import WARC_DIR_OPTION


@click.command()
@click.argument("url")
@DB_OPTION
@SOURCES_OPTION
@WARC_DIR_OPTION
def history(url: str, db_path: str | None, sources_path: str | None, warc_dir: Path | None) -> None:
    """An article's versions, oldest first, with what changed between them, and the WARC
    record each came from (a warning when that record's file is not in the WARC folder)."""
    # imported here: URL rules load the extraction rules, not paid by `warta --help`
    from crawler.urls import canonical_url, configured_hosts
    from storage.warc import WarcError, require_files
    from warta.history import render_history

    archive = open_archive(db_path)
    article_id = archive.article_id_for(url)
    if article_id is None:  # a variant of the URL (mobile host, tracking parameters…)
        hosts = configured_hosts(configured_sources(sources_path))
        article_id = archive.article_id_for(canonical_url(url, hosts))
    if article_id is None:
        raise fail(f"{url} is not in the archive")
    click.echo(render_history(archive.versions(article_id)))
    try:  # a version names its WARC record: say so when that record's file is not there
        require_files(warc_dir or archive.warc_dir, archive.warc_file_names(article_id))
    except WarcError as exc:  # the versions themselves are in the archive: still shown
        click.echo(f"warning: {exc}", err=True)
