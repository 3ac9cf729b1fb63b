"""Counts over the archive, or over what a query and filters select: articles per
source per day, week or month (by publication time in WIB), top sections, top authors.

WIB is UTC+7 all year (no daylight saving), so a fixed '+7 hours' modifier on
the stored UTC times gives the Jakarta calendar day exactly. Articles without a
publication time are counted in `undated` and left out of the time series.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from storage.core import ArchiveCore
from storage.export import Selection, select
from storage.query import Query

# The period an article falls in, from its UTC publication time: the WIB day,
# the Monday starting its WIB week (SQLite's 'weekday 0' moves to the next
# Sunday, or stays on one), or the WIB month.
PERIODS = {
    "day": "date(a.published_at, '+7 hours')",
    "week": "date(a.published_at, '+7 hours', 'weekday 0', '-6 days')",
    "month": "strftime('%Y-%m', a.published_at, '+7 hours')",
}


@dataclass
class Stats:
    total: int
    undated: int
    by: str
    counts: list[dict[str, Any]]  # {period, source, articles}, non-zero only
    top_sections: list[dict[str, Any]] = field(default_factory=list)
    top_authors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "periods": self.periods(), "sources": self.sources()}

    def sources(self) -> list[str]:
        return sorted({c["source"] for c in self.counts})

    def periods(self) -> list[str]:
        """Every period from the first to the last with articles, gaps included."""
        present = [c["period"] for c in self.counts]
        if not present:
            return []
        return period_range(min(present), max(present), self.by)

    def table(self) -> dict[str, list[int]]:
        """Per source, its article count in each of periods() (zeros included)."""
        position = {p: i for i, p in enumerate(self.periods())}
        table = {source: [0] * len(position) for source in self.sources()}
        for c in self.counts:
            table[c["source"]][position[c["period"]]] = c["articles"]
        return table


def compute(archive: ArchiveCore, query: Query, *, by: str = "day", top: int = 10) -> Stats:
    """All the statistics for the query's selection. Raises SearchError for a bad query.

    `query.unique_stories`: count each story (near-duplicate cluster) once, by its
    first archived copy among the selected articles.
    """
    chosen = select(archive, query)
    total, undated = _totals(archive, chosen)
    return Stats(
        total=total,
        undated=undated,
        by=by,
        counts=counts_over_time(archive, chosen, by),
        top_sections=top_sections(archive, chosen, top),
        top_authors=top_authors(archive, chosen, top),
    )


def selected_total(archive: ArchiveCore, query: Query) -> int:
    """How many articles the query selects."""
    return _totals(archive, select(archive, query))[0]


def _totals(archive: ArchiveCore, chosen: Selection) -> tuple[int, int]:
    row = archive.conn.execute(
        f"SELECT count(*), count(*) - count(a.published_at) FROM {chosen.tables} "
        f"WHERE {chosen.where}",
        chosen.params,
    ).fetchone()
    return row[0], row[1]


def counts_over_time(
    archive: ArchiveCore, chosen: Selection, by: str = "day"
) -> list[dict[str, Any]]:
    """Articles per (period, source), ordered by period then source."""
    if by not in PERIODS:
        raise ValueError(f"unknown period {by!r}; choose one of {', '.join(PERIODS)}")
    sql = (
        f"SELECT {PERIODS[by]} AS period, a.source, count(*) FROM {chosen.tables} "
        f"WHERE {chosen.where} AND a.published_at IS NOT NULL "
        "GROUP BY period, a.source ORDER BY period, a.source"
    )
    rows = archive.conn.execute(sql, chosen.params)
    return [{"period": p, "source": s, "articles": n} for p, s, n in rows]


def top_sections(archive: ArchiveCore, chosen: Selection, top: int = 10) -> list[dict[str, Any]]:
    """The sections with most articles; a section belongs to its source (slugs repeat)."""
    sql = (
        f"SELECT a.source, a.section, count(*) AS n FROM {chosen.tables} "
        f"WHERE {chosen.where} GROUP BY a.source, a.section "
        "ORDER BY n DESC, a.source, a.section LIMIT ?"
    )
    rows = archive.conn.execute(sql, [*chosen.params, top])
    return [{"source": s, "section": sec, "articles": n} for s, sec, n in rows]


def top_authors(archive: ArchiveCore, chosen: Selection, top: int = 10) -> list[dict[str, Any]]:
    """The people credited on most articles (authors is a JSON array, hence json_each)."""
    sql = (
        f"SELECT person.value AS author, count(DISTINCT a.id) AS n FROM {chosen.tables} "
        f"JOIN json_each(a.authors) AS person WHERE {chosen.where} "
        "GROUP BY author ORDER BY n DESC, author LIMIT ?"
    )
    rows = archive.conn.execute(sql, [*chosen.params, top])
    return [{"author": name, "articles": n} for name, n in rows]


def period_range(first: str, last: str, by: str) -> list[str]:
    """The period labels from `first` to `last` inclusive: days, Mondays, or YYYY-MM months."""
    if by == "month":
        year, month = map(int, first.split("-"))
        labels = []
        while (label := f"{year:04d}-{month:02d}") <= last:
            labels.append(label)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return labels
    step = timedelta(days=7 if by == "week" else 1)
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    labels = []
    while day <= end:
        labels.append(day.isoformat())
        day += step
    return labels
