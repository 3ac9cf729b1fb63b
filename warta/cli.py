"""The `warta` command: crawl, search and inspect the archive without knowing Scrapy.

Every command takes `--db PATH` (default $WARTA_DB or ./warta.db) and prints a
one-line error, never a traceback, when its input is wrong.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sqlite3
import sys
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import click

from crawler.sources import ConfigError, load_sources
from crawler.urls import canonical_url, configured_hosts
from storage.archive import Archive, ArchiveError, default_db_path
from storage.opening import damaged_message, is_damage
from storage.search import Filters, SearchError, count, search

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

# The largest integer SQLite stores (LIMIT, OFFSET, ids): a bigger one is a usage error.
SQLITE_INT_MAX = 2**63 - 1
# The days --from/--to/--since/--until accept: date arithmetic (WIB offsets, the day
# after --to) stays inside Python's calendar, and no news archive predates 1900.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


DB_META = "warta.db"  # the archive a command opened, in Click's context meta (shared)


def count_option(*names: str, low: int = 1, **kwargs):
    """An integer option SQLite can take (at most 2^63 - 1)."""
    return click.option(*names, type=click.IntRange(min=low, max=SQLITE_INT_MAX), **kwargs)


class Seconds(click.FloatRange):
    """A finite number of seconds in [low, high]; nan and inf are refused too."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__(min=low, max=high)

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number of seconds", param, ctx)
        return number


class UserError(click.ClickException):
    """An error the user can fix; shown as one line."""


def fail(message: str) -> UserError:
    return UserError(message)


class LazyGroup(click.Group):
    """A group whose larger commands live in their own modules, imported when used.

    Keeps `warta search` from paying for Datasette's or matplotlib's import time.
    """

    LAZY = {
        "serve": "warta.web:serve",
        "export": "warta.research:export",
        "stats": "warta.research:stats",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            import importlib

            module, attribute = self.LAZY[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """`warta --bogus`: a mistake in warta's own options is one line as well."""
        _refuse_undecodable(args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _one_line(exc, ctx) from None

    def invoke(self, ctx: click.Context):
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
            _discard_stdout()  # the reader (`| head`) has seen enough, as export does
            sys.exit(0)
        except OSError as exc:
            if exc.filename is not None:
                raise fail(f"cannot use {exc.filename}: {exc.strerror or exc}") from None
            _discard_stdout()
            raise fail(f"cannot write the output: {exc.strerror or exc}") from None


def _refuse_undecodable(args: list[str]) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates and fail deep inside
    (SQLite, JSON, the terminal): say so up front."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            error = UserError(f"argument {shown!r} is not valid UTF-8")
            error.exit_code = 2
            raise error from None


def _discard_stdout() -> None:
    """After a failed write to stdout, drop what is buffered: Python's exit-time flush
    would fail again and print a traceback of its own."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _one_line(exc: click.UsageError, ctx: click.Context) -> UserError:
    where = exc.ctx.command_path if exc.ctx else ctx.command_path
    error = UserError(f"{exc.format_message()} (see '{where} --help')")
    error.exit_code = exc.exit_code
    return error


@click.group(cls=LazyGroup)
@click.version_option(package_name="warta")
def main() -> None:
    """warta: crawl Indonesian regional news into a searchable SQLite archive."""


@main.command()
@SOURCES_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def sources(sources_path: str | None, fmt: str) -> None:
    """List the configured outlets."""
    configured = _load_sources(sources_path)
    if fmt == "json":
        click.echo(json.dumps([s.as_dict() for s in configured.values()], indent=2))
    else:
        for source_id in configured:
            click.echo(source_id)


@main.command()
@click.argument("source_ids", nargs=-1, metavar="[SOURCE]...")
@DB_OPTION
@SOURCES_OPTION
@click.option("--replica", "replica_url", help="Crawl the offline replica at this http:// URL.")
@click.option("--since", help="First day to crawl (YYYY-MM-DD).")
@click.option("--until", help="Last day to crawl (YYYY-MM-DD).")
@click.option("--section", help="Only this section.")
@count_option("--limit", help="At most this many articles per source.")
@click.option("--refresh", is_flag=True, help="Fetch again articles already archived.")
@click.option("--polite", is_flag=True, help="Keep the outlets' delays even against the replica.")
@click.option(
    "-s",
    "--set",
    "setting",
    multiple=True,
    metavar="NAME=VALUE",
    help="A Scrapy or warta setting for this crawl, e.g. -s DOWNLOAD_TIMEOUT=10 (repeatable).",
)
@click.option(
    "--progress",
    type=Seconds(0, 86400),
    default=5,
    show_default=True,
    help="Seconds between progress lines (0: none).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
def crawl(
    source_ids,
    db_path,
    sources_path,
    replica_url,
    since,
    until,
    section,
    limit,
    refresh,
    polite,
    setting,
    progress,
    verbose,
) -> None:
    """Crawl SOURCEs now (all configured sources when none is named)."""
    from warta.crawling import CrawlOptions, run_crawls

    configured = _load_sources(sources_path)
    unknown = [s for s in source_ids if s not in configured]
    if unknown:
        raise fail(f"unknown source {unknown[0]!r}; configured: {', '.join(configured)}")
    options = CrawlOptions(
        sources=list(source_ids) or list(configured),
        db_path=db_path or default_db_path(),
        sources_path=sources_path,
        replica_url=replica_url,
        since=day_option(since, "--since"),
        until=day_option(until, "--until"),
        section=section,
        limit=limit,
        refresh=refresh,
        polite=polite,
        verbose=verbose,
        progress_interval=progress,
        settings=_settings(setting),
    )
    try:
        runs = run_crawls(options)
    except (ArchiveError, ConfigError, ValueError) as exc:
        raise fail(str(exc)) from None
    _print_runs(runs)
    if any(run["status"] != "ok" for run in runs):
        sys.exit(1)


@main.command("search")
@click.argument("query")
@DB_OPTION
@click.option("--source", multiple=True, help="Only this source (repeatable).")
@click.option("--section", multiple=True, help="Only this section (repeatable).")
@click.option("--author", multiple=True, help="Only articles by this person (repeatable).")
@click.option("--tag", multiple=True, help="Only articles with this tag (repeatable).")
@click.option("--location", multiple=True, help="Only this dateline place (repeatable).")
@click.option("--from", "date_from", help="Published on or after this day (YYYY-MM-DD, WIB).")
@click.option("--to", "date_to", help="Published on or before this day (YYYY-MM-DD, WIB).")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance")
@count_option("--limit", default=10, show_default=True)
@count_option("--offset", low=0, default=0)
@click.option("--count", "count_only", is_flag=True, help="Print only the number of matches.")
@click.option("--exact", is_flag=True, help="Match the literal words, not their stems.")
@click.option(
    "--unique-stories", is_flag=True, help="One hit per story: syndicated copies count once."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "jsonl", "csv"]),
    default="text",
    help="json/jsonl: one JSON object per hit and line.",
)
def search_command(
    query,
    db_path,
    source,
    section,
    author,
    tag,
    location,
    date_from,
    date_to,
    sort,
    limit,
    offset,
    count_only,
    exact,
    unique_stories,
    fmt,
) -> None:
    """Full-text search (FTS5 syntax: words, "phrases", AND/OR/NOT, NEAR, prefix*, title:)."""
    filters = Filters(
        sources=list(source),
        sections=list(section),
        authors=list(author),
        tags=list(tag),
        locations=list(location),
        date_from=day_option(date_from, "--from"),
        date_to=day_option(date_to, "--to"),
    )
    archive = open_archive(db_path)
    check_filters(archive, filters)
    try:
        if count_only:
            click.echo(
                count(archive, query, filters=filters, exact=exact, unique_stories=unique_stories)
            )
            return
        terminal = fmt == "text" and sys.stdout.isatty()
        hits = search(
            archive,
            query,
            filters=filters,
            exact=exact,
            unique_stories=unique_stories,
            order=sort,
            limit=limit,
            offset=offset,
            highlight=("\x1b[1m", "\x1b[0m") if terminal else ("[", "]"),
        )
    except SearchError as exc:
        raise fail(str(exc)) from None
    _print_hits(hits, fmt, offset)


def _print_hits(hits, fmt: str, offset: int) -> None:
    if fmt in ("json", "jsonl"):
        for hit in hits:
            click.echo(json.dumps(hit.as_dict(), ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=HIT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for hit in hits:
            writer.writerow({**hit.as_dict(), "authors": "; ".join(hit.authors)})
    elif not hits:
        click.echo("no matches")
    else:
        for number, hit in enumerate(hits, start=offset + 1):
            click.echo(f"{number:>3}. {hit.title}")
            click.echo(f"     {(hit.published_at or '')[:10]}  {hit.source}  {hit.url}")
            click.echo(f"     {hit.snippet}")


HIT_COLUMNS = ["id", "url", "source", "section", "title", "published_at", "authors", "snippet"]


@main.command()
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
    click.echo(json.dumps(record, ensure_ascii=False, indent=2, default=_json_default))


@main.command()
@click.argument("source_id", metavar="SOURCE")
@click.argument("urls", nargs=-1, metavar="[URL]...")
@SOURCES_OPTION
@click.option(
    "--articles",
    type=click.IntRange(min=0, max=50),
    default=3,
    show_default=True,
    help="How many of the listing's article links to fetch (when no URL is given).",
)
@click.option("--replica", "replica_url", help="Probe the offline replica at this http:// URL.")
@click.option("--polite", is_flag=True, help="Keep the outlet's delay even against the replica.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def probe(
    source_id: str,
    urls: tuple[str, ...],
    sources_path: str | None,
    articles: int,
    replica_url: str | None,
    polite: bool,
    fmt: str,
) -> None:
    """Fetch one listing page and a few articles of SOURCE and show what a crawl would keep.

    Per field: its value and the extraction layer or rule that produced it; the body's
    first and last words; the listing's links; and anything suspicious. Writes nothing.
    Exit code 1 when anything looks wrong.
    """
    from warta.crawling import check_options_replica
    from warta.probe import print_report, run_probe

    configured = _load_sources(sources_path)
    if source_id not in configured:
        raise fail(f"unknown source {source_id!r}; configured: {', '.join(configured)}")
    source = configured[source_id]
    foreign = [url for url in urls if not source.owns_url(url)]
    if foreign:
        raise fail(f"{foreign[0]} is not on {source_id}'s domains ({', '.join(source.domains)})")
    try:
        check_options_replica(replica_url)
        report = run_probe(source, urls, articles=articles, replica_url=replica_url, polite=polite)
    except ValueError as exc:
        raise fail(str(exc)) from None
    print_report(report, fmt)
    if report.warnings:
        sys.exit(1)


@main.command()
@click.argument("url")
@DB_OPTION
def history(url: str, db_path: str | None) -> None:
    """An article's versions, oldest first, with what changed between them."""
    from warta.history import render_history

    archive = open_archive(db_path)
    article_id = archive.article_id_for(url) or archive.article_id_for(
        canonical_url(url, configured_hosts(_load_sources(None)))
    )
    if article_id is None:
        raise fail(f"{url} is not in the archive")
    click.echo(render_history(archive.versions(article_id)))


@main.command()
@DB_OPTION
@click.option("--source", help="Only this source's articles.")
def reparse(db_path, source) -> None:
    """Re-extract archived raw pages with the current extractor; report what changed."""
    from warta.reparse import reparse as reparse_archive

    open_archive(db_path).close()  # an existing archive this warta reads: never a new one
    try:
        archive = Archive(db_path or default_db_path())
    except ArchiveError as exc:
        raise fail(str(exc)) from None
    with archive:
        try:
            archive.verify_intact()  # re-extraction rewrites rows: never into a damaged file
        except ArchiveError as exc:
            raise fail(str(exc)) from None
        if source:
            check_filters(archive, Filters(sources=[source]))
        where, params = ("source = ?", (source,)) if source else ("1", ())
        report = reparse_archive(archive, where, params)
    click.echo(
        f"{report.articles} articles re-extracted: {report.changed} changed, "
        f"{report.unchanged} unchanged, {len(report.failed)} failed"
    )
    for column, number in report.fields.most_common():
        click.echo(f"  {column:<14} changed in {number}")
    for url, reason in report.failed[:20]:
        click.echo(f"  failed: {url}: {reason}")


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8800, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--articles", type=click.IntRange(min=0), default=300, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--night",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Serve the site as it is N nights later.",
)
@click.option(
    "--new-per-night",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Articles published on each later day.",
)
@click.option(
    "--edits-per-night",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Articles the outlets revise each later night.",
)
@click.option(
    "--syndication/--no-syndication",
    default=True,
    show_default=True,
    help="Also serve Tribun Jateng, with syndicated and wire copies.",
)
@click.option(
    "--faults",
    "fault_specs",
    multiple=True,
    metavar="KIND:PATTERN[:OPTIONS]",
    help="Misbehave at matching URLs, e.g. '5xx:*/read/*:times=2' (repeatable; "
    "docs/replica-contract.md, Faults).",
)
def replica(
    port, host, articles, seed, night, new_per_night, edits_per_night, syndication, fault_specs
):
    """Serve the offline replica of the outlets (in the foreground)."""
    from replica.faults import FaultSpecError, parse_faults
    from replica.server import serve_forever

    try:
        faults = parse_faults(fault_specs)
    except FaultSpecError as exc:
        raise fail(str(exc)) from None
    try:
        serve_forever(
            port=port,
            articles=articles,
            seed=seed,
            host=host,
            night=night,
            new_per_night=new_per_night,
            edits_per_night=edits_per_night,
            syndication=syndication,
            faults=faults,
        )
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None


@main.command()
@click.option(
    "--db",
    "db_path",
    default=None,
    help="Archive file for the demo's synthetic articles (default: ./warta-demo.db, "
    "never $WARTA_DB).",
)
@click.option("--articles", type=click.IntRange(min=1, max=100_000), default=300, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def demo(db_path: str | None, articles: int, seed: int) -> None:
    """Start the replica, crawl every outlet through it, show a summary and a search."""
    from warta.demo import DEMO_DB, run_demo

    try:
        ok = run_demo(db_path or DEMO_DB, articles=articles, seed=seed)
    except (ArchiveError, ConfigError) as exc:
        raise fail(str(exc)) from None
    if not ok:
        sys.exit(1)


@main.command()
@click.argument("dest", type=click.Path(path_type=Path))
@DB_OPTION
@click.option("--overwrite", is_flag=True, help="Replace DEST if it exists.")
def backup(dest: Path, db_path: str | None, overwrite: bool) -> None:
    """Copy the archive to DEST, consistently even during a crawl, and verify the copy.

    Not `cp`: a copied archive file can silently lack what sits in its -wal file.
    """
    from storage.backup import BackupError
    from storage.backup import backup as backup_archive

    db = db_path or default_db_path()
    try:
        report = backup_archive(db, dest, overwrite=overwrite)
    except BackupError as exc:
        raise fail(str(exc)) from None
    checked = ", ".join(name.strip('"') for name in report.fts_tables)
    click.echo(
        f"{report.articles} articles backed up to {dest} ({report.bytes / 1e6:.1f} MB); "
        f"integrity_check ok, full-text indexes ok ({checked})"
    )


@main.command()
@DB_OPTION
@SOURCES_OPTION
@click.option(
    "--jobs",
    "jobs_path",
    default=None,
    help="Job store file (default: the archive's name + '.jobs.db').",
)
@click.option("--list", "list_only", is_flag=True, help="Show each job's next run and exit.")
@click.option("--replica", "replica_url", help="Crawl the offline replica at this URL.")
@click.option("--every", type=Seconds(1, 366 * 86400), help="Run every N seconds instead of cron.")
@click.option(
    "--time-limit",
    type=Seconds(1, 7 * 86400),
    default=4 * 3600,
    show_default=True,
    help="Wall-clock seconds a crawl may take before it is killed.",
)
@click.option(
    "--stop-grace",
    type=Seconds(0, 86400),
    default=300,
    show_default=True,
    help="On SIGTERM, seconds running crawls get to finish before being interrupted.",
)
@click.option("--log-file", help="Also log to this file (rotated at 10 MB).")
@click.option("--json-log", is_flag=True, help="Log one JSON object per line.")
def scheduler(
    db_path,
    sources_path,
    jobs_path,
    list_only,
    replica_url,
    every,
    time_limit,
    stop_grace,
    log_file,
    json_log,
) -> None:
    """Run the nightly crawls: one job per source, until SIGTERM or Ctrl-C."""
    from warta.logs import setup_logging
    from warta.scheduler import JobStoreError, SchedulerConfig, list_jobs, run_daemon

    configured = _load_sources(sources_path)  # a bad config stops everything up front
    db = db_path or default_db_path()
    try:
        # --list only reads: a mistyped --db is an error, not a new archive and job store
        Archive(db, readonly=list_only).close()  # else create or migrate it; refuse bad ones
    except ArchiveError as exc:
        raise fail(str(exc)) from None
    config = SchedulerConfig(
        db_path=str(Path(db).resolve()),
        jobs_path=jobs_path or f"{db}.jobs.db",
        sources_path=str(Path(sources_path).resolve()) if sources_path else None,
        replica_url=replica_url,
        every=every,
        time_limit=time_limit,
        stop_grace=stop_grace,
    )
    if list_only:
        try:
            listing = list_jobs(configured, config)
        except JobStoreError as exc:
            raise fail(str(exc)) from None
        for job_id, next_run, name in listing:
            when = next_run.isoformat() if next_run else "paused"
            click.echo(f"{job_id:<24} next {when:<27} {name}")
        return
    setup_logging(json_lines=json_log, log_file=log_file)
    run_daemon(configured, config)


@main.command()
@DB_OPTION
@count_option("--limit", default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@count_option(
    "--errors",
    "errors_of",
    metavar="RUN_ID",
    help="List the URLs this run could not archive, with the reason.",
)
def runs(db_path, limit, fmt, errors_of) -> None:
    """Recent crawl runs, newest first (`failed`: URLs not archived)."""
    archive = open_archive(db_path)
    if errors_of is not None:
        _print_crawl_errors(archive, errors_of, fmt)
        return
    recent = archive.runs(limit=limit)
    failed = archive.error_counts(run["id"] for run in recent)
    for run in recent:
        run["failed_urls"] = failed.get(run["id"], 0)
    if fmt == "json":
        click.echo(json.dumps(recent, indent=2))
        return
    if archive.origin() == "replica":  # on stderr: stdout stays the table scripts read
        click.echo(
            f"{archive.path}: replica crawls (synthetic articles, not the real outlets)", err=True
        )
    _print_runs(recent, with_time=True)


def _print_crawl_errors(archive: Archive, run_id: int, fmt: str) -> None:
    if not archive.conn.execute("SELECT 1 FROM crawl_runs WHERE id = ?", (run_id,)).fetchone():
        raise fail(f"--errors: no crawl run {run_id} (see `warta runs`)")
    rows = archive.crawl_errors(run_id)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'reason':<18} {'tries':>5}  url  (detail)")
    for row in rows:
        click.echo(f"{row['reason']:<18} {row['attempts']:>5}  {row['url']}  ({row['detail']})")


@main.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def health(db_path, sources_path, fmt) -> None:
    """Per source: ok, degraded or failing. Exit code 0, 1 or 2 for the worst."""
    from storage.health import LEVELS, source_health, worst

    configured = _load_sources(sources_path)
    archive = open_archive(db_path)
    report = [source_health(archive, source_id) for source_id in configured]
    if fmt == "json":
        click.echo(json.dumps([h.as_dict() for h in report], indent=2))
    else:
        for h in report:
            share = "-" if h.fallback_share is None else f"{h.fallback_share:.0%}"
            click.echo(
                f"{h.source:<16} {h.status:<9} last ok {h.last_success or 'never':<21} "
                f"new {h.new_articles if h.new_articles is not None else '-':>4} "
                f"fallback {share:>4}  {'; '.join(h.reasons)}"
            )
    sys.exit(LEVELS[worst(report)])


@main.command()
@click.argument("source_id", required=False, metavar="[SOURCE]")
@DB_OPTION
@SOURCES_OPTION
@click.option("--from", "date_from", help="Only days on or after this one (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Only days on or before this one (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def coverage(source_id, db_path, sources_path, date_from, date_to, fmt) -> None:
    """Days and sections the archive may not hold whole (exit code 1 when any)."""
    from storage.coverage import NoLedger, holes

    day_from, day_to = day_option(date_from, "--from"), day_option(date_to, "--to")
    if day_from and day_to and day_from > day_to:
        raise fail(f"--from {day_from} is after --to {day_to}")
    if source_id is not None and source_id not in _load_sources(sources_path):
        raise fail(
            f"unknown source {source_id!r}; configured: {', '.join(_load_sources(sources_path))}"
        )
    try:
        found = holes(open_archive(db_path), source_id, day_from, day_to)
    except NoLedger as exc:
        raise fail(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps([hole.as_dict() for hole in found], indent=2))
    elif not found:
        click.echo("no holes: every day walked is held whole")
    else:
        click.echo(
            f"{'source':<16} {'day':<10} {'section':<12} {'listed':>6} {'archived':>8}  "
            "why (failed listing URLs)"
        )
        for hole in found:
            listed = "-" if hole.listed is None else hole.listed
            archived = "-" if hole.archived is None else hole.archived
            why = " ".join(hole.failed_urls) or (
                "listed articles not archived" if hole.walked else "listing not walked to its end"
            )
            click.echo(
                f"{hole.source:<16} {hole.day or '?':<10} {hole.section or '-':<12} "
                f"{listed:>6} {archived:>8}  {why}"
            )
    if found:
        sys.exit(1)


# -- helpers -------------------------------------------------------------------------


def _load_sources(path: str | None):
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


def check_filters(archive: Archive, filters: Filters) -> None:
    """A filter that cannot match is a mistake worth a message, not an empty result:
    --from after --to, or a --source neither in the archive nor configured."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise fail(f"--from {filters.date_from} is after --to {filters.date_to}")
    for source in filters.sources:
        found = archive.conn.execute(
            "SELECT 1 FROM articles WHERE source = ? LIMIT 1", (source,)
        ).fetchone()
        if found:
            continue
        try:
            configured = list(load_sources())
        except ConfigError:
            configured = []
        if source not in configured:
            known = [row[0] for row in archive.conn.execute("SELECT DISTINCT source FROM articles")]
            raise fail(f"unknown source {source!r}; known: {', '.join(known or configured)}")


def _settings(pairs: tuple[str, ...]) -> dict[str, str]:
    """`-s NAME=VALUE` pairs as a dict; a pair without `=` or name is a usage error."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not name.strip().isidentifier():
            raise fail(f"-s {pair!r}: expected NAME=VALUE, e.g. -s DOWNLOAD_TIMEOUT=10")
        settings[name.strip()] = value
    return settings


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


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    raise TypeError(type(value).__name__)


def _duration(run: dict) -> str:
    if not run.get("finished_at"):
        return "-"
    started = datetime.fromisoformat(run["started_at"].replace("Z", "+00:00"))
    finished = datetime.fromisoformat(run["finished_at"].replace("Z", "+00:00"))
    return f"{(finished - started).total_seconds():.0f}s"


def _print_runs(runs: list[dict], with_time: bool = False) -> None:
    """One line per run; `failed` counts the URLs it could not archive (`--errors ID`)."""
    started = f"{'run':>5} {'started':<21}{'took':>7} " if with_time else ""
    click.echo(
        f"{started}{'source':<16} {'status':<9} {'pages':>6} {'new':>5} {'upd':>5} "
        f"{'same':>5} {'drop':>5} {'err':>4} {'failed':>6}  message"
    )
    for run in runs:
        started = f"{run['id']:>5} {run['started_at']:<21}{_duration(run):>7} " if with_time else ""
        click.echo(
            f"{started}{run['source']:<16} {run['status']:<9} {run['pages']:>6} "
            f"{run['articles_new']:>5} {run['articles_updated']:>5} "
            f"{run['articles_unchanged']:>5} {run['articles_dropped']:>5} {run['errors']:>4}"
            f" {run.get('failed_urls', '-'):>6}  {run['message'] or ''}"
        )


if __name__ == "__main__":
    main()
