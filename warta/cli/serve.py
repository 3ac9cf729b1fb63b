"""`warta serve`: the archive read-only in the browser (Datasette, built by warta/web.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import ModuleType

import click

from storage.archive import Archive, ArchiveError, default_db_path
from warta.cli.options import DB_OPTION, SOURCES_OPTION, configured_sources, fail


def require_datasette() -> ModuleType:
    """Datasette's ASGI server module, or a one-line error for an install that predates it."""
    try:
        import datasette  # noqa: F401
        import uvicorn
    except ImportError:
        raise fail("warta serve needs Datasette: pip install -e .") from None
    return uvicorn


@click.command("serve")
@DB_OPTION
@SOURCES_OPTION
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(db_path: str | None, sources_path: str | None, port: int, host: str) -> None:
    """Serve the archive read-only in the browser (Datasette): search, facets, queries."""
    uvicorn = require_datasette()
    from warta.web import DATABASE, build_datasette  # Datasette's imports: only when serving

    path = Path(db_path or default_db_path())
    try:
        Archive(path, readonly=True).close()  # exists, and is an archive this warta reads
    except ArchiveError as exc:
        raise fail(str(exc)) from None
    sources = configured_sources(sources_path)
    datasette = build_datasette(path, sources)
    asyncio.run(datasette.invoke_startup())
    click.echo(f"serving {path} read-only at http://{host}:{port}/{DATABASE}", err=True)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
