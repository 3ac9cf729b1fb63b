"""`warta extract`: run the extractor over a saved HTML page and print the article."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import click

from warta.cli.options import fail


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The URL the page was fetched from.")
@click.option("--explain", is_flag=True, help="Show which extraction layer produced each field.")
def extract(file: Path, url: str, explain: bool) -> None:
    """Extract the article in an HTML FILE and print it as JSON."""
    from crawler.extraction import extract_article

    try:
        html = file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from None
    article = extract_article(html, url)
    if article is None:
        raise fail(f"{file}: not an HTML article page")
    record = asdict(article)
    for key in ("pages", "source", "fetched_url"):
        record.pop(key, None)
    if not explain:
        record.pop("provenance", None)
    click.echo(json.dumps(record, ensure_ascii=False, indent=2, default=json_default))


def json_default(value: object) -> str | None:
    """Dates as ISO 8601; bytes (raw pages) left out as null."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    raise TypeError(type(value).__name__)
