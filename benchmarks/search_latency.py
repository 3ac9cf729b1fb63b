"""Search latency on a large archive: warta's search layer against bare FTS5 SQL.

Uses (or builds, with benchmarks/archive_builder.py) an archive of N generated
articles (realistic Indonesian text, both FTS indexes), then times a query mix
drawn from what researchers search: names, places and topics as one word, two
words with a date filter, a phrase — stemmed and exact — with snippets, 20
hits, ranked by relevance and (a second mix) newest first. The same queries as
bare FTS5 SQL on the same file (MATCH, the same filter, bm25 or date order,
then FTS5's snippets for the 20 hits) are the floor, timed interleaved with
ours. Also: a term that matches most of the archive, by relevance and by date,
and the archive's size per article.

    python -m benchmarks.search_latency --db PATH [--articles 100000] [--repeat 5] [--json F]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.archive_builder import build_archive
from storage.archive import Archive, iso_utc
from storage.opening import connect_readonly
from storage.query import Filters, Query, Sort
from storage.search import BM25_WEIGHTS, fts_match

ONE_WORD = ["banjir", "Sleman", "Magelang", "bupati", "sekolah", "wisata", "longsor", "pasar"]
TWO_WORDS = ["banjir Bantul", "harga cabai", "jalan rusak", "pelayanan publik"]
PHRASES = ['"Kulon Progo"', '"pemerintah kabupaten"', '"tanah longsor"']
COMMON = "warga"  # in nearly every article
NOVEMBER = Filters(date_from=date(2025, 11, 1), date_to=date(2025, 11, 30))
WIB = ZoneInfo("Asia/Jakarta")  # filter days are WIB days


def mix() -> list[tuple[str, Filters]]:
    return [(q, Filters()) for q in ONE_WORD + PHRASES] + [(q, NOVEMBER) for q in TWO_WORDS]


def timed(function: Callable[[], Any]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bare_where(filters: Filters) -> tuple[str, list[Any]]:
    """The floor's filter conditions on `articles a`, written by hand, with their parameters.

    Stated here rather than taken from storage/, so the floor goes around warta's
    storage layer (tests/test_search_plans.py uses it as the answer, for the same
    reason). Sources and WIB days only: all the query mix filters by.
    """
    if filters.sections or filters.authors or filters.tags or filters.locations:
        raise ValueError("the floor filters by sources and days only")
    clauses: list[str] = []
    params: list[Any] = []
    if filters.sources:
        clauses.append(f"a.source IN ({','.join('?' * len(filters.sources))})")
        params.extend(source.lower() for source in filters.sources)
    if filters.date_from:
        clauses.append("a.published_at >= ?")
        params.append(_wib_day_start(filters.date_from))
    if filters.date_to:  # inclusive: up to the start of the next day
        clauses.append("a.published_at < ?")
        params.append(_wib_day_start(filters.date_to + timedelta(days=1)))
    return " AND ".join(clauses) or "1", params


def _wib_day_start(day: date) -> str:
    return iso_utc(datetime.combine(day, clock(0), WIB))


def bare_fts(
    floor_db: sqlite3.Connection, query: str, filters: Filters, exact: bool, order: str
) -> list[Any]:
    """The floor: hand-written FTS5 SQL, the 20 best ids, then FTS5's snippets for them.

    On its own plain SQLite connection to the file: the floor goes around warta's
    storage layer altogether (only the MATCH text is warta's)."""
    index, match = fts_match(query, exact)
    where, params = bare_where(filters)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    joined = f"JOIN articles a ON a.id = {index}.rowid AND {where}"
    if where == "1" and order == "relevance":
        joined = ""  # FTS5 alone
    ordering = f"bm25({index}, {weights})" if order == "relevance" else "a.published_at DESC"
    ids = [
        row[0]
        for row in floor_db.execute(
            f"SELECT {index}.rowid FROM {index} {joined} WHERE {index} MATCH ? "
            f"ORDER BY {ordering} LIMIT 20",
            [*params, match],
        )
    ]
    marks = ",".join("?" * len(ids))
    return floor_db.execute(
        f"SELECT rowid, snippet({index}, -1, '[', ']', '…', 16) FROM {index} "
        f"WHERE {index} MATCH ? AND rowid IN ({marks})",
        [match, *ids],
    ).fetchall()


def measure(db: Path, repeat: int = 5) -> dict[str, Any]:
    """Latencies (ms) of the mix for ours and the floor, the common term, size per article."""
    archive = Archive(db, readonly=True)
    floor_db = connect_readonly(db)
    results: dict[str, Any] = {"articles": archive.count()}
    orders: tuple[Sort, ...] = ("relevance", "newest")
    for order in orders:
        for exact in (False, True):
            label = f"{order}, {'exact' if exact else 'stemmed'}"
            results[label] = _mix_latency(archive, floor_db, order, exact, repeat)
    for order in orders:
        values = [timed(_ours(archive, COMMON, Filters(), False, order)) for _ in range(3)]
        results[f"common term {COMMON!r} by {order}, ms"] = statistics.median(values)
    floor = [timed(_floor(floor_db, COMMON, Filters(), False, "relevance")) for _ in range(3)]
    results[f"common term {COMMON!r} by relevance, bare FTS5, ms"] = statistics.median(floor)
    archive.close()
    floor_db.close()
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    results["bytes per article"] = size / max(results["articles"], 1)
    return results


def _mix_latency(
    archive: Archive, floor_db: sqlite3.Connection, order: Sort, exact: bool, repeat: int
) -> dict[str, float]:
    ours: list[float] = []
    floor: list[float] = []
    for query, filters in mix():
        for _ in range(repeat):  # interleaved: the machine's noise hits both alike
            ours.append(timed(_ours(archive, query, filters, exact, order)))
            floor.append(timed(_floor(floor_db, query, filters, exact, order)))
    return _summary(ours, floor)


def _ours(
    archive: Archive, text: str, filters: Filters, exact: bool, order: Sort
) -> Callable[[], Any]:
    query = Query(text, filters, exact=exact, sort=order)
    return lambda: archive.search(query, limit=20)


def _floor(
    floor_db: sqlite3.Connection, text: str, filters: Filters, exact: bool, order: str
) -> Callable[[], Any]:
    return lambda: bare_fts(floor_db, text, filters, exact, order)


def _summary(ours: list[float], floor: list[float]) -> dict[str, float]:
    return {
        "p50 ms": percentile(ours, 0.5),
        "p95 ms": percentile(ours, 0.95),
        "floor p50 ms": percentile(floor, 0.5),
        "floor p95 ms": percentile(floor, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="when building --db")
    parser.add_argument("--db", type=Path, default=Path("bench-search.db"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not args.db.exists():
        rate = build_archive(args.db, args.articles, progress=True)
        print(f"built {args.db}: {args.articles} articles at {rate:.0f} articles/s")
    results = measure(args.db, args.repeat)
    print(f"{results['articles']} articles, {results['bytes per article'] / 1024:.1f} KB each")
    header = f"{'query mix (20 hits, snippets)':<34} {'p50':>7} {'p95':>7}"
    print(f"{header} {'floor p50':>10} {'p95':>7}")
    for label, row in results.items():
        if isinstance(row, dict):
            cells = " ".join(f"{row[k]:>7.1f}" for k in ("p50 ms", "p95 ms"))
            floor = f"{row['floor p50 ms']:>10.1f} {row['floor p95 ms']:>7.1f}"
            print(f"{label:<34} {cells} {floor}")
    for label, value in results.items():
        if label.startswith("common term"):
            print(f"{label:<52} {value:8.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
