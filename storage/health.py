"""Source health from the archive's own records: is each outlet still crawled well?

A layout change at an outlet rarely fails loudly: the crawl "succeeds" with no
new articles, or with articles the outlet rule no longer reads and the generic
fallback extracts instead. Health compares the last run against the source's
usual level and flags both.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from storage import coverage
from storage.core import ArchiveCore, iso_utc
from storage.runs import Runs, RunStatus

FALLBACK_SHARE_LIMIT = 0.2  # more of the last run's articles by generic fallback: degraded
ERROR_RATE_LIMIT = 0.1  # more errors per page fetched: degraded
USUAL_RUNS = 10  # runs that define the usual number of new articles
HOLE_GRACE = timedelta(days=1)  # a coverage hole older than this (or than the last run): degraded

LEVELS = {"ok": 0, "degraded": 1, "failing": 2}


@dataclass
class SourceHealth:
    source: str
    status: str
    last_success: str | None
    last_run_status: str | None
    new_articles: int | None
    usual_new_articles: float | None
    fallback_share: float | None
    error_rate: float | None
    holes: int | None = None  # coverage holes a night has passed over (warta coverage)
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def health(archive: ArchiveCore, source_ids: list[str]) -> list[SourceHealth]:
    """The health of each of these sources, in their order."""
    return [source_health(archive, source_id) for source_id in source_ids]


def source_health(archive: ArchiveCore, source: str) -> SourceHealth:
    runs = Runs(archive).finished(source, USUAL_RUNS + 1)
    successes = [r for r in runs if r["status"] in (RunStatus.OK, RunStatus.DEGRADED)]
    health = SourceHealth(
        source=source,
        status="ok",
        last_success=successes[0]["finished_at"] if successes else None,
        last_run_status=runs[0]["status"] if runs else None,
        new_articles=None,
        usual_new_articles=None,
        fallback_share=None,
        error_rate=None,
    )
    if not runs:
        return _worse(health, "failing", "never crawled")
    last = runs[0]
    if last["status"] == RunStatus.FAILED:
        _worse(health, "failing", f"last run failed: {last['message']}")
    health.new_articles = last["articles_new"]
    earlier = [r["articles_new"] for r in successes if r["id"] != last["id"]]
    if earlier:
        health.usual_new_articles = statistics.median(earlier)
        if last["articles_new"] == 0 and health.usual_new_articles > 0:
            _worse(health, "degraded", f"no new articles, usually {health.usual_new_articles:g}")
    if last["pages"]:
        health.error_rate = last["errors"] / last["pages"]
        if health.error_rate > ERROR_RATE_LIMIT:
            _worse(health, "degraded", f"error rate {health.error_rate:.0%}")
    _stale_holes(archive, health, last["started_at"])
    health.fallback_share = _fallback_share(archive, source, last["started_at"])
    if health.fallback_share is not None and health.fallback_share > FALLBACK_SHARE_LIMIT:
        _worse(
            health,
            "degraded",
            f"{health.fallback_share:.0%} of new articles by generic "
            "fallback: the outlet's layout may have changed",
        )
    return health


def _stale_holes(archive: ArchiveCore, health: SourceHealth, last_started: str) -> None:
    """A hole in the coverage ledger that the last run (or a day) did not repair: the
    archive misses articles the outlet listed, and the nightly crawl is not fixing it."""
    before = max(last_started, iso_utc(datetime.now(UTC) - HOLE_GRACE))
    stale = coverage.stale_holes(archive, health.source, before)
    health.holes = len(stale)
    if stale:
        days = ", ".join(sorted({hole.day for hole in stale if hole.day})[:5])
        _worse(
            health,
            "degraded",
            f"{len(stale)} coverage holes older than a night ({days}): see `warta coverage`",
        )


def _fallback_share(archive: ArchiveCore, source: str, since: str) -> float | None:
    rows = archive.conn.execute(
        "SELECT extraction FROM articles WHERE source = ? AND last_seen_at >= ?",
        (source, since),
    ).fetchall()
    if not rows:
        return None
    generic = sum(1 for (extraction,) in rows if json.loads(extraction).get("body") == "generic")
    return generic / len(rows)


def _worse(health: SourceHealth, status: str, reason: str) -> SourceHealth:
    if LEVELS[status] > LEVELS[health.status]:
        health.status = status
    health.reasons.append(reason)
    return health


def worst(healths: list[SourceHealth]) -> str:
    return max((h.status for h in healths), key=LEVELS.__getitem__, default="ok")
