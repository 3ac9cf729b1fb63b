"""`warta writer`: the one process that writes the archive for every crawl node.

It reads the Redis stream the nodes fill (warta/writer.py) until SIGTERM or
Ctrl-C, which finish the batch at hand (commit, acknowledge) and exit 0. During a
Redis outage they end the wait for Redis at once: one line, exit 0, nothing lost
(what was committed stays; what was not acknowledged stays pending in the stream
for the next writer, which skips what this one had already applied).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType

import click

from storage.archive import ArchiveError, default_db_path
from warta.cli.options import DB_OPTION, Seconds, fail


@click.command()
@DB_OPTION
@click.option(
    "--redis",
    "redis_url",
    default=lambda: os.environ.get("WARTA_REDIS_URL"),
    help="The nodes' Redis, redis://host:port/db (default: $WARTA_REDIS_URL).",
)
@click.option(
    "--progress",
    type=Seconds(0, 86400),
    default=30,
    show_default=True,
    help="Seconds between progress lines on stderr (0: none).",
)
@click.option(
    "--claim-after",
    type=Seconds(1, 3600),
    default=10,
    show_default=True,
    help="Seconds a stopped writer's lock lasts before another writer takes its entries over.",
)
@click.option(
    "--batch",
    type=click.IntRange(1, 10_000),
    default=200,
    show_default=True,
    help="Entries applied in one archive transaction.",
)
@click.option(
    "--until-idle", is_flag=True, help="Exit once the stream is empty (backfills, tests)."
)
def writer(
    db_path: str | None,
    redis_url: str | None,
    progress: float,
    claim_after: float,
    batch: int,
    until_idle: bool,
) -> None:
    """Store what crawl nodes put on the Redis stream into the archive (one writer)."""
    if not redis_url:
        raise fail("--redis: give the nodes' Redis URL (or set WARTA_REDIS_URL)")
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise fail(f"--redis: expected redis://host:port/db, got {redis_url!r}")
    from crawler.redis_connection import RedisUnavailable, RetryStopped, redis_from_url
    from storage.archive import Archive
    from warta.writer import ArchiveWriter, WriterLockLost

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    try:
        with Archive(db_path or default_db_path()) as archive:
            archive.verify_intact()
            client = redis_from_url(redis_url)
            stream = ArchiveWriter(archive, client, claim_after=claim_after, batch=batch)
            stop_on_signals(stream.stop)
            try:
                stream.start()
                done = stream.run(until_idle=until_idle, progress_every=progress)
                stream.release()
                click.echo(stream.progress_line(), err=True)
            except RetryStopped as exc:  # SIGTERM during an outage: Redis cannot be told
                done = stream.progress
                click.echo(stopped_line(str(exc), done.applied, stream.claim_after), err=True)
    except (ArchiveError, RedisUnavailable, WriterLockLost) as exc:
        raise fail(str(exc)) from None
    if done.dead:
        sys.exit(1)


def stopped_line(why: str, applied: int, claim_after: float) -> str:
    """What a writer stopped during a Redis outage says, in one line."""
    return (
        f"writer: {why}; {applied} entries applied and committed; entries not acknowledged "
        f"stay pending for the next writer (its lock expires in {claim_after:.0f} s)"
    )


def stop_on_signals(stop: Callable[[], None]) -> None:
    """SIGTERM and SIGINT finish the batch at hand, then the loop returns."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
