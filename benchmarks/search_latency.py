"""Search latency on a large archive: warta's search layer against bare FTS5 SQL.

Builds (or reuses) an archive of N replica articles (realistic Indonesian text,
both FTS indexes), then times a query mix drawn from what researchers search:
names, places and topics as one word, two words with a date filter, a phrase —
stemmed and exact — with snippets, 20 hits. The same MATCH queries run as bare
FTS5 SQL on the same file are the floor. Also: a term matching most of the
archive ranked by relevance and by date, archive size per article.

    python benchmarks/search_latency.py [--articles 100000] [--db PATH] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

from benchmarks.common import archive_row
from replica.generator import build_site
from storage.archive import Archive
from storage.search import Filters, search

ONE_WORD = ["banjir", "Sleman", "Magelang", "bupati", "sekolah", "wisata", "longsor", "pasar"]
TWO_WORDS = ["banjir Bantul", "harga cabai", "jalan rusak", "pelayanan publik"]
PHRASES = ['"Kulon Progo"', '"pemerintah kabupaten"', '"rumah sakit"']
COMMON = "warga"  # in most articles


def build(db: Path, articles: int) -> None:
    site = build_site(articles=articles, seed=21, days=365, last_day=date(2025, 11, 8))
    with Archive(db) as archive:
        for article in site.articles:
            archive.store(archive_row(article.truth()))


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("bench-search.db"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.db.exists():
        started = time.perf_counter()
        build(args.db, args.articles)
        print(f"built {args.db} in {time.perf_counter() - started:.0f} s")
    archive = Archive(args.db, readonly=True)
    count = archive.count()
    november = Filters(date_from=date(2025, 11, 1), date_to=date(2025, 11, 30))
    mix = [(q, None) for q in ONE_WORD + PHRASES] + [(q, november) for q in TWO_WORDS]
    ours: dict[str, list[float]] = {"stemmed": [], "exact": []}
    floor: list[float] = []
    for query, filters in mix:
        for mode in ours:
            ours[mode] += timed(
                lambda q=query, f=filters, m=mode: search(
                    archive, q, filters=f, exact=m == "exact", limit=20
                ),
                args.repeat,
            )
        floor += timed(
            lambda q=query: archive.conn.execute(
                "SELECT rowid, snippet(articles_fts, -1, '[', ']', '…', 16) FROM articles_fts "
                "WHERE articles_fts MATCH ? ORDER BY rank LIMIT 20",
                (q,),
            ).fetchall(),
            args.repeat,
        )
    size = args.db.stat().st_size
    print(f"{count} articles, {size / count / 1024:.1f} KB per article on disk")
    print(f"{'query mix':<28} {'p50 ms':>8} {'p95 ms':>8}")
    for label, values in [
        ("warta, stemmed", ours["stemmed"]),
        ("warta, exact", ours["exact"]),
        ("bare FTS5 (floor)", floor),
    ]:
        print(f"{label:<28} {percentile(values, 0.5):8.1f} {percentile(values, 0.95):8.1f}")
    for order in ("relevance", "newest"):
        values = timed(lambda o=order: search(archive, COMMON, order=o, limit=20), 3)
        print(f"common term '{COMMON}' by {order:<10} {statistics.median(values):8.1f} ms")


if __name__ == "__main__":
    main()
