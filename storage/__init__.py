"""The archive: a SQLite file of articles, their raw pages, crawl runs and locks.

`Archive` is the one front door; a `Query` (text and `Filters`) says which
articles. See docs/researcher-guide.md for examples.
"""

from storage.archive import Archive, StoreResult
from storage.core import ArchiveError, FencedOut
from storage.export import ExportTargetError, write_export
from storage.health import SourceHealth
from storage.query import Filters, Query
from storage.runs import LockHolder, RunStatus, SourceLocked
from storage.search import Hit, SearchError
from storage.stats import Stats

__all__ = [
    "Archive",
    "ArchiveError",
    "ExportTargetError",
    "FencedOut",
    "Filters",
    "Hit",
    "LockHolder",
    "Query",
    "RunStatus",
    "SearchError",
    "SourceHealth",
    "SourceLocked",
    "Stats",
    "StoreResult",
    "write_export",
]
