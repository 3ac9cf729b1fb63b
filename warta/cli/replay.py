"""`warta replay`: the archive's WARC files in pywb, on 127.0.0.1, until Ctrl-C.

pywb runs from its own virtual environment (`--setup` creates it): its pins clash
with warta's. The page `/warta/TIMESTAMPid_/URL` gives a record's bytes as fetched.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from storage.archive import default_db_path
from warta.cli.options import DB_OPTION, fail


@click.command()
@DB_OPTION
@click.option(
    "--warc-dir",
    type=click.Path(path_type=Path),
    help="The WARC folder (default: the archive's, `<db without .db>.warc/`).",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8090, show_default=True, help="Loopback port."
)
@click.option(
    "--setup",
    is_flag=True,
    help="Create pywb's virtual environment ($WARTA_PYWB_VENV, else ./.venv-pywb) and exit.",
)
def replay(db_path: str | None, warc_dir: Path | None, port: int, setup: bool) -> None:
    """Replay the archive's WARC files with pywb on 127.0.0.1 (Ctrl-C stops it)."""
    from storage.warc import default_warc_dir
    from warta import replay as replaying

    venv = replaying.pywb_venv()
    if setup:
        try:
            replaying.setup(venv)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise fail(f"cannot set up pywb in {venv}: {exc}") from None
        click.echo(f"pywb is ready in {venv}")
        return
    folder = warc_dir or default_warc_dir(db_path or default_db_path())
    try:
        replaying.serve(folder, port, venv)
    except replaying.ReplayError as exc:
        raise fail(str(exc)) from None
