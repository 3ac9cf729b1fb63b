"""Archive ingest rate: articles per second through Archive.store, with both FTS indexes.

Rows are generated replica articles (realistic Indonesian text, ~400 words).
In the same run, interleaved: warta's full write path (exact + stemmed FTS,
duplicate look-up, story clusters, URL aliases); the same with the stemmer
switched off (what stemming costs); and the baseline, bare FTS5 — the rows
inserted into a plain table with one external-content FTS5 index kept by a
trigger, in one transaction per batch, as a minimal hand-written archive would.

    python -m benchmarks.ingest [--articles 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from benchmarks.archive_builder import generated_rows
from storage import core as archive_module  # where Archive.store stems the text
from storage.archive import Archive, encode_row

BARE_SCHEMA = """
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT UNIQUE, title TEXT, summary TEXT,
    body TEXT, published_at TEXT);
CREATE VIRTUAL TABLE articles_fts USING fts5(title, summary, body, content='articles',
    content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, summary, body)
    VALUES (new.id, new.title, new.summary, new.body);
END;
"""


def warta_rate(records: list[dict], stemming: bool = True) -> float:
    with tempfile.TemporaryDirectory() as folder:
        with Archive(Path(folder) / "bench.db") as archive:
            replacement = archive_module.stem_text if stemming else (lambda text: text or "")
            with mock.patch.object(archive_module, "stem_text", replacement):
                started = time.perf_counter()
                for record in records:
                    archive.store(record)
                archive.flush()
                return len(records) / (time.perf_counter() - started)


def bare_fts5_rate(records: list[dict], batch: int = 200) -> float:
    with tempfile.TemporaryDirectory() as folder:
        conn = sqlite3.connect(Path(folder) / "bare.db", isolation_level=None)
        conn.executescript(BARE_SCHEMA)
        columns = ("url", "title", "summary", "body", "published_at")
        started = time.perf_counter()
        for first in range(0, len(records), batch):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO articles(url, title, summary, body, published_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [tuple(r[c] for c in columns) for r in records[first : first + batch]],
            )
            conn.execute("COMMIT")
        rate = len(records) / (time.perf_counter() - started)
        conn.close()
        return rate


def measure(articles: int = 5000, runs: int = 3) -> dict[str, Any]:
    """Median articles/s of each write path, interleaved run by run, and warta's ratio."""
    records = list(generated_rows(articles, seed=11))
    encode_row(records[0])  # fail early on a malformed row
    rates: dict[str, list[float]] = {"warta": [], "warta, no stemming": [], "bare FTS5": []}
    for _ in range(runs):
        rates["warta"].append(warta_rate(records))
        rates["warta, no stemming"].append(warta_rate(records, stemming=False))
        rates["bare FTS5"].append(bare_fts5_rate(records))
    medians = {label: statistics.median(values) for label, values in rates.items()}
    return {
        "articles": len(records),
        "body words": statistics.mean(len(r["body"].split()) for r in records),
        "runs": runs,
        "articles/s": medians,
        "ratio warta / bare FTS5": medians["warta"] / medians["bare FTS5"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    result = measure(args.articles, args.runs)
    print(
        f"{result['articles']} articles, {result['body words']:.0f} body words on average, "
        f"{result['runs']} runs (median)"
    )
    for label, rate in result["articles/s"].items():
        print(f"{label:<22} {rate:8.0f} articles/s")
    print(f"warta / bare FTS5: {result['ratio warta / bare FTS5']:.2f}")


if __name__ == "__main__":
    main()
