"""What a researcher asks the archive for: a `Query` of text and `Filters`.

Search, count, export and stats all take one `Query`, so the same question
gives the same selection everywhere. Every filter value reaches SQL only as a
bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

ARCHIVE_TZ = ZoneInfo("Asia/Jakarta")  # --from/--to days are local (WIB) days

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")


@dataclass
class Filters:
    """Narrow a search; every value reaches SQL only as a bound parameter.

    A value, not SQL: storage/search.py's filter_sql() turns it into conditions.
    """

    sources: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    date_from: date | None = None  # first day, inclusive, in WIB
    date_to: date | None = None  # last day, inclusive, in WIB


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
