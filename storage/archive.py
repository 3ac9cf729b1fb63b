"""The archive's front door: `Archive`, one open archive file and everything asked of it.

`Archive` is the core (storage/core.py: opening, batched writes, the article
write path) plus one method per question, each delegating to the module that
answers it: search and count (search.py), export rows and article ids
(export.py), stats (stats.py), health (health.py), and the `runs` and `locks`
sub-objects (runs.py). Those modules take an `ArchiveCore`, so the dependency
runs one way: core ← modules ← this facade.

    with Archive("warta.db", readonly=True) as archive:
        hits = archive.search(Query("banjir", Filters(sources=["tribunjogja"])))
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from storage.core import (
    CONTENT_COLUMNS,
    DEFAULT_DB,
    JSON_COLUMNS,
    ArchiveCore,
    ArchiveError,
    FencedOut,
    StoreResult,
    body_hash,
    decode_headers,
    decode_row,
    default_db_path,
    encode_headers,
    encode_row,
    iso_utc,
    utc_now,
)
from storage.export import PAGE_SIZE, selected_ids, selected_rows
from storage.health import SourceHealth, health
from storage.query import Query
from storage.runs import Locks, Runs
from storage.search import Hit, count_hits, find_hits
from storage.stats import Stats, compute, selected_total

__all__ = [
    "CONTENT_COLUMNS",
    "DEFAULT_DB",
    "JSON_COLUMNS",
    "Archive",
    "ArchiveError",
    "FencedOut",
    "StoreResult",
    "body_hash",
    "decode_headers",
    "decode_row",
    "default_db_path",
    "encode_headers",
    "encode_row",
    "iso_utc",
    "utc_now",
]


class Archive(ArchiveCore):
    """An open archive file. Not thread-safe: one per process (or per crawler)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        readonly: bool = False,
        batch_size: int = 200,
        batch_seconds: float = 0.5,
        warc_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(
            path,
            readonly=readonly,
            batch_size=batch_size,
            batch_seconds=batch_seconds,
            warc_dir=warc_dir,
        )
        self.runs = Runs(self)  # crawl runs and the URLs they could not archive
        self.locks = Locks(self)  # per-source crawl locks and the write fence

    # -- questions about articles -------------------------------------------------

    def search(
        self,
        query: Query,
        *,
        limit: int = 20,
        offset: int = 0,
        highlight: tuple[str, str] = ("[", "]"),
    ) -> list[Hit]:
        """The page of hits for the query's text (SearchError if it cannot be run)."""
        return find_hits(self, query, limit=limit, offset=offset, highlight=highlight)

    def count(self, query: Query | None = None) -> int:
        """How many articles (or stories) match the query's text; every article without one."""
        if query is None:
            return self.article_count()
        if query.text is None:  # filters alone: count the selection
            return selected_total(self, query)
        return count_hits(self, query)

    def export_rows(self, query: Query, *, page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """The selected articles in id order, EXPORT_COLUMNS as keys (storage/export.py)."""
        return selected_rows(self, query, page_size=page_size)

    def article_ids(self, query: Query) -> Iterator[int]:
        """The ids of the articles the query selects, in id order, read in pages."""
        return selected_ids(self, query)

    def stats(self, query: Query, *, by: str = "day", top: int = 10) -> Stats:
        """Articles per source per period, top sections and authors, of the selection."""
        return compute(self, query, by=by, top=top)

    def health(self, source_ids: Iterable[str]) -> list[SourceHealth]:
        """Each source's health: ok, degraded or failing, with the reasons."""
        return health(self, list(source_ids))
