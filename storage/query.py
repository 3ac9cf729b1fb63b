"""What a researcher asks the archive for: a `Query` of text and `Filters`.

Search, count, export and stats all take one `Query`, so the same question
gives the same selection everywhere. Every filter value reaches SQL only as a
bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from storage.core import iso_utc

ARCHIVE_TZ = ZoneInfo("Asia/Jakarta")  # --from/--to days are local (WIB) days

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")


@dataclass
class Filters:
    """Narrow a search; every value reaches SQL only as a bound parameter."""

    sources: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    date_from: date | None = None  # first day, inclusive, in WIB
    date_to: date | None = None  # last day, inclusive, in WIB

    def where(self, alias: str = "a") -> tuple[str, list[Any]]:
        """SQL conditions on the articles table (named `alias`) and their parameters."""
        clauses: list[str] = []
        params: list[Any] = []

        def any_of(template: str, values: list[str]) -> None:
            if values:
                clauses.append("(" + " OR ".join(template for _ in values) + ")")
                params.extend(v.lower() for v in values)

        a = alias
        any_of(f"{a}.source = ?", self.sources)  # ids are lowercase: the index can seek
        any_of(f"lower({a}.section) = ?", self.sections)
        any_of(f"lower({a}.location) = ?", self.locations)
        any_of(
            f"EXISTS (SELECT 1 FROM json_each({a}.authors) WHERE lower(value) = ?)", self.authors
        )
        any_of(f"EXISTS (SELECT 1 FROM json_each({a}.tags) WHERE lower(value) = ?)", self.tags)
        if self.date_from:
            clauses.append(f"{a}.published_at >= ?")
            params.append(_day_start_utc(self.date_from))
        if self.date_to:
            clauses.append(f"{a}.published_at < ?")
            params.append(_day_start_utc(self.date_to + timedelta(days=1)))
        return (" AND ".join(clauses) or "1"), params


def _day_start_utc(day: date) -> str:
    return iso_utc(datetime.combine(day, time(0), ARCHIVE_TZ))


@dataclass(frozen=True)
class Query:
    """A selection of articles: full-text `text` (None: every article) within `filters`.

    `exact` matches the literal words instead of their Indonesian stems;
    `unique_stories` keeps one copy of each story (near-duplicate cluster);
    `sort` orders search hits (export and stats ignore it: they go in id order).
    """

    text: str | None = None
    filters: Filters = field(default_factory=Filters)
    exact: bool = False
    unique_stories: bool = False
    sort: Sort = "relevance"

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}; choose one of {', '.join(SORTS)}")
