"""What the `warta` commands share: their options, the one-line error, opening the archive.

Every command module imports this module and never the group (warta/cli/group.py),
so the group can load commands by name without anything importing it back.

- `DB_OPTION`, `SOURCES_OPTION`, `count_option`, `Seconds`: options and types.
- `settings_option` / `settings_from`: `-s NAME=VALUE` settings for crawls.
- `filter_options` (the search filters, --exact and --unique-stories, declared once
  for search, export and stats) and `query_from`, which turns them into the
  storage API's `Query`.
- `day_option`: a YYYY-MM-DD value of --from/--to/--since/--until as a date.
- `UserError` / `fail`: an error the user can fix, shown as one line.
- `open_archive`, `configured_sources`, `check_filters`, `discard_stdout`.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar, cast

import click

from crawler.sources import ConfigError, Source, load_sources
from storage import Filters, Query
from storage.archive import Archive, ArchiveError, default_db_path
from storage.query import Sort

F = TypeVar("F", bound=Callable[..., Any])

DB_OPTION = click.option(
    "--db",
    "db_path",
    default=None,
    help="Archive file (default: $WARTA_DB or ./warta.db).",
)
SOURCES_OPTION = click.option(
    "--sources",
    "sources_path",
    default=None,
    help="Sources config (default: $WARTA_SOURCES, ./sources.toml, or the bundled one).",
)


def settings_option(help: str) -> Callable[[F], F]:
    """`-s/--set NAME=VALUE` (repeatable), passed as `setting`; read it with `settings_from`."""
    return click.option("-s", "--set", "setting", multiple=True, metavar="NAME=VALUE", help=help)


def settings_from(pairs: tuple[str, ...]) -> dict[str, str]:
    """`-s NAME=VALUE` pairs as a dict; a pair without `=` or name is a usage error."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not name.strip().isidentifier():
            raise fail(f"-s {pair!r}: expected NAME=VALUE, e.g. -s DOWNLOAD_TIMEOUT=10")
        settings[name.strip()] = value
    return settings


# The largest integer SQLite stores (LIMIT, OFFSET, ids): a bigger one is a usage error.
SQLITE_INT_MAX = 2**63 - 1
# The days --from/--to/--since/--until accept: date arithmetic (WIB offsets, the day
# after --to) stays inside Python's calendar, and no news archive predates 1900.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)

DB_META = "warta.db"  # the archive a command opened, in Click's context meta (shared)


class UserError(click.ClickException):
    """An error the user can fix; shown as one line."""


class UsageMistake(UserError):
    """A mistake in how warta was called (an option, an argument): one line, exit code 2."""

    exit_code = 2


def fail(message: str) -> UserError:
    """The error to raise for a mistake the user can fix (one line, exit code 1)."""
    return UserError(message)


def discard_stdout() -> None:
    """After a failed write to stdout, drop what is buffered: Python's exit-time flush
    would fail again and print a traceback of its own."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def count_option(*names: str, low: int = 1, **kwargs: Any) -> Callable[[F], F]:
    """An integer option SQLite can take (at most 2^63 - 1)."""
    return click.option(*names, type=click.IntRange(min=low, max=SQLITE_INT_MAX), **kwargs)


class Seconds(click.FloatRange):
    """A finite number of seconds in [low, high]; nan and inf are refused too."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(min=low, max=high)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number of seconds", param, ctx)
        return number


def day_option(value: str | None, option: str) -> date | None:
    """A --from/--to/--since/--until value as a date; a bad one is a one-line error."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: expected a date like 2025-11-07, got {value!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise fail(f"{option}: {value} is out of range ({FIRST_DAY} to {LAST_DAY})")
    return day


# -- sources and the archive ---------------------------------------------------------------


def configured_sources(path: str | None) -> dict[str, Source]:
    """The sources config at PATH (or the default one); a bad one is a one-line error."""
    try:
        return load_sources(path)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def open_archive(db_path: str | None) -> Archive:
    """The archive read-only, for a read command; a bad or missing one is one line."""
    path = db_path or default_db_path()
    context = click.get_current_context(silent=True)
    if context is not None:
        context.meta[DB_META] = path  # named by the message if the file proves damaged
    try:
        return Archive(path, readonly=True)
    except ArchiveError as exc:
        raise fail(str(exc)) from None


def open_archive_to_rewrite(db_path: str | None) -> Archive:
    """An existing archive opened for writing (reparse, compact): never a new one, and a
    bad or missing one is one line."""
    open_archive(db_path).close()  # checked as a reader first: a missing file is not created
    try:
        return Archive(db_path or default_db_path())
    except ArchiveError as exc:
        raise fail(str(exc)) from None


# -- the search filters --------------------------------------------------------------------

# The filter options of search, export and stats, declared once.
_FILTER_OPTIONS = [
    click.option("--source", multiple=True, help="Only this source (repeatable)."),
    click.option("--section", multiple=True, help="Only this section (repeatable)."),
    click.option("--author", multiple=True, help="Only articles by this person (repeatable)."),
    click.option("--tag", multiple=True, help="Only articles with this tag (repeatable)."),
    click.option("--location", multiple=True, help="Only this dateline place (repeatable)."),
    click.option("--from", "date_from", help="Published on or after this day (YYYY-MM-DD, WIB)."),
    click.option("--to", "date_to", help="Published on or before this day (YYYY-MM-DD, WIB)."),
    click.option("--exact", is_flag=True, help="Match the query's literal words, not their stems."),
    click.option(
        "--unique-stories",
        is_flag=True,
        help="One article per story: syndicated copies count once (the first archived).",
    ),
]


def filter_options(command: F) -> F:
    """Add the search filters, --exact and --unique-stories to a command."""
    for option in reversed(_FILTER_OPTIONS):
        command = option(command)
    return command


def query_from(text: str | None, options: Mapping[str, Any], sort: str = "relevance") -> Query:
    """The query the filter options describe; a malformed day is a one-line error."""
    filters = Filters(
        sources=list(options["source"]),
        sections=list(options["section"]),
        authors=list(options["author"]),
        tags=list(options["tag"]),
        locations=list(options["location"]),
        date_from=day_option(options["date_from"], "--from"),
        date_to=day_option(options["date_to"], "--to"),
    )
    return Query(
        text=text,
        filters=filters,
        exact=bool(options["exact"]),
        unique_stories=bool(options["unique_stories"]),
        sort=cast(Sort, sort),  # click.Choice holds it to the sorts; Query checks again
    )


def check_filters(archive: Archive, filters: Filters, sources_path: str | None = None) -> None:
    """A filter that cannot match is a mistake worth a message, not an empty result:
    --from after --to, or a --source neither in the archive nor in the sources config
    (the one given with --sources, else the default one)."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise fail(f"--from {filters.date_from} is after --to {filters.date_to}")
    for source in filters.sources:
        if archive.has_source(source):
            continue
        configured = _known_sources(sources_path)
        if source not in configured:
            known = archive.sources()
            raise fail(f"unknown source {source!r}; known: {', '.join(known or configured)}")


def _known_sources(sources_path: str | None) -> list[str]:
    """The configured source ids. A config named with --sources must load; the default
    one may be broken without stopping a search (it only names the known sources)."""
    if sources_path is not None:
        return list(configured_sources(sources_path))
    try:
        return list(load_sources())
    except ConfigError:
        return []
