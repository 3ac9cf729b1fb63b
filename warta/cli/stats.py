"""`warta stats`: articles per source over time, top sections and authors, and a plot.

Takes the optional QUERY and the filters of `warta export`; matplotlib is imported
only when --plot asks for a picture.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from storage.search import SearchError
from storage.stats import PERIODS, Stats
from warta.cli.options import (
    DB_OPTION,
    SOURCES_OPTION,
    check_filters,
    count_option,
    fail,
    filter_options,
    open_archive,
    query_from,
)


@click.command()
@click.argument("query", required=False)
@click.option("--by", type=click.Choice(list(PERIODS)), default="day", show_default=True)
@count_option("--top", default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--plot", "plot_path", help="Also draw the counts over time into this PNG file.")
@filter_options
@SOURCES_OPTION
@DB_OPTION
def stats(
    query: str | None,
    by: str,
    top: int,
    fmt: str,
    plot_path: str | None,
    sources_path: str | None,
    db_path: str | None,
    **filters: Any,
) -> None:
    """Articles per source per day/week/month (WIB), top sections and authors."""
    asked = query_from(query, filters)
    with open_archive(db_path) as archive:
        check_filters(archive, asked.filters, sources_path)
        try:
            result = archive.stats(asked, by=by, top=top)
        except SearchError as exc:
            raise fail(str(exc)) from None
    if plot_path:
        plot_counts(result, plot_path)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_stats(result)


def print_stats(result: Stats) -> None:
    """A table of counts per period and source, then the top sections and authors."""
    click.echo(f"{result.total} articles ({result.undated} undated), per {result.by} (WIB):")
    table, periods = result.table(), result.periods()
    widths = {s: max(len(s), 5) for s in table}
    click.echo(f"{'period':<10}  " + " ".join(f"{s:>{widths[s]}}" for s in table) + "  total")
    for i, period in enumerate(periods):
        cells = " ".join(f"{table[s][i]:>{widths[s]}}" for s in table)
        click.echo(f"{period:<10}  {cells}  {sum(col[i] for col in table.values()):>5}")
    click.echo("top sections:")
    for row in result.top_sections:
        click.echo(f"  {row['articles']:>6}  {row['source']}/{row['section'] or '-'}")
    click.echo("top authors:")
    for row in result.top_authors:
        click.echo(f"  {row['articles']:>6}  {row['author']}")


def plot_counts(result: Stats, path: str) -> None:
    """A line per source of its article count per period, written as PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers; must precede pyplot's import
    import matplotlib.pyplot as plt

    periods = [period_start(p, result.by) for p in result.periods()]
    figure, axes = plt.subplots(figsize=(10, 5), dpi=100)
    try:
        for source, counts in result.table().items():
            # matplotlib's stubs know numbers only; its date converter plots dates as such
            axes.plot(periods, counts, marker="o", label=source)  # type: ignore[arg-type]
        axes.set_title(f"Articles per {result.by} (WIB), {result.total} in all")
        axes.set_ylabel("articles")
        axes.set_ylim(bottom=0)
        if periods:
            axes.legend(loc="upper left", fontsize="small")
        else:
            axes.text(0.5, 0.5, "no dated articles", ha="center", transform=axes.transAxes)
        figure.autofmt_xdate()
        figure.savefig(path, format="png")
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(figure)


def period_start(label: str, by: str) -> date:
    """The first day of a period label (YYYY-MM-DD, or YYYY-MM for months)."""
    return date.fromisoformat(f"{label}-01" if by == "month" else label)
