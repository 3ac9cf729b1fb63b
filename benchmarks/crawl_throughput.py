"""End-to-end crawl throughput and memory, against `scrapy bench` in the same run.

The replica (`warta replica`) serves N generated articles from its own process;
`warta crawl --replica URL` (another process) crawls every source through it
into a fresh archive: extraction, pipelines, SQLite, both FTS indexes, raw
pages. Figures: archived articles per second (articles in the archive / wall
time of the crawl process, start-up included) and the crawl process's peak RSS
(VmHWM from /proc, sampled every 50 ms). The baseline is `scrapy bench` (Scrapy's own
follow-links spider against its own local server, 10 s) run in the same session,
interleaved with ours: its steady pages/s is the median of its per-second
LogStats rates.

    python -m benchmarks.crawl_throughput [--articles 5000 20000] [--runs 3] [--polite]
    python -m benchmarks.crawl_throughput --warc-cost --articles 1000   # capture on/off
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import crawl_command, stop_process, wait_measuring
from storage.archive import Archive

REPO = Path(__file__).resolve().parent.parent
BENCH_RATE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def replica(articles: int, seed: int = 5, *, syndication: bool = True, timeout: float = 300):
    """`warta replica` in its own process; yields its base URL once it answers."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "warta",
        "replica",
        "--articles",
        str(articles),
        "--seed",
        str(seed),
        "--port",
        str(port),
        "--syndication" if syndication else "--no-syndication",
    ]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"replica exited: {process.stderr.read().strip()[-500:]}")
            try:
                with urllib.request.urlopen(url + "/_replica/meta", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"replica not answering at {url}") from None
                time.sleep(0.2)
        yield url
    finally:
        stop_process(process)


def run_crawl(replica_url: str, db: Path, *, polite: bool = False, extra=()) -> dict:
    """One `warta crawl --replica` subprocess into `db`: wall time, peak RSS, counts."""
    command = crawl_command(replica_url, db, *(["--polite"] if polite else []), *extra)
    with tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr)
        _, peak_kb, usage = wait_measuring(process)
        seconds = time.perf_counter() - started
        if process.returncode not in (0, 1):  # 1: some run degraded; the counts still stand
            stderr.seek(0)
            raise RuntimeError(f"crawl failed ({process.returncode}): {stderr.read()[-800:]}")
    with Archive(db, readonly=True) as archive:
        articles = archive.count()
        totals = archive.runs.totals()
        pages, errors = totals["pages"], totals["errors"]
    return {
        "seconds": seconds,
        "articles": articles,
        "pages": pages,
        "errors": errors,
        "articles_per_s": articles / seconds,
        "pages_per_s": pages / seconds,
        "peak_rss_mb": peak_kb / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "cpu_ms_per_article": (usage.ru_utime + usage.ru_stime) * 1000 / max(articles, 1),
    }


def scrapy_bench(seconds: int = 10) -> dict:
    """`scrapy bench` outside the project (its defaults, not warta's polite settings)."""
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
            cwd=folder,
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"},
        )
    log = result.stdout + result.stderr
    rates = [int(per_minute) / 60 for _count, per_minute in BENCH_RATE.findall(log)]
    steady = rates[1:] or rates  # the first line is the start (0 pages)
    total = re.search(r"'response_received_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if not steady or not total or not elapsed:
        raise RuntimeError(f"cannot read scrapy bench output: {log.strip()[-800:]}")
    return {
        "pages_per_s": statistics.median(steady),
        "overall_pages_per_s": int(total.group(1)) / float(elapsed.group(1)),
    }


def measure(
    sizes: tuple[int, ...] = (5000, 20000),
    runs: int = 3,
    *,
    bench_seconds: int = 10,
    polite: bool = False,
    seed: int = 5,
    log=None,
) -> dict:
    """Median figures per replica size, and scrapy bench, interleaved run by run."""
    samples: dict[int, list[dict]] = {size: [] for size in sizes}
    bench: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            bench.append(scrapy_bench(bench_seconds))
            if log:
                log(f"  scrapy bench: {bench[-1]['pages_per_s']:.0f} pages/s")
            for size in sizes:
                # A fresh replica per crawl keeps its request log and caches alike.
                with replica(size, seed) as url:
                    db = Path(folder) / f"crawl-{size}-{run}.db"
                    samples[size].append(run_crawl(url, db, polite=polite))
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
                if log:
                    s = samples[size][-1]
                    log(
                        f"  crawl {size}: {s['articles']} articles in {s['seconds']:.1f} s, "
                        f"{s['articles_per_s']:.1f}/s, peak RSS {s['peak_rss_mb']:.0f} MB"
                    )
    result = {
        "runs": runs,
        "scrapy_bench_pages_per_s": statistics.median(b["pages_per_s"] for b in bench),
        "scrapy_bench_samples": [round(b["pages_per_s"], 1) for b in bench],
        "sizes": {},
    }
    for size, values in samples.items():
        result["sizes"][size] = {
            key: statistics.median(v[key] for v in values)
            for key in (
                "seconds",
                "articles",
                "pages",
                "errors",
                "articles_per_s",
                "pages_per_s",
                "peak_rss_mb",
                "cpu_ms_per_article",
            )
        }
        result["sizes"][size]["articles_per_s_samples"] = [
            round(v["articles_per_s"], 1) for v in values
        ]
    first = result["sizes"][sizes[0]]
    result["ratio_vs_scrapy_bench"] = first["articles_per_s"] / result["scrapy_bench_pages_per_s"]
    result["peak_rss_mb"] = max(s["peak_rss_mb"] for s in result["sizes"].values())
    if len(sizes) > 1:
        last = result["sizes"][sizes[-1]]
        result["rss_growth"] = last["peak_rss_mb"] / first["peak_rss_mb"]
    return result


def warc_cost(size: int = 1000, runs: int = 3, *, seed: int = 5, log=None) -> dict:
    """Crawl throughput with WARC capture on against off (#15): interleaved pairs, the
    order alternating from run to run, each crawl against a fresh replica; medians."""
    rates: dict[str, list[float]] = {"on": [], "off": []}
    cpu: dict[str, list[float]] = {"on": [], "off": []}  # less noisy on a shared machine
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            for mode in ("on", "off") if run % 2 == 0 else ("off", "on"):
                db = Path(folder) / f"warc-{mode}-{run}.db"
                with replica(size, seed) as url:
                    sample = run_crawl(url, db, extra=() if mode == "on" else ("--no-warc",))
                rates[mode].append(sample["articles_per_s"])
                cpu[mode].append(sample["cpu_ms_per_article"])
                if log:
                    log(
                        f"  capture {mode}: {sample['articles_per_s']:.1f} articles/s, "
                        f"{sample['cpu_ms_per_article']:.1f} CPU ms/article"
                    )
    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    cpu_on, cpu_off = statistics.median(cpu["on"]), statistics.median(cpu["off"])
    return {
        "size": size,
        "runs": runs,
        "on": on,
        "off": off,
        "ratio": on / off,
        "cpu_on": cpu_on,
        "cpu_off": cpu_off,
        "cpu_ratio": cpu_on / cpu_off,
        "samples": rates,
        "cpu_samples": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bench-seconds", type=int, default=10)
    parser.add_argument("--polite", action="store_true", help="keep the outlets' delays")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--warc-cost", action="store_true", help="only: capture on vs off at --articles[0]"
    )
    args = parser.parse_args()
    if args.warc_cost:
        cost = warc_cost(args.articles[0], args.runs, log=lambda line: print(line, file=sys.stderr))
        print(
            f"WARC capture on {cost['on']:.1f} vs off {cost['off']:.1f} articles/s "
            f"(medians of {cost['runs']}): {cost['ratio']:.3f}x; CPU ms/article "
            f"{cost['cpu_on']:.1f} vs {cost['cpu_off']:.1f}: {cost['cpu_ratio']:.3f}x"
        )
        print(json.dumps({"articles_per_s": cost["samples"], "cpu_ms": cost["cpu_samples"]}))
        return
    result = measure(
        tuple(args.articles),
        args.runs,
        bench_seconds=args.bench_seconds,
        polite=args.polite,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    bench = result["scrapy_bench_pages_per_s"]
    print(f"{args.runs} runs, medians; scrapy bench {bench:.0f} pages/s")
    for size, figures in result["sizes"].items():
        print(
            f"replica {size:>6}: {figures['articles']:.0f} articles, "
            f"{figures['articles_per_s']:6.1f} articles/s ({figures['pages_per_s']:.1f} pages/s), "
            f"peak RSS {figures['peak_rss_mb']:.0f} MB"
        )
    print(f"articles/s vs scrapy bench pages/s: {result['ratio_vs_scrapy_bench']:.2f}x")
    if "rss_growth" in result:
        print(f"peak RSS largest/smallest: {result['rss_growth']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
