"""The `warta` group: which module holds each command, and how errors reach the user.

Commands live one per module in this package and are imported only when used (or
listed by `warta --help`): `warta search` never pays for Datasette, Scrapy or
matplotlib. Nothing imports this module except the package's `__init__`.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from typing import Any

import click

from storage.archive import default_db_path
from storage.opening import damaged_message, is_damage
from warta.cli.options import DB_META, UsageMistake, discard_stdout, fail

# name -> "module:attribute" of the click command
COMMANDS = {
    "backup": "warta.cli.backup:backup",
    "compact": "warta.cli.compact:compact",
    "coverage": "warta.cli.coverage:coverage",
    "crawl": "warta.cli.crawl:crawl",
    "demo": "warta.cli.demo:demo",
    "export": "warta.cli.export:export",
    "extract": "warta.cli.extract:extract",
    "health": "warta.cli.health:health",
    "history": "warta.cli.history:history",
    "import": "warta.cli.import_:import_",
    "probe": "warta.cli.probe:probe",
    "replica": "warta.cli.replica:replica",
    "reparse": "warta.cli.reparse:reparse",
    "replay": "warta.cli.replay:replay",
    "runs": "warta.cli.runs:runs",
    "scheduler": "warta.cli.scheduler:scheduler",
    "search": "warta.cli.search:search",
    "serve": "warta.cli.serve:serve",
    "sources": "warta.cli.sources:sources",
    "stats": "warta.cli.stats:stats",
    "writer": "warta.cli.writer:writer",
}


class LazyGroup(click.Group):
    """A group whose commands live in their own modules, imported when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command), COMMANDS[name]
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """`warta --bogus`: a mistake in warta's own options is one line as well."""
        _refuse_undecodable(args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _one_line(exc, ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        """A usage mistake (bad option value, unknown command) is one line too, exit code 2;
        so are a damaged archive found mid-read and output that cannot be written."""
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a full disk behind `> file` shows here, not at exit
            return result
        except click.UsageError as exc:
            raise _one_line(exc, ctx) from None
        except sqlite3.DatabaseError as exc:
            db = ctx.meta.get(DB_META) or default_db_path()
            if is_damage(exc):
                raise fail(damaged_message(db, exc)) from None
            raise fail(f"{db}: {exc}") from None
        except BrokenPipeError:
            discard_stdout()  # the reader (`| head`) has seen enough, as export does
            sys.exit(0)
        except OSError as exc:
            if exc.filename is not None:
                raise fail(f"cannot use {exc.filename}: {exc.strerror or exc}") from None
            discard_stdout()
            raise fail(f"cannot write the output: {exc.strerror or exc}") from None


def _refuse_undecodable(args: list[str]) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates and fail deep inside
    (SQLite, JSON, the terminal): say so up front."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            raise UsageMistake(f"argument {shown!r} is not valid UTF-8") from None


def _one_line(exc: click.UsageError, ctx: click.Context) -> UsageMistake:
    where = exc.ctx.command_path if exc.ctx else ctx.command_path
    return UsageMistake(f"{exc.format_message()} (see '{where} --help')")


@click.group(cls=LazyGroup)
@click.version_option(package_name="warta")
def main() -> None:
    """warta: crawl Indonesian regional news into a searchable SQLite archive."""
