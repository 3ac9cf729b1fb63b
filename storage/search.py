"""Full-text search over the archive (FTS5, ranked by bm25).

The query text goes to FTS5's MATCH as a bound parameter, never into the SQL;
a query FTS5 cannot parse becomes a SearchError with a one-line explanation.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage.archive import Archive, iso_utc
from storage.stemming import WORD, stem_query, stem_word
from storage.stemming import snippet as stem_snippet

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


ARCHIVE_TZ = ZoneInfo("Asia/Jakarta")  # --from/--to days are local (WIB) days


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

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []

        def any_of(template: str, values: list[str]) -> None:
            if values:
                clauses.append("(" + " OR ".join(template for _ in values) + ")")
                params.extend(v.lower() for v in values)

        any_of("lower(a.source) = ?", self.sources)
        any_of("lower(a.section) = ?", self.sections)
        any_of("lower(a.location) = ?", self.locations)
        any_of("EXISTS (SELECT 1 FROM json_each(a.authors) WHERE lower(value) = ?)", self.authors)
        any_of("EXISTS (SELECT 1 FROM json_each(a.tags) WHERE lower(value) = ?)", self.tags)
        if self.date_from:
            clauses.append("a.published_at >= ?")
            params.append(_day_start_utc(self.date_from))
        if self.date_to:
            clauses.append("a.published_at < ?")
            params.append(_day_start_utc(self.date_to + timedelta(days=1)))
        return (" AND ".join(clauses) or "1"), params


def _day_start_utc(day: date) -> str:
    return iso_utc(datetime.combine(day, time(0), ARCHIVE_TZ))


STORY = "coalesce(a.cluster_id, a.id)"  # an article's story: its cluster, or itself

ORDERS = {
    "relevance": "rank",
    "newest": "published_at DESC, id DESC",
    "oldest": "published_at ASC, id ASC",
}


def search(
    archive: Archive,
    query: str,
    *,
    filters: Filters | None = None,
    source: str | None = None,
    exact: bool = False,
    unique_stories: bool = False,
    order: str = "relevance",
    limit: int = 20,
    offset: int = 0,
    highlight: tuple[str, str] = ("[", "]"),
) -> list[Hit]:
    """Articles matching an FTS5 query and the filters, with a highlighted snippet.

    By default words match by their Indonesian stem (`pelayanan` finds `melayani`);
    `exact=True` searches the literal words instead. `unique_stories=True` shows
    one hit per story (the best-ranked copy of each near-duplicate cluster).
    """
    filters = _with_source(filters, source)
    where, params = filters.where()
    index, match, stems = _index_and_match(query, exact)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    # FTS5's snippet for exact searches; for stemmed ones a placeholder, made in Python below.
    snippet_sql = f"snippet({index}, -1, ?, ?, '…', 16)" if exact else "? || ?"
    matching = f"""
        SELECT a.id, a.url, a.source, a.section, a.title, a.published_at, a.authors,
               {snippet_sql} AS snippet, {STORY} AS story, bm25({index}, {weights}) AS rank,
               a.summary, a.body
        FROM {index} JOIN articles a ON a.id = {index}.rowid
        WHERE {index} MATCH ? AND {where}
    """
    if unique_stories:
        # FTS5's functions cannot run inside an aggregate, so group the ranked rows after
        # (the inner LIMIT keeps SQLite from flattening the two queries into one).
        # SQLite takes a group's bare columns from the row holding its min(): the best copy.
        matching = f"""
            SELECT id, url, source, section, title, published_at, authors, snippet, story,
                   min(rank) AS rank, summary, body
            FROM ({matching} LIMIT -1) GROUP BY story
        """
    sql = f"SELECT * FROM ({matching}) ORDER BY {ORDERS[order]} LIMIT ? OFFSET ?"
    rows = _run(archive, query, sql, [*highlight, match, *params, limit, offset])
    return [
        Hit(
            id=r[0],
            url=r[1],
            source=r[2],
            section=r[3],
            title=r[4],
            published_at=r[5],
            authors=json.loads(r[6]),
            snippet=r[7] if exact else _stemmed_snippet(r[11], r[10], stems, highlight),
            rank=r[9],
        )
        for r in rows
    ]


def _stemmed_snippet(
    body: str, summary: str | None, stems: set[str], highlight: tuple[str, str]
) -> str:
    """The passage around the first match in the body, else in the summary.

    FTS5's snippet() would show the stemmed text, so stemmed hits get their
    snippet from the original text here.
    """
    text = body if _has_stem(body, stems) or not summary else summary
    return stem_snippet(text, stems, highlight)


def _has_stem(text: str, stems: set[str]) -> bool:
    return any(stem_word(w) in stems for w in WORD.findall(text.lower()))


def _index_and_match(query: str, exact: bool) -> tuple[str, str, set[str]]:
    if exact:
        return "articles_fts", query, set()
    stemmed, stems = stem_query(query)
    return "articles_fts_stem", stemmed, stems


def fts_match(query: str, exact: bool = False) -> tuple[str, str]:
    """The FTS5 table and MATCH text search() would use, for callers building their own SQL."""
    index, match, _ = _index_and_match(query, exact)
    return index, match


def count(
    archive: Archive,
    query: str,
    *,
    filters: Filters | None = None,
    exact: bool = False,
    unique_stories: bool = False,
) -> int:
    """How many articles (or distinct stories) match: no ranking, no snippets, cheap."""
    where, params = _with_source(filters, None).where()
    index, match, _ = _index_and_match(query, exact)
    counted = f"DISTINCT {STORY}" if unique_stories else "*"
    sql = (
        f"SELECT count({counted}) FROM {index} JOIN articles a ON a.id = {index}.rowid "
        f"WHERE {index} MATCH ? AND {where}"
    )
    return _run(archive, query, sql, [match, *params])[0][0]


def _with_source(filters: Filters | None, source: str | None) -> Filters:
    filters = filters or Filters()
    if source:
        filters.sources = [*filters.sources, source]
    return filters


def _run(archive: Archive, query: str, sql: str, params: list[Any]) -> list[tuple]:
    if not query.strip():
        raise SearchError("empty query: give one or more words to search for")
    try:
        return archive.conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        raise SearchError(_explain(query, exc)) from None


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
