"""`warta backup DEST`: a consistent, verified copy of the archive, even during a crawl."""

from __future__ import annotations

from pathlib import Path

import click

from storage.archive import default_db_path
from warta.cli.options import DB_OPTION, fail


@click.command()
@click.argument("dest", type=click.Path(path_type=Path))
@DB_OPTION
@click.option("--overwrite", is_flag=True, help="Replace DEST if it exists.")
def backup(dest: Path, db_path: str | None, overwrite: bool) -> None:
    """Copy the archive to DEST, consistently even during a crawl, and verify the copy.

    Not `cp`: a copied archive file can silently lack what sits in its -wal file.
    """
    from storage.backup import BackupError
    from storage.backup import backup as backup_archive

    db = db_path or default_db_path()
    try:
        report = backup_archive(db, dest, overwrite=overwrite)
    except BackupError as exc:
        raise fail(str(exc)) from None
    checked = ", ".join(name.strip('"') for name in report.fts_tables)
    click.echo(
        f"{report.articles} articles backed up to {dest} ({report.bytes / 1e6:.1f} MB); "
        f"integrity_check ok, full-text indexes ok ({checked})"
    )
    if report.warc_files:
        click.echo(
            f"{report.warc_files} WARC files beside it ({report.warc_copied} copied now, "
            f"{report.warc_bytes / 1e6:.1f} MB); every raw page of the copy points into them"
        )
