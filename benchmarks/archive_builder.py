"""Large generated archives for the benchmarks: 100,000 or a million realistic articles.

Rows come from the replica's generator (realistic Indonesian text, the outlets'
URL shapes, a year of dates) in chunks, so a million articles never sit in
memory at once, and go through `Archive.store`, the crawl's own write path
(both FTS indexes, exact-duplicate look-ups, story clusters). Each chunk after
the first covers an earlier stretch of days and its URLs carry a chunk marker,
so no two chunks collide.

    python -m benchmarks.archive_builder PATH --articles 1000000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from benchmarks.common import archive_row
from replica.generator import build_site
from storage.archive import Archive

CHUNK = 20_000
DAYS_PER_CHUNK = 30
LAST_DAY = date(2025, 11, 8)


def generated_rows(articles: int, seed: int = 21) -> Iterator[dict]:
    """`articles` archive rows, newest chunk first, each chunk a month of an outlet mix."""
    made = 0
    chunk = 0
    while made < articles:
        size = min(CHUNK, articles - made)
        site = build_site(
            articles=size,
            seed=seed + chunk,
            days=DAYS_PER_CHUNK,
            last_day=LAST_DAY - timedelta(days=DAYS_PER_CHUNK * chunk),
        )
        for article in site.articles[:size]:  # the seed article comes last: once is enough
            row = archive_row(article.truth())
            if chunk:
                row["url"] = f"{row['url']}-b{chunk}"
            yield row
        made += size
        chunk += 1


def build_archive(path: Path, articles: int, seed: int = 21, progress: bool = False) -> float:
    """Fill the archive at `path` with `articles` generated articles; return articles/s."""
    started = time.perf_counter()
    with Archive(path, batch_size=2000, batch_seconds=5.0) as archive:
        archive.claim_origin("replica")  # synthetic rows: replica crawls may add to them
        for done, row in enumerate(generated_rows(articles, seed), start=1):
            archive.store(row)
            if progress and done % 10_000 == 0:
                rate = done / (time.perf_counter() - started)
                print(f"{done:>9} articles, {rate:6.0f}/s", file=sys.stderr, flush=True)
    return articles / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    if args.path.exists():
        sys.exit(f"{args.path} exists; refusing to add to it")
    rate = build_archive(args.path, args.articles, args.seed, progress=True)
    print(f"built {args.path}: {args.articles} articles at {rate:.0f} articles/s")


if __name__ == "__main__":
    main()
