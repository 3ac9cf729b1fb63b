"""The table of crawl runs that `warta crawl` prints at its end and `warta runs` lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click


def duration(run: dict[str, Any]) -> str:
    """How long a run took, e.g. `42s`; `-` while it runs."""
    if not run.get("finished_at"):
        return "-"
    started = datetime.fromisoformat(run["started_at"].replace("Z", "+00:00"))
    finished = datetime.fromisoformat(run["finished_at"].replace("Z", "+00:00"))
    return f"{(finished - started).total_seconds():.0f}s"


def print_runs(runs: list[dict[str, Any]], with_time: bool = False) -> None:
    """One line per run; `failed` counts the URLs it could not archive (`--errors ID`)."""
    started = f"{'run':>5} {'started':<21}{'took':>7} " if with_time else ""
    click.echo(
        f"{started}{'source':<16} {'status':<9} {'pages':>6} {'new':>5} {'upd':>5} "
        f"{'same':>5} {'drop':>5} {'err':>4} {'failed':>6}  message"
    )
    for run in runs:
        started = f"{run['id']:>5} {run['started_at']:<21}{duration(run):>7} " if with_time else ""
        click.echo(
            f"{started}{run['source']:<16} {run['status']:<9} {run['pages']:>6} "
            f"{run['articles_new']:>5} {run['articles_updated']:>5} "
            f"{run['articles_unchanged']:>5} {run['articles_dropped']:>5} {run['errors']:>4}"
            f" {run.get('failed_urls', '-'):>6}  {run['message'] or ''}"
        )
