"""Run a `warta` command in this process with Click's CliRunner, as `run_warta` would.

A subprocess costs a second of imports; commands that do not crawl (search, export,
stats, runs, health, coverage, history, backup, argument errors…) need none. The
result has `run_warta`'s `returncode`, `stdout` and `stderr`, and the command runs in
the repository's folder as `run_warta`'s does (./sources.toml). Crawls and tests about
the process itself (signals, real exit status, the README's commands) keep `run_warta`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import REPO


@dataclass(frozen=True)
class Ran:
    """What a command did: its exit code and what it wrote to stdout and stderr."""

    returncode: int
    stdout: str
    stderr: str


def warta_in_process(*args: str, db: Path | None = None, timeout: float = 0) -> Ran:
    """`warta ARGS [--db DB]` through CliRunner. A traceback fails the test: an
    uncaught exception is re-raised instead of becoming an exit code. (`timeout`
    is accepted, and ignored, so that a `run_warta` call converts unchanged.)"""
    from warta.cli import main

    command = [*args, *(["--db", str(db)] if db is not None else [])]
    with contextlib.chdir(REPO):
        result = CliRunner().invoke(main, command, prog_name="warta")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"warta {' '.join(command)}: a traceback") from result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)
