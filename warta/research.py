"""`warta export` and `warta stats`: the researcher's commands.

Both take an optional QUERY (the syntax of `warta search`) and the same filters
as `warta search`; without a query they cover every article the filters allow.
warta/cli.py registers them lazily, so pyarrow and matplotlib are imported
only when these commands run. Errors are one line, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from storage.export import (
    FORMATS,
    ExportTargetError,
    check_target,
    export_rows,
    write_csv,
    write_export,
    write_jsonl,
)
from storage.search import Filters, SearchError
from storage.stats import PERIODS, Stats, collect
from warta.cli import DB_OPTION, check_filters, count_option, day_option, fail, open_archive

# The filter options of `warta search`, defined once for both commands. (cli.py
# declares its own inline on `search`, so they cannot be imported from there.)
_FILTER_OPTIONS = [
    click.option("--source", multiple=True, help="Only this source (repeatable)."),
    click.option("--section", multiple=True, help="Only this section (repeatable)."),
    click.option("--author", multiple=True, help="Only articles by this person (repeatable)."),
    click.option("--tag", multiple=True, help="Only articles with this tag (repeatable)."),
    click.option("--location", multiple=True, help="Only this dateline place (repeatable)."),
    click.option("--from", "date_from", help="Published on or after this day (YYYY-MM-DD, WIB)."),
    click.option("--to", "date_to", help="Published on or before this day (YYYY-MM-DD, WIB)."),
    click.option("--exact", is_flag=True, help="Match the query's literal words, not stems."),
    click.option(
        "--unique-stories",
        is_flag=True,
        help="One article per story: of syndicated copies, the first archived.",
    ),
]


def filter_options(command: Callable) -> Callable:
    """Add the search filters (and --exact) to a command."""
    for option in reversed(_FILTER_OPTIONS):
        command = option(command)
    return command


def filters_from(options: dict[str, Any]) -> Filters:
    """The Filters the filter options describe; a malformed day is a one-line error."""
    return Filters(
        sources=list(options["source"]),
        sections=list(options["section"]),
        authors=list(options["author"]),
        tags=list(options["tag"]),
        locations=list(options["location"]),
        date_from=day_option(options["date_from"], "--from"),
        date_to=day_option(options["date_to"], "--to"),
    )


# -- export ------------------------------------------------------------------------------


@click.command()
@click.argument("query", required=False)
@click.option(
    "--output",
    "-o",
    required=True,
    help="File to write ('-': standard output, jsonl and csv only).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Default: from the output's extension, else jsonl.",
)
@filter_options
@DB_OPTION
def export(query, output, fmt, exact, unique_stories, db_path, **options) -> None:
    """Export the articles matching QUERY and the filters (all of them without QUERY)."""
    fmt = fmt or _format_from_name(output)
    if output == "-" and fmt == "parquet":
        raise fail("--output -: Parquet cannot go to standard output; give a file name")
    if output != "-":
        try:
            check_target(output)  # before the query runs: a device or symlink is refused
        except ExportTargetError as exc:
            raise fail(f"--output: {exc}") from None
    filters = filters_from(options)
    with open_archive(db_path) as archive:
        check_filters(archive, filters)
        try:
            rows = export_rows(archive, query, filters, exact, unique_stories=unique_stories)
            written = _write(rows, fmt, output)
        except SearchError as exc:
            raise fail(str(exc)) from None
        except ExportTargetError as exc:
            raise fail(f"--output: {exc}") from None
        except OSError as exc:
            raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    if output != "-":
        click.echo(f"{written} articles written to {output} ({fmt})", err=True)


def _format_from_name(output: str) -> str:
    suffix = Path(output).suffix.lower().lstrip(".")
    return {"jsonl": "jsonl", "ndjson": "jsonl", "csv": "csv", "parquet": "parquet"}.get(
        suffix, "jsonl"
    )


def _write(rows, fmt: str, output: str) -> int:
    if output != "-":
        return write_export(rows, fmt, output)
    stream = click.get_text_stream("stdout")
    try:
        return (write_jsonl if fmt == "jsonl" else write_csv)(rows, stream)
    except BrokenPipeError:
        # the reader (`| head`) has seen enough: stop quietly, and keep Python's
        # final flush of stdout from complaining about the closed pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


# -- stats --------------------------------------------------------------------------------


@click.command()
@click.argument("query", required=False)
@click.option("--by", type=click.Choice(list(PERIODS)), default="day", show_default=True)
@count_option("--top", default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--plot", "plot_path", help="Also draw the counts over time into this PNG file.")
@filter_options
@DB_OPTION
def stats(query, by, top, fmt, plot_path, exact, unique_stories, db_path, **options) -> None:
    """Articles per source per day/week/month (WIB), top sections and authors."""
    filters = filters_from(options)
    with open_archive(db_path) as archive:
        check_filters(archive, filters)
        try:
            result = collect(
                archive, query, filters, exact, by=by, top=top, unique_stories=unique_stories
            )
        except SearchError as exc:
            raise fail(str(exc)) from None
    if plot_path:
        plot_counts(result, plot_path)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_stats(result)


def _print_stats(result: Stats) -> None:
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

    periods = [_period_start(p, result.by) for p in result.periods()]
    figure, axes = plt.subplots(figsize=(10, 5), dpi=100)
    try:
        for source, counts in result.table().items():
            axes.plot(periods, counts, marker="o", label=source)
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


def _period_start(label: str, by: str) -> date:
    return date.fromisoformat(f"{label}-01" if by == "month" else label)
