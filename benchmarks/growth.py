"""Growth: the same crawl into archives that already hold 0, 100,000 and 1,000,000 articles.

A replica of 2,000 articles (seed 99: none of them is in the prebuilt archives)
is crawled, end to end as in crawl_throughput.py, into a fresh copy of each
archive. Per-article cost (crawl wall time and crawl CPU time per archived
article) must stay flat as the archive grows: every look-up on the crawl's path
(URL known?, same body?, near-duplicates, FTS inserts) must use an index, not a
scan. Ratio = cost at N / cost with the empty archive.

The large archives are built once with benchmarks/archive_builder.py (through
Archive.store, like a crawl, with forked workers doing the CPU work ahead) into
benchmarks/.cache/ (outside git) and copied before each crawl; building 1,000,000
articles still takes hours on a small, shared machine, so `--quick` uses 0 /
20,000 / 100,000 and says so.

Layouts (`--layouts`), each against the same empty archive measured in the same run:

- `plain`: articles without raw pages (the archive as the builder made it first);
- `sqlite`: every article also carries a raw page of about `--raw-kb` KB
  (25) compressed in `raw_pages.html`, as an archive crawled before WARC capture;
- `warc`: the archive as it is after the move (`warta compact`): the pages sit in WARC
  files beside it, `raw_pages` holds pointers. The builder writes the records and
  their pointer rows directly (no 25 KB page per article in SQLite first, no
  VACUUM), with the rendering alone as each record's body (WARC_KB).

The crawl captures to WARC (the default). Its archive is a fresh copy of the
prebuilt `.db`; the prebuilt WARC files are hard-linked into the crawl's WARC
folder, not copied: the crawl only adds files of its own, it never writes to
finished ones. The copy is checked once before the timed crawl (`check_once`), as
the night before leaves a real archive.

    python -m benchmarks.growth [--quick] [--sizes 0 100000 1000000] [--runs 3]
    python -m benchmarks.growth --sizes 0 100000 --layouts sqlite warc --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from benchmarks.crawl_throughput import replica, run_crawl
from storage.archive import Archive
from storage.warc import default_warc_dir

Log = Callable[[str], None] | None

CACHE = Path(__file__).resolve().parent / ".cache"
FULL_SIZES = (0, 100_000, 1_000_000)
QUICK_SIZES = (0, 20_000, 100_000)
LAYOUTS = ("plain", "sqlite", "warc")
RAW_KB = 25.0  # real outlet article pages compress to 20-28 KB (issue #15)
# The `warc` layout's records hold the replica's rendering alone (~4 KB gzipped, with
# its headers), not a padded 25 KB page: a crawl never reads old records, only their
# pointer rows in SQLite (the same rows either way); a million padded ones take 25 GB.
WARC_KB = 0.0
# Disk a prebuilt archive takes per article (measured at 100,000; the sqlite layout at
# 4,000 with 25 KB pages): checked before a build, so a million never fills the disk.
BYTES_PER_ARTICLE = {"plain": 10_200, "sqlite": 36_000, "warc": 15_000}
PAGES_OF = {"plain": "none", "sqlite": "sqlite", "warc": "warc"}  # the builder's `pages`
LOOKBACK_DAYS = 7  # sources.toml's default lookback: the replica's whole week


def cached_archive(
    size: int,
    cache: Path = CACHE,
    log: Log = None,
    *,
    layout: str = "plain",
    raw_kb: float = RAW_KB,
) -> Path | None:
    """The prebuilt archive of `size` articles in `layout` (built now if missing, from
    the largest smaller one cached when there is one); None for 0. A `warc` archive's
    WARC folder is `default_warc_dir` of the path."""
    if size == 0:
        return None
    path = cached_path(size, layout, raw_kb, cache)
    if path.exists():
        return path
    from benchmarks.archive_builder import build_archive

    cache.mkdir(parents=True, exist_ok=True)
    building = path.with_name("tmp-" + path.name)
    remove_archive(building)
    smaller = smaller_cached(size, cache, layout, raw_kb)
    need_free((size - smaller[0]) * BYTES_PER_ARTICLE[layout], cache)
    if smaller[1] is not None:  # the builder's chunks are a prefix: add the rest
        copy_archive(smaller[1], building)
    if log:
        start = f", from the {smaller[0]} cached" if smaller[0] else ""
        log(f"  building {path} ({size} articles{start}, once; this takes a while)")
    kb = {"warc": WARC_KB, "sqlite": raw_kb}.get(layout, 0)
    rate = build_archive(
        building, size, raw_kb=kb, pages=PAGES_OF[layout], progress=log is not None, extend=True
    )
    if log:
        log(f"  built at {rate:.0f} articles/s")
    with sqlite3.connect(building) as conn:  # everything in the main file: copy one file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if default_warc_dir(building).is_dir():
        default_warc_dir(building).rename(default_warc_dir(path))
    building.rename(path)
    remove_archive(building)
    return path


def cached_path(size: int, layout: str, raw_kb: float = RAW_KB, cache: Path = CACHE) -> Path:
    """Where the cache keeps the archive of `size` articles in `layout`."""
    if layout == "warc":
        return cache / f"archive-{size}-warc.db"
    if layout == "sqlite":
        return cache / f"archive-{size}-raw{raw_kb:g}kb.db"
    return cache / f"archive-{size}.db"


def smaller_cached(
    size: int, cache: Path, layout: str, raw_kb: float = RAW_KB
) -> tuple[int, Path | None]:
    """The largest cached archive of the layout smaller than `size` (0, None if none):
    a build of `size` starts from it, as its chunks are the first ones of that build."""
    from benchmarks.archive_builder import CHUNK

    found: tuple[int, Path | None] = (0, None)
    for file in cache.glob("archive-*.db"):
        held = file.name.split("-")[1]
        if not held.isdigit() or not (found[0] < int(held) < size) or int(held) % CHUNK:
            continue
        if cached_path(int(held), layout, raw_kb, cache) == file:
            found = (int(held), file)
    return found


def remove_archive(db: Path) -> None:
    """An archive file, its SQLite side files and its WARC folder."""
    for suffix in ("", "-wal", "-shm", "-checked"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(default_warc_dir(db), ignore_errors=True)


def need_free(size: float, folder: Path) -> None:
    free = shutil.disk_usage(folder).free
    if free < size:
        raise RuntimeError(f"not enough disk: {int(size) >> 20} MB needed, {free >> 20} MB free")


def copy_archive(source: Path | None, target: Path) -> None:
    """A fresh copy of the prebuilt archive; its WARC files hard-linked (see the docstring)."""
    if source is None:
        return
    need_free(source.stat().st_size * 1.5, target.parent)
    shutil.copyfile(source, target)
    # written out before the crawl starts: the kernel's writeback of a large copy would
    # otherwise compete with the crawl's own I/O and be charged to the larger archives
    descriptor = os.open(target, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    warcs = default_warc_dir(source)
    if warcs.is_dir():
        linked = default_warc_dir(target)
        linked.mkdir()
        for file in warcs.iterdir():
            os.link(file, linked / file.name)


def check_once(db: Path) -> None:
    """Check the fresh copy as a night's crawl finds the real archive: checked by the night
    before, which noted it (storage/opening.py), so its crawl does not read the whole
    file again. The copy is another file, never checked: without this, each crawl would
    pay that one-off read (PRAGMA quick_check: ~8 s at 332,000 articles)."""
    if db.exists():
        with Archive(db) as archive:
            archive.verify_intact()


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
    log: Log = None,
    layouts: tuple[str, ...] = ("plain",),
    raw_kb: float = RAW_KB,
) -> dict:
    """Crawl cost per layout and size. `result["sizes"]` is the first layout's (as before
    layouts existed); `result["layouts"][layout]["sizes"]` each layout's; every ratio is
    against size 0 (the empty archive, one crawl per run whatever the layouts)."""
    cases = [(layouts[0], 0)] if 0 in sizes else []
    cases += [(layout, size) for layout in layouts for size in sizes if size]
    archives = {
        case: cached_archive(case[1], cache, log, layout=case[0], raw_kb=raw_kb) for case in cases
    }
    samples: dict[tuple[str, int], list[dict]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory(dir=cache if cache.exists() else None) as folder:
        with replica(articles, seed) as url:
            # A backfill (--since) walks the whole window: a nightly walk would stop at
            # the first listing page holding an article the prebuilt archive happens to
            # share with this replica, and crawl a different number of articles per size.
            since = (replica_now(url) - timedelta(days=LOOKBACK_DAYS)).isoformat()
            for _run in range(runs):
                for case in cases:  # interleaved: load on the machine hits every case alike
                    sample = crawl_once(url, Path(folder), case, archives[case], since)
                    samples[case].append(sample)
                    if log:
                        log(
                            f"  {case[0]:>6} archive {case[1]:>8}: {sample['new_articles']} new "
                            f"articles in {sample['seconds']:.1f} s, "
                            f"{sample['ms_per_article']:.2f} ms/article "
                            f"({sample['cpu_ms_per_article']:.2f} ms CPU)"
                        )
    medians = {
        case: {key: statistics.median(v[key] for v in values) for key in values[0]}
        for case, values in samples.items()
    }
    result: dict = {"runs": runs, "crawl_articles": articles, "raw_kb": raw_kb, "layouts": {}}
    for layout in layouts:
        figures = {size: dict(medians[(layout if size else cases[0][0], size)]) for size in sizes}
        base = figures[sizes[0]]
        for f in figures.values():
            f["ratio"] = f["ms_per_article"] / base["ms_per_article"]
            f["cpu_ratio"] = f["cpu_ms_per_article"] / base["cpu_ms_per_article"]
        result["layouts"][layout] = {
            "sizes": figures,
            "max_ratio": max(f["ratio"] for f in figures.values()),
            "max_cpu_ratio": max(f["cpu_ratio"] for f in figures.values()),
        }
    first = result["layouts"][layouts[0]]
    result.update(sizes=first["sizes"], max_ratio=first["max_ratio"])
    result["max_cpu_ratio"] = first["max_cpu_ratio"]
    return result


def crawl_once(
    url: str, folder: Path, case: tuple[str, int], source: Path | None, since: str
) -> dict[str, float]:
    """One crawl into a fresh copy of the case's archive; its per-article figures."""
    db = folder / f"growth-{case[0]}-{case[1]}.db"
    copy_archive(source, db)
    check_once(db)
    try:
        before = archived(db)
        crawl = run_crawl(url, db, extra=("--since", since))
    finally:
        remove_archive(db)
    new = crawl["articles"] - before
    return {
        "archive_articles": before,
        "new_articles": new,
        "seconds": crawl["seconds"],
        "ms_per_article": crawl["seconds"] * 1000 / new,
        "cpu_ms_per_article": crawl["cpu_seconds"] * 1000 / new,
        "peak_rss_mb": crawl["peak_rss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="archives of 0, 20k and 100k")
    parser.add_argument("--sizes", type=int, nargs="+", help="archive sizes (articles)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--articles", type=int, default=2000, help="replica size crawled")
    parser.add_argument(
        "--layouts",
        nargs="+",
        choices=LAYOUTS,
        default=["plain"],
        help="plain: no raw pages; sqlite: raw pages in SQLite; warc: after the move",
    )
    parser.add_argument("--raw-kb", type=float, default=RAW_KB, help="compressed raw page, KB")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sizes = tuple(args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES))
    started = time.perf_counter()
    result = measure(
        sizes,
        args.runs,
        articles=args.articles,
        log=lambda line: print(line, file=sys.stderr, flush=True),
        layouts=tuple(args.layouts),
        raw_kb=args.raw_kb,
    )
    note = " (--quick: smaller archives)" if args.quick else ""
    print(f"crawl of a {args.articles}-article replica, {args.runs} runs (median){note}")
    print(
        f"{'layout':>6} {'archive':>10} {'new':>6} {'ms/article':>11} {'CPU ms/art':>11} "
        f"{'ratio':>6} {'CPU ratio':>9}"
    )
    for layout, figures in result["layouts"].items():
        for size, f in figures["sizes"].items():
            print(
                f"{layout:>6} {size:>10} {f['new_articles']:>6.0f} {f['ms_per_article']:>11.2f} "
                f"{f['cpu_ms_per_article']:>11.2f} {f['ratio']:>6.2f} {f['cpu_ratio']:>9.2f}"
            )
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
