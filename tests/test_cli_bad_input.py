"""Bad input to every command: one line on stderr, a non-zero exit, never a traceback.

Table-driven over the commands (search, export, stats, crawl, history, runs,
health, reparse, serve, extract, scheduler) and the kinds of mistake: unknown
source, bad dates, bad query syntax, a missing archive (which read commands must
not create), an archive from a newer warta, a file that is not SQLite, a folder
given as --db. Most cases run in this process (Click's runner: a subprocess
costs a second of imports); a few run as real subprocesses to see the real
stderr. docs/reliability-input.md summarises these tables.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from storage.archive import Archive
from storage.schema import SCHEMA_VERSION
from tests.conftest import run_warta
from tests.test_archive import row
from tests.test_sources_config import GOOD, MISTAKES

READ_COMMANDS = {
    "search": ["search", "banjir"],
    "search --count": ["search", "banjir", "--count"],
    "export": ["export", "banjir", "--output", "-", "--format", "csv"],
    "stats": ["stats"],
    "history": ["history", "https://a.example/1"],
    "runs": ["runs"],
    "health": ["health"],
    "reparse": ["reparse"],
    "serve": ["serve", "--port", "1"],
}
# --db kind -> what the one-line message must say
BAD_ARCHIVES = {
    "missing": "archive not found",
    "newer schema": f"newer than this warta supports ({SCHEMA_VERSION})",
    "not SQLite": "is not a warta archive: file is not a database",
    "a folder": "is a folder, not an archive file",
    "empty file": "file has no warta schema",
    "SQLite, not warta": "file has no warta schema",
}
BAD_QUERIES = ['"unbalanced', "AND", "title:", "NEAR(", "*", "(", "a OR", "nosuchcolumn:x", ""]
QUERY_COMMANDS = {
    "search": ["search"],
    "search --count": ["search", "--count"],
    "search --exact": ["search", "--exact"],
    "search --unique-stories": ["search", "--unique-stories"],
    "export": ["export", "--output", "-", "--format", "jsonl"],
    "stats": ["stats"],
}
BAD_DATES = [
    (["--from", "2025-13-01"], "--from: expected a date"),
    (["--from", "yesterday"], "--from: expected a date"),
    (["--to", "2025-02-30"], "--to: expected a date"),
    (["--from", "7/11/2025"], "--from: expected a date"),
    (["--from", "2025-11-08", "--to", "2025-11-01"], "is after --to"),
]
DATE_COMMANDS = {
    "search": ["search", "banjir"],
    "export": ["export", "banjir", "--output", "-"],
    "stats": ["stats"],
}
NOWHERE = ["--replica", "http://127.0.0.1:9"]  # a crawl that got through would fetch nothing


def invoke(args: list[str], **env):
    """Run `warta ARGS` in this process; return (exit code, stdout, stderr)."""
    from warta.cli import main

    result = CliRunner().invoke(main, args, env=env or None)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback for {args}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line_error(args: list[str], **env) -> str:
    code, stdout, stderr = invoke(args, **env)
    assert code != 0, (args, stdout)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, (args, stderr)
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture(scope="module")
def dbs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad-input")
    good = folder / "good.db"
    with Archive(good) as archive:
        archive.store(row())
    newer = folder / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    not_sqlite = folder / "notes.db"
    not_sqlite.write_text("these are my notes, not an archive\n" * 200, encoding="utf-8")
    (folder / "folder.db").mkdir()
    (folder / "empty.db").write_bytes(b"")
    plain = folder / "plain.db"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    return {
        "good": good,
        "missing": folder / "missing.db",
        "newer schema": newer,
        "not SQLite": not_sqlite,
        "a folder": folder / "folder.db",
        "empty file": folder / "empty.db",
        "SQLite, not warta": plain,
    }


def snapshot(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


@pytest.mark.parametrize("kind", list(BAD_ARCHIVES))
@pytest.mark.parametrize("command", list(READ_COMMANDS))
def test_bad_archive_for_read_commands(dbs, command, kind):
    db = dbs[kind]
    before = snapshot(db)
    line = one_line_error([*READ_COMMANDS[command], "--db", str(db)])
    assert BAD_ARCHIVES[kind] in line
    assert snapshot(db) == before  # nothing created, migrated or rewritten
    if kind == "missing":
        assert not db.exists() and not Path(f"{db}-wal").exists()


@pytest.mark.parametrize("kind", ["newer schema", "not SQLite", "a folder"])
@pytest.mark.parametrize("command", ["crawl", "scheduler --list"])
def test_bad_archive_for_write_commands(dbs, tmp_path, command, kind):
    db = dbs[kind]
    before = snapshot(db)
    args = [*command.split(), "--db", str(db), "--sources", str(write_config(tmp_path, GOOD))]
    line = one_line_error([*args, *NOWHERE])
    assert {
        "newer schema": "newer than this warta",
        "not SQLite": "file is not a database",
        "a folder": "is a folder",
    }[kind] in line
    assert snapshot(db) == before
    assert not Path(f"{db}.jobs.db").exists()


@pytest.mark.parametrize("query", BAD_QUERIES)
@pytest.mark.parametrize("command", list(QUERY_COMMANDS))
def test_bad_query_syntax(dbs, command, query):
    line = one_line_error([*QUERY_COMMANDS[command], query, "--db", str(dbs["good"])])
    assert line.startswith("Error: ")
    assert "sqlite3" not in line and "OperationalError" not in line


@pytest.mark.parametrize(("dates", "message"), BAD_DATES)
@pytest.mark.parametrize("command", list(DATE_COMMANDS))
def test_bad_dates(dbs, command, dates, message):
    line = one_line_error([*DATE_COMMANDS[command], *dates, "--db", str(dbs["good"])])
    assert message in line


@pytest.mark.parametrize(("dates", "message"), BAD_DATES)
def test_bad_crawl_dates(tmp_path, dates, message):
    crawl_dates = [d.replace("--from", "--since").replace("--to", "--until") for d in dates]
    db = tmp_path / "w.db"
    line = one_line_error(["crawl", "tribunjogja", *crawl_dates, "--db", str(db), *NOWHERE])
    assert message.replace("--from", "--since").replace("--to", "--until") in line
    assert not db.exists()


UNKNOWN_SOURCE = {
    "crawl": ["crawl", "nosuch"],
    "crawl (a URL)": ["crawl", "https://evil.example/berita/1"],
    "search": ["search", "banjir", "--source", "nosuch"],
    "search --count": ["search", "banjir", "--count", "--source", "nosuch"],
    "export": ["export", "banjir", "--output", "-", "--source", "nosuch"],
    "stats": ["stats", "--source", "nosuch"],
    "reparse": ["reparse", "--source", "nosuch"],
}


@pytest.mark.parametrize("command", list(UNKNOWN_SOURCE))
def test_unknown_source(dbs, command):
    args = [*UNKNOWN_SOURCE[command], "--db", str(dbs["good"])]
    if command.startswith("crawl"):
        args += NOWHERE
    line = one_line_error(args)
    assert "unknown source 'nosuch'" in line or "unknown source 'https://evil" in line


def test_a_configured_source_with_no_articles_yet_is_no_mistake(dbs):
    code, stdout, _ = invoke(
        ["search", "banjir", "--source", "kompasregional", "--db", str(dbs["good"])]
    )
    assert code == 0 and "no matches" in stdout


OTHER_MISTAKES = [  # (args, --db: the good archive / a new file / none, message)
    (["history", "https://nowhere.example/x"], "good", "is not in the archive"),
    (["search", "banjir", "--limit", "0"], "good", "Invalid value for '--limit'"),
    (["search", "banjir", "--sort", "random"], "good", "Invalid value for '--sort'"),
    (["search", "-x"], "good", "No such option"),
    (["stats", "--by", "fortnight"], "good", "Invalid value for '--by'"),
    (["export", "banjir", "--output", "-", "--format", "parquet"], "good", "Parquet cannot go"),
    (["nosuchcommand"], None, "No such command"),
    (["extract", "/", "--url", "https://x.example/a"], None, "is a directory"),
    (["extract", "/nonexistent/page.html", "--url", "https://x.example/a"], None, "cannot read"),
    (["crawl", "tribunjogja", "--replica", "file:///etc"], "new", "--replica: expected http://"),
    (["crawl", "tribunjogja", "--replica", "ftp://x.example"], "new", "--replica: expected"),
    (["crawl", "tribunjogja", "--section", "bali", *NOWHERE], "new", "no section 'bali'"),
    (["crawl", "tribunjogja", "--limit", "-1"], "new", "Invalid value for '--limit'"),
]


@pytest.mark.parametrize(("args", "db", "message"), OTHER_MISTAKES)
def test_other_mistakes(dbs, tmp_path, args, db, message):
    if db is not None:
        args = [*args, "--db", str(dbs["good"] if db == "good" else tmp_path / "w.db")]
    assert message in one_line_error(args)
    assert not (tmp_path / "w.db").exists()


def test_extract_of_a_non_html_file(tmp_path):
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    assert "not an HTML article page" in one_line_error(
        ["extract", str(binary), "--url", "https://x.example/a"]
    )


# -- a bad sources config stops everything ------------------------------------------------


def write_config(folder: Path, text: str) -> Path:
    path = folder / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


CONFIG_COMMANDS = {
    "crawl": ["crawl", *NOWHERE],
    "scheduler --list": ["scheduler", "--list"],
    "sources": ["sources"],
    "health": ["health"],
}


@pytest.mark.parametrize("command", list(CONFIG_COMMANDS))
@pytest.mark.parametrize(
    ("text", "source", "field"),
    [case[1:4] for case in MISTAKES if case[0] != "not UTF-8"],
    ids=[case[0] for case in MISTAKES if case[0] != "not UTF-8"],
)
def test_bad_config_stops_every_command(dbs, tmp_path, command, text, source, field):
    config = write_config(tmp_path, text)
    db = tmp_path / "w.db" if command != "health" else dbs["good"]
    db_option = ["--db", str(db)] if command != "sources" else []
    line = one_line_error([*CONFIG_COMMANDS[command], "--sources", str(config), *db_option])
    assert str(config) in line
    if source not in (None, "[defaults]"):
        assert f"source '{source}'" in line
    if field is not None:
        assert f"'{field}'" in line
    if command != "health":
        assert not db.exists() and not Path(f"{db}.jobs.db").exists()


@pytest.mark.parametrize(
    "mistake",
    ["schedule: 61st minute", "timezone: unknown", "duplicate source: same domain, no prefix"],
)
def test_scheduler_daemon_refuses_to_start_on_a_bad_config(tmp_path, mistake):
    """The real daemon (not --list), in a subprocess: it exits at once, runs no job."""
    text = next(case[1] for case in MISTAKES if case[0] == mistake)
    config = write_config(tmp_path, text)
    db = tmp_path / "w.db"
    result = run_warta("scheduler", "--every", "1", "--sources", str(config), db=db, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(config) in lines[0], result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sources.toml"]  # no archive, no jobs


def test_real_stderr_of_a_few_mistakes(tmp_path, dbs):
    """As a user sees them: no traceback, one line, exit 1 (2 for usage errors)."""
    for args, code in [
        (["search", "NEAR(", "--db", str(dbs["good"])], 1),
        (["runs", "--db", str(dbs["not SQLite"])], 1),
        (["stats", "--db", str(dbs["a folder"])], 1),
        (["search", "x", "--limit", "0", "--db", str(dbs["good"])], 2),
        (["--bogus", "search", "x"], 2),  # an option of warta itself, before the command
    ]:
        result = run_warta(*args, timeout=60)
        assert result.returncode == code, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stdout == ""
