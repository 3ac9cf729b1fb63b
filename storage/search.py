"""Full-text search over the archive (FTS5, ranked by bm25).

The query text goes to FTS5's MATCH as a bound parameter, never into the SQL;
a query FTS5 cannot parse becomes a SearchError with a one-line explanation.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from storage.core import ArchiveCore, iso_utc
from storage.query import ARCHIVE_TZ, Filters, Query
from storage.stemming import MAX_QUERY_CHARS, QueryTooLong, first_hit, stem_query
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


STORY = "coalesce(a.cluster_id, a.id)"  # an article's story: its cluster, or itself

ORDERS = {
    "relevance": "rank, id",
    "newest": "published_at DESC, id DESC",
    "oldest": "published_at ASC, id ASC",
}
DATE_ORDERS = ("newest", "oldest")  # the orders a walk of the date index can serve

# Relative costs (measured on a 100,000-article archive, benchmarks/search_latency.py) that
# choose how a date-ordered search finds its page of hits; see _date_plan().
COST_SORT_PER_MATCH = 0.35  # join each match to the filter index, then sort them all
COST_LIST_PER_MATCH = 0.09  # collect the matching ids into a list for an index walk
COST_WALK_PER_ROW = 0.05  # step through the date index, checking the list
COST_PROBE_PER_ROW = 16.0  # step through the date index, asking FTS5 about each row


def filter_sql(filters: Filters, alias: str = "a") -> tuple[str, list[Any]]:
    """SQL conditions on the articles table (named `alias`) and their parameters.

    Storage's own: search, count, export and stats build their SQL with it, and
    callers outside storage/ pass a Query instead, so no SQL fragment crosses the API.
    """
    clauses: list[str] = []
    params: list[Any] = []

    def any_of(template: str, values: list[str]) -> None:
        if values:
            clauses.append("(" + " OR ".join(template for _ in values) + ")")
            params.extend(v.lower() for v in values)

    a = alias
    any_of(f"{a}.source = ?", filters.sources)  # ids are lowercase: the index can seek
    any_of(f"lower({a}.section) = ?", filters.sections)
    any_of(f"lower({a}.location) = ?", filters.locations)
    any_of(f"EXISTS (SELECT 1 FROM json_each({a}.authors) WHERE lower(value) = ?)", filters.authors)
    any_of(f"EXISTS (SELECT 1 FROM json_each({a}.tags) WHERE lower(value) = ?)", filters.tags)
    if filters.date_from:
        clauses.append(f"{a}.published_at >= ?")
        params.append(_day_start_utc(filters.date_from))
    if filters.date_to:
        clauses.append(f"{a}.published_at < ?")
        params.append(_day_start_utc(filters.date_to + timedelta(days=1)))
    return (" AND ".join(clauses) or "1"), params


def _day_start_utc(day: date) -> str:
    return iso_utc(datetime.combine(day, time(0), ARCHIVE_TZ))


def find_hits(
    archive: ArchiveCore,
    query: Query,
    *,
    limit: int = 20,
    offset: int = 0,
    highlight: tuple[str, str] = ("[", "]"),
) -> list[Hit]:
    """Articles matching the query's text and filters, with a highlighted snippet.

    By default words match by their Indonesian stem (`pelayanan` finds `melayani`);
    `query.exact` searches the literal words instead. `query.unique_stories` shows
    one hit per story (the best-ranked copy of each near-duplicate cluster).

    Two steps: find the page of hits (ids and ranks only, touching no article
    body), then read those few rows and make their snippets.
    """
    text, exact = query.text or "", query.exact
    index, match, stems = _index_and_match(text, exact)
    page = _page_of_hits(
        archive,
        text,
        index,
        match,
        query.filters,
        query.sort,
        query.unique_stories,
        limit,
        offset,
    )
    rows = _rows(archive, [article_id for article_id, _ in page])
    snippets = _fts_snippets(archive, index, match, list(rows), highlight) if exact else {}
    hits = []
    for article_id, rank in page:
        r = rows[article_id]
        snippet = (
            snippets.get(article_id, "")
            if exact
            else _stemmed_snippet(r["body"], r["summary"], stems, highlight)
        )
        hits.append(
            Hit(
                id=article_id,
                url=r["url"],
                source=r["source"],
                section=r["section"],
                title=r["title"],
                published_at=r["published_at"],
                authors=json.loads(r["authors"]),
                snippet=snippet,
                rank=rank,
            )
        )
    return hits


def _page_of_hits(
    archive: ArchiveCore,
    query: str,
    index: str,
    match: str,
    filters: Filters,
    order: str,
    unique_stories: bool,
    limit: int,
    offset: int,
) -> list[tuple[int, float]]:
    """(article id, rank) of the hits on the page asked for, in order."""
    where, params = filter_sql(filters)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    # bm25() only where it decides the order: it reads every match's positions.
    rank = f"bm25({index}, {weights})" if order == "relevance" or unique_stories else "0.0"
    if order in DATE_ORDERS and not unique_stories:
        walk = _date_plan(archive, query, index, match, filters, order, limit + offset)
        if walk is not None:
            sql, walk_params = walk
            return _run(archive, query, sql, [*walk_params, limit, offset])
    if where == "1" and order == "relevance" and not unique_stories:  # FTS5 alone
        sql = (
            f"SELECT rowid, {rank} AS rank FROM {index} WHERE {index} MATCH ? "
            "ORDER BY rank, rowid LIMIT ? OFFSET ?"
        )
        return _run(archive, query, sql, [match, limit, offset])
    ids, id_params = _id_range(archive, index, filters)
    joined = f"""
        SELECT a.id AS id, {rank} AS rank, a.published_at AS published_at, {STORY} AS story
        FROM {index} JOIN articles a {_join_index(archive, filters)} ON a.id = {index}.rowid
        WHERE {index} MATCH ? {ids} AND {where}
    """
    if unique_stories:
        # FTS5's functions cannot run inside an aggregate, so group the ranked rows after
        # (the inner LIMIT keeps SQLite from flattening the two queries into one).
        # SQLite takes a group's bare columns from the row holding its min(): the best copy.
        joined = f"""
            SELECT id, min(rank) AS rank, published_at FROM ({joined} LIMIT -1) GROUP BY story
        """
    sql = f"SELECT id, rank FROM ({joined}) ORDER BY {ORDERS[order]} LIMIT ? OFFSET ?"
    return _run(archive, query, sql, [match, *id_params, *params, limit, offset])


def _id_range(archive: ArchiveCore, index: str, filters: Filters) -> tuple[str, list[int]]:
    """A rowid range for FTS5 that holds every article of the date filter's days.

    Articles are mostly archived in the order they were published, so the days
    asked for are a narrow band of ids, and FTS5 skips the rest of each word's
    list instead of ranking matches the date filter would drop. Exact whatever
    the order (the range holds every id in those days); a backfill only widens it.
    """
    if not (filters.date_from or filters.date_to):
        return "", []
    dates = Filters(date_from=filters.date_from, date_to=filters.date_to)
    where, params = filter_sql(dates)
    low, high = archive.conn.execute(
        f"SELECT min(a.id), max(a.id) FROM articles a INDEXED BY idx_articles_published "
        f"WHERE {where}",
        params,
    ).fetchone()
    return f"AND {index}.rowid BETWEEN ? AND ?", [low or 0, high or 0]


def _join_index(archive: ArchiveCore, filters: Filters) -> str:
    """Join matches to the narrow filter index when it holds every column the filters need.

    An archive last written by an older warta (opened read-only, so not migrated)
    lacks the index and is joined row by row, as before.
    """
    if filters.authors or filters.tags:
        return ""
    present = archive.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'idx_articles_filter'"
    ).fetchone()
    return "INDEXED BY idx_articles_filter" if present else ""


def _date_plan(
    archive: ArchiveCore,
    query: str,
    index: str,
    match: str,
    filters: Filters,
    order: str,
    wanted: int,
) -> tuple[str, list[Any]] | None:
    """SQL that walks the date index to the first `wanted` hits, when that beats sorting.

    A word in most of the archive has hundreds of thousands of matches: sorting
    them all by date is slow, while walking the date index from the newest
    article finds `wanted` matches within a few rows. A rare word is the other
    way round. The number of matches (cheap: FTS5 alone) decides; filters on
    authors, tags, sections or places make the walk's length unpredictable, so
    those searches always sort (None).
    """
    if filters.authors or filters.tags or filters.sections or filters.locations:
        return None
    sql = f"SELECT count(*) FROM {index} WHERE {index} MATCH ?"
    matches = _run(archive, query, sql, [match])[0][0]
    if matches == 0:
        return None
    total = archive.conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 1
    walked = wanted * max(1.0, total / matches)  # rows the walk steps through, about
    costs = {
        "sort": matches * COST_SORT_PER_MATCH,
        "list": matches * COST_LIST_PER_MATCH + walked * COST_WALK_PER_ROW,
        "probe": walked * COST_PROBE_PER_ROW,
    }
    plan = min(costs, key=costs.__getitem__)
    if plan == "sort":
        return None
    if plan == "list":  # the matching ids, collected once into a list SQLite looks up
        matching = f"a.id IN (SELECT rowid FROM {index} WHERE {index} MATCH ?)"
    else:  # FTS5 asked about each row the walk reaches
        matching = f"EXISTS (SELECT 1 FROM {index} WHERE {index} MATCH ? AND rowid = a.id)"
    # One source: its own (source, published_at) index is in date order within it.
    date_index = (
        "idx_articles_source_published" if len(filters.sources) == 1 else "idx_articles_published"
    )
    where, params = filter_sql(filters)
    return (
        f"SELECT a.id, 0.0 FROM articles a INDEXED BY {date_index} "
        f"WHERE {where} AND {matching} ORDER BY {ORDERS[order]} LIMIT ? OFFSET ?",
        [*params, match],
    )


def _rows(archive: ArchiveCore, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The page's article rows, by id."""
    if not ids:
        return {}
    cursor = archive.conn.execute(
        "SELECT id, url, source, section, title, published_at, authors, summary, body "
        f"FROM articles WHERE id IN ({','.join('?' * len(ids))})",
        ids,
    )
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor}


def _fts_snippets(
    archive: ArchiveCore, index: str, match: str, ids: list[int], highlight: tuple[str, str]
) -> dict[int, str]:
    """FTS5's own snippets for the page's hits only (FTS5 seeks each rowid)."""
    if not ids:
        return {}
    rows = archive.conn.execute(
        f"SELECT rowid, snippet({index}, -1, ?, ?, '…', 16) FROM {index} "
        f"WHERE {index} MATCH ? AND rowid IN ({','.join('?' * len(ids))})",
        [*highlight, match, *ids],
    )
    return dict(rows.fetchall())


def _stemmed_snippet(
    body: str, summary: str | None, stems: set[str], highlight: tuple[str, str]
) -> str:
    """The passage around the first match in the body, else in the summary.

    FTS5's snippet() would show the stemmed text, so stemmed hits get their
    snippet from the original text here.
    """
    in_body = first_hit(body.split(), stems) is not None
    return stem_snippet(body if in_body or not summary else summary, stems, highlight)


def _index_and_match(query: str, exact: bool) -> tuple[str, str, set[str]]:
    if exact:
        if len(query) > MAX_QUERY_CHARS:  # the same cap as the stemmed search's
            raise SearchError(str(QueryTooLong(len(query))))
        return "articles_fts", query, set()
    try:
        stemmed, stems = stem_query(query)
    except QueryTooLong as exc:
        raise SearchError(str(exc)) from None
    return "articles_fts_stem", stemmed, stems


def fts_match(query: str, exact: bool = False) -> tuple[str, str]:
    """The FTS5 table and MATCH text search() would use, for callers building their own SQL."""
    index, match, _ = _index_and_match(query, exact)
    return index, match


def count_hits(archive: ArchiveCore, query: Query) -> int:
    """How many articles (or distinct stories) match: no ranking, no snippets, cheap."""
    text, filters = query.text or "", query.filters
    where, params = filter_sql(filters)
    index, match, _ = _index_and_match(text, query.exact)
    if where == "1" and not query.unique_stories:  # FTS5 alone: no article row is read
        sql = f"SELECT count(*) FROM {index} WHERE {index} MATCH ?"
        return _run(archive, text, sql, [match])[0][0]
    counted = f"DISTINCT {STORY}" if query.unique_stories else "*"
    ids, id_params = _id_range(archive, index, filters)
    sql = (
        f"SELECT count({counted}) FROM {index} JOIN articles a {_join_index(archive, filters)} "
        f"ON a.id = {index}.rowid WHERE {index} MATCH ? {ids} AND {where}"
    )
    return _run(archive, text, sql, [match, *id_params, *params])[0][0]


def _run(archive: ArchiveCore, query: str, sql: str, params: list[Any]) -> list[tuple]:
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
