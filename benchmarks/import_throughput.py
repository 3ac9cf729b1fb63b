"""WARC import throughput against a crawl of the same pages, measured in the same run (#15).

Each run crawls a fresh replica of N generated articles (`warta crawl --replica`,
WARC capture on, its own process) into a fresh archive, then imports that crawl's
WARC files into an empty archive (`warta import --jobs J`, its own process). Figures:
articles in the archive per second of wall time, start-up included, for both, and
their ratio (target: import ≥ 3× the crawl); also the import's own timer (its
summary line, which leaves out process start-up) and CPU ms per article of both
(the import's worker processes included): on a shared machine the wall ratio moves
with the load (the crawl waits on its loopback fetches, the import on the CPU),
the CPU ratio much less. And the writing process's CPU per article (its summary's
CPU line): one process runs the pipeline chain and writes the archive whatever
`--jobs` says, so 1000 / that figure is the most articles/s more cores can give.
Runs are interleaved crawl, import, crawl, import…; medians of --runs.

    python -m benchmarks.import_throughput [--articles 1000] [--runs 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import wait_measuring
from benchmarks.crawl_throughput import replica, run_crawl
from storage.archive import Archive
from storage.warc import default_warc_dir

REPO = Path(__file__).resolve().parent.parent
# the import's summary line: "... in 2.1s (210.4 articles/s); ..."
OWN_TIMER = re.compile(r" in ([\d.]+)s \(([\d.]+) articles/s\)")
# its CPU line: "CPU: 3.0s in the writing process (2.7 ms per article), ..."
WRITER_CPU = re.compile(r"CPU: ([\d.]+)s in the writing process")


def run_import(files: list[Path], db: Path, jobs: int) -> dict:
    """One `warta import` subprocess of `files` into the empty archive `db`."""
    command = [sys.executable, "-m", "warta", "import", "--jobs", str(jobs), "--db", str(db)]
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [*command, *map(str, files)], cwd=REPO, stdout=out, stderr=subprocess.DEVNULL
        )
        _, peak_kb, usage = wait_measuring(process)
        seconds = time.perf_counter() - started
        out.seek(0)
        summary = out.read()
    if process.returncode != 0:
        raise RuntimeError(f"import failed ({process.returncode}): {summary[-800:]}")
    own = OWN_TIMER.search(summary)
    writer = WRITER_CPU.search(summary)
    with Archive(db, readonly=True) as archive:
        articles = archive.count()
    return {
        "seconds": seconds,
        "articles": articles,
        "articles_per_s": articles / seconds,
        "own_articles_per_s": float(own.group(2)) if own else 0.0,
        # the writing process's CPU alone: the serial part, whatever the worker count
        "writer_cpu_ms_per_article": float(writer.group(1)) * 1000 / max(articles, 1)
        if writer
        else 0.0,
        "peak_rss_mb": peak_kb / 1024,
        # its worker processes' CPU included (Linux adds reaped children's usage)
        "cpu_ms_per_article": (usage.ru_utime + usage.ru_stime) * 1000 / max(articles, 1),
    }


def measure(size: int = 1000, runs: int = 3, *, jobs: int = 2, seed: int = 5, log=None) -> dict:
    """Crawl then import, `runs` times; medians and per-run samples."""
    crawls: list[dict] = []
    imports: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            crawled = Path(folder) / f"crawl-{run}.db"
            with replica(size, seed) as url:
                crawls.append(run_crawl(url, crawled))
            files = sorted(default_warc_dir(crawled).glob("*.warc.gz"))
            if not files:
                raise RuntimeError("the crawl wrote no WARC file (capture off?)")
            imports.append(run_import(files, Path(folder) / f"import-{run}.db", jobs))
            if imports[-1]["articles"] != crawls[-1]["articles"]:
                raise RuntimeError(
                    f"import archived {imports[-1]['articles']} articles, "
                    f"the crawl {crawls[-1]['articles']}"
                )
            if log:
                c, i = crawls[-1], imports[-1]
                log(
                    f"  run {run + 1}: crawl {c['articles']} articles in {c['seconds']:.1f} s "
                    f"({c['articles_per_s']:.1f}/s), import in {i['seconds']:.1f} s "
                    f"({i['articles_per_s']:.1f}/s): "
                    f"{i['articles_per_s'] / c['articles_per_s']:.2f}x"
                )
    crawl_rate = statistics.median(c["articles_per_s"] for c in crawls)
    import_rate = statistics.median(i["articles_per_s"] for i in imports)
    return {
        "size": size,
        "runs": runs,
        "jobs": jobs,
        "articles": statistics.median(i["articles"] for i in imports),
        "crawl_articles_per_s": crawl_rate,
        "import_articles_per_s": import_rate,
        "ratio": import_rate / crawl_rate,
        "ratio_samples": [
            round(i["articles_per_s"] / c["articles_per_s"], 2)
            for c, i in zip(crawls, imports, strict=True)
        ],
        "import_own_timer_articles_per_s": statistics.median(
            i["own_articles_per_s"] for i in imports
        ),
        "crawl_cpu_ms_per_article": statistics.median(c["cpu_ms_per_article"] for c in crawls),
        "import_cpu_ms_per_article": statistics.median(i["cpu_ms_per_article"] for i in imports),
        "import_peak_rss_mb": max(i["peak_rss_mb"] for i in imports),
        "writer_cpu_ms_per_article": statistics.median(
            i["writer_cpu_ms_per_article"] for i in imports
        ),
        # CPU per article, crawl / import: the work each does, whatever else runs beside
        "cpu_ratio": statistics.median(c["cpu_ms_per_article"] for c in crawls)
        / statistics.median(i["cpu_ms_per_article"] for i in imports),
        "crawl_samples": crawls,
        "import_samples": imports,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="replica size")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="the import's worker processes")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    result = measure(
        args.articles,
        args.runs,
        jobs=args.jobs,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(
        f"{result['articles']:.0f} articles, medians of {result['runs']} runs: "
        f"crawl {result['crawl_articles_per_s']:.1f} articles/s, "
        f"import (--jobs {result['jobs']}) {result['import_articles_per_s']:.1f} articles/s: "
        f"import {result['ratio']:.2f}x the crawl (target ≥ 3x; runs {result['ratio_samples']})"
    )
    print(
        f"import by its own timer (no start-up): "
        f"{result['import_own_timer_articles_per_s']:.1f} articles/s; CPU ms/article "
        f"crawl {result['crawl_cpu_ms_per_article']:.1f}, import (workers included) "
        f"{result['import_cpu_ms_per_article']:.1f}: {result['cpu_ratio']:.2f}x less"
    )
    writer_ms = result["writer_cpu_ms_per_article"]
    if writer_ms:
        bound = 1000 / writer_ms
        print(
            f"the writing process (one, whatever --jobs) spends {writer_ms:.2f} ms CPU per "
            f"article: with enough cores for the workers the import tops out near "
            f"{bound:.0f} articles/s, {bound / result['crawl_articles_per_s']:.1f}x the crawl"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
