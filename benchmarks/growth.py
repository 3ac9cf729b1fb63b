"""Growth: the same crawl into archives that already hold 0, 100,000 and 1,000,000 articles.

A replica of 2,000 articles (seed 99: none of them is in the prebuilt archives)
is crawled, end to end as in crawl_throughput.py, into a fresh copy of each
archive. Per-article cost (crawl wall time and crawl CPU time per archived
article) must stay flat as the archive grows: every look-up on the crawl's path
(URL known?, same body?, near-duplicates, FTS inserts) must use an index, not a
scan. Ratio = cost at N / cost with the empty archive.

The large archives are built once with benchmarks/archive_builder.py (through
Archive.store, like a crawl) into benchmarks/.cache/ (outside git) and copied
before each crawl; building 1,000,000 articles takes hours on a small machine,
so `--quick` uses 0 / 20,000 / 100,000 and says so.

    python -m benchmarks.growth [--quick] [--sizes 0 100000 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

from benchmarks.crawl_throughput import replica, run_crawl

CACHE = Path(__file__).resolve().parent / ".cache"
FULL_SIZES = (0, 100_000, 1_000_000)
QUICK_SIZES = (0, 20_000, 100_000)
LOOKBACK_DAYS = 7  # sources.toml's default lookback: the replica's whole week


def cached_archive(size: int, cache: Path = CACHE, log=None) -> Path | None:
    """The prebuilt archive of `size` articles (built now if missing); None for 0."""
    if size == 0:
        return None
    path = cache / f"archive-{size}.db"
    if path.exists():
        return path
    from benchmarks.archive_builder import build_archive

    cache.mkdir(parents=True, exist_ok=True)
    building = cache / f"tmp-archive-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    if log:
        log(f"  building {path} ({size} articles, once; this takes a while)")
    rate = build_archive(building, size)
    if log:
        log(f"  built at {rate:.0f} articles/s")
    with sqlite3.connect(building) as conn:  # everything in the main file: copy one file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    building.rename(path)
    Path(f"{building}-wal").unlink(missing_ok=True)
    Path(f"{building}-shm").unlink(missing_ok=True)
    return path


def copy_archive(source: Path | None, target: Path) -> None:
    if source is None:
        return
    free = shutil.disk_usage(target.parent).free
    if free < source.stat().st_size * 1.5:
        raise RuntimeError(
            f"not enough disk for a copy of {source} ({source.stat().st_size >> 20} MB; "
            f"{free >> 20} MB free)"
        )
    shutil.copyfile(source, target)


def replica_now(url: str) -> date:
    with urllib.request.urlopen(url + "/_replica/meta", timeout=10) as response:
        return datetime.fromisoformat(json.load(response)["now"]).date()


def archived(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def measure(
    sizes: tuple[int, ...] = FULL_SIZES,
    runs: int = 3,
    *,
    articles: int = 2000,
    seed: int = 99,
    cache: Path = CACHE,
    log=None,
) -> dict:
    archives = {size: cached_archive(size, cache, log) for size in sizes}
    samples: dict[int, list[dict]] = {size: [] for size in sizes}
    with tempfile.TemporaryDirectory(dir=cache if cache.exists() else None) as folder:
        with replica(articles, seed) as url:
            # A backfill (--since) walks the whole window: a nightly walk would stop at
            # the first listing page holding an article the prebuilt archive happens to
            # share with this replica, and crawl a different number of articles per size.
            since = (replica_now(url) - timedelta(days=LOOKBACK_DAYS)).isoformat()
            for _run in range(runs):
                for size in sizes:  # interleaved: load on the machine hits every size alike
                    db = Path(folder) / f"growth-{size}.db"
                    copy_archive(archives[size], db)
                    before = archived(db)
                    crawl = run_crawl(url, db, extra=("--since", since))
                    new = crawl["articles"] - before
                    samples[size].append(
                        {
                            "archive_articles": before,
                            "new_articles": new,
                            "seconds": crawl["seconds"],
                            "ms_per_article": crawl["seconds"] * 1000 / new,
                            "cpu_ms_per_article": crawl["cpu_seconds"] * 1000 / new,
                            "peak_rss_mb": crawl["peak_rss_mb"],
                        }
                    )
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{db}{suffix}").unlink(missing_ok=True)
                    if log:
                        s = samples[size][-1]
                        log(
                            f"  archive {size:>8}: {new} new articles in {s['seconds']:.1f} s, "
                            f"{s['ms_per_article']:.2f} ms/article "
                            f"({s['cpu_ms_per_article']:.2f} ms CPU)"
                        )
    result: dict = {"runs": runs, "crawl_articles": articles, "sizes": {}}
    for size, values in samples.items():
        result["sizes"][size] = {
            key: statistics.median(v[key] for v in values) for key in values[0]
        }
    base = result["sizes"][sizes[0]]
    for figures in result["sizes"].values():
        figures["ratio"] = figures["ms_per_article"] / base["ms_per_article"]
        figures["cpu_ratio"] = figures["cpu_ms_per_article"] / base["cpu_ms_per_article"]
    result["max_ratio"] = max(f["ratio"] for f in result["sizes"].values())
    result["max_cpu_ratio"] = max(f["cpu_ratio"] for f in result["sizes"].values())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="archives of 0, 20k and 100k")
    parser.add_argument("--sizes", type=int, nargs="+", help="archive sizes (articles)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--articles", type=int, default=2000, help="replica size crawled")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sizes = tuple(args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES))
    started = time.perf_counter()
    result = measure(
        sizes,
        args.runs,
        articles=args.articles,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    note = " (--quick: smaller archives)" if args.quick else ""
    print(f"crawl of a {args.articles}-article replica, {args.runs} runs (median){note}")
    print(f"{'archive':>10} {'new':>6} {'ms/article':>11} {'CPU ms/art':>11} {'ratio':>6}")
    for size, f in result["sizes"].items():
        print(
            f"{size:>10} {f['new_articles']:>6.0f} {f['ms_per_article']:>11.2f} "
            f"{f['cpu_ms_per_article']:>11.2f} {f['ratio']:>6.2f}"
        )
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
