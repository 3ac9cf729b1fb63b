"""Full-text search over the archive (FTS5, ranked by bm25).

The query text goes to FTS5's MATCH as a bound parameter, never into the SQL;
a query FTS5 cannot parse becomes a SearchError with a one-line explanation.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.archive import Archive

# bm25 column weights for (title, summary, body): a hit in the title counts most.
BM25_WEIGHTS = (10.0, 5.0, 1.0)


class SearchError(ValueError):
    """The query cannot be run; the message is meant for the person who typed it."""


@dataclass
class Hit:
    id: int
    url: str
    source: str
    section: str | None
    title: str
    published_at: str | None
    authors: list[str]
    snippet: str
    rank: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def search(
    archive: Archive,
    query: str,
    *,
    source: str | None = None,
    limit: int = 20,
    offset: int = 0,
    highlight: tuple[str, str] = ("[", "]"),
) -> list[Hit]:
    """Articles matching an FTS5 query, best first, with a highlighted snippet."""
    if not query.strip():
        raise SearchError("empty query: give one or more words to search for")
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sql = f"""
        SELECT a.id, a.url, a.source, a.section, a.title, a.published_at, a.authors,
               snippet(articles_fts, -1, :open, :close, '…', 16) AS snippet,
               bm25(articles_fts, {weights}) AS rank
        FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
        WHERE articles_fts MATCH :query
          AND (:source IS NULL OR a.source = :source)
        ORDER BY rank
        LIMIT :limit OFFSET :offset
    """
    params = {
        "query": query,
        "source": source,
        "limit": limit,
        "offset": offset,
        "open": highlight[0],
        "close": highlight[1],
    }
    try:
        rows = archive.conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        raise SearchError(_explain(query, exc)) from None
    return [
        Hit(
            id=r[0],
            url=r[1],
            source=r[2],
            section=r[3],
            title=r[4],
            published_at=r[5],
            authors=json.loads(r[6]),
            snippet=r[7],
            rank=r[8],
        )
        for r in rows
    ]


def _explain(query: str, exc: sqlite3.OperationalError) -> str:
    message = str(exc)
    if "fts5: syntax error" in message:
        near = message.split("near", 1)[-1].strip()
        return (
            f"cannot parse query {query!r}: syntax error near {near}. "
            'Quote phrases ("kota magelang"), use AND/OR/NOT in capitals, balance brackets.'
        )
    if "no such column" in message:
        column = message.rsplit(":", 1)[-1].strip()
        return f"unknown column {column!r} in query; searchable columns: title, summary, body"
    if "unterminated string" in message:
        return f"cannot parse query {query!r}: a double quote is not closed"
    return f"cannot run query {query!r}: {message}"
