"""Archive ingest rate: articles per second through Archive.store, with both FTS indexes.

Rows come from the replica's truth (realistic Indonesian text). The same rows are
also written with the stemmer switched off, to show what stemming costs on ingest.

    python benchmarks/ingest.py [--articles 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

from benchmarks.common import archive_row
from replica.generator import build_site
from storage import archive as archive_module
from storage.archive import Archive


def rows(articles: int) -> list[dict]:
    site = build_site(articles=articles, seed=11)
    return [archive_row(article.truth()) for article in site.articles]


def ingest_rate(records: list[dict], stemming: bool) -> float:
    with tempfile.TemporaryDirectory() as folder:
        with Archive(Path(folder) / "bench.db") as archive:
            patch = (
                mock.patch.object(archive_module, "stem_text", lambda text: text or "")
                if not stemming
                else mock.patch.object(archive_module, "stem_text", archive_module.stem_text)
            )
            with patch:
                started = time.perf_counter()
                for record in records:
                    archive.store(record)
                archive.flush()
                return len(records) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    records = rows(args.articles)
    words = statistics.mean(len(r["body"].split()) for r in records)
    with_stems = [ingest_rate(records, True) for _ in range(args.runs)]
    without = [ingest_rate(records, False) for _ in range(args.runs)]
    print(f"{len(records)} articles, {words:.0f} body words on average, {args.runs} runs (median)")
    print(f"exact + stemmed FTS: {statistics.median(with_stems):8.0f} articles/s")
    print(f"exact FTS only:      {statistics.median(without):8.0f} articles/s")


if __name__ == "__main__":
    main()
