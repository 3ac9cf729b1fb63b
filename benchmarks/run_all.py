"""Every benchmark in one command: a table of medians, same-run baselines, ratios, targets.

    python -m benchmarks.run_all [--quick] [--runs 3] [--json results.json] [--only crawl,growth]

Benchmarks (each its own script too; see benchmarks/README.md):

- crawl       crawl_throughput.py: end-to-end crawl of a generated replica (its own
              process) vs `scrapy bench` interleaved in the same run; peak RSS, flatness
- extraction  extraction_speed.py on replica pages, extraction_quality.py on the
              article-extraction benchmark pages and realpages.py on the saved outlet
              pages, trafilatura timed page by page in turn
- pipelines   pipeline_throughput.py: validate → normalise → dedupe → archive, no network
- ingest      ingest.py: Archive.store alone (with and without stemming)
- incremental incremental_night.py: what a second night's crawl fetches for K new articles
- growth      growth.py: the same crawl into archives of 0 / 100k / 1M articles
- import      import_throughput.py: `warta import` of a crawl's WARC vs that crawl

Each figure is the median of `--runs` runs; baselines are measured in the same
run, interleaved where the script allows. `--quick` shrinks every size (and says
so in the table) to finish in a few minutes; the large growth archives are built
once into benchmarks/.cache/ and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = ("crawl", "extraction", "pipelines", "ingest", "incremental", "growth", "import")


@dataclass(frozen=True)
class Params:
    runs: int = 3
    crawl_sizes: tuple[int, ...] = (5000, 20000)
    bench_seconds: int = 10
    extraction_pages: int = 60
    shared_dataset: bool = True
    real_pages: bool = True  # benchmarks/realpages.py: every field of the saved outlet pages
    pipeline_articles: int = 2000
    profile_top: int = 15
    ingest_articles: int = 5000
    incremental_articles: int = 2000
    incremental_new: int = 40
    growth_sizes: tuple[int, ...] = (0, 100_000, 1_000_000)
    growth_articles: int = 2000
    quick: bool = False
    import_articles: int = 1000  # replica size of the import benchmark
    import_jobs: int = 2


QUICK = Params(
    runs=1,
    crawl_sizes=(1000, 4000),
    bench_seconds=5,
    extraction_pages=20,
    pipeline_articles=500,
    profile_top=10,
    ingest_articles=1000,
    incremental_articles=500,
    incremental_new=20,
    growth_sizes=(0, 20_000, 100_000),
    growth_articles=500,
    quick=True,
    import_articles=300,
)


@dataclass
class Row:
    benchmark: str
    figure: str
    ours: float
    unit: str = ""
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    samples: list = field(default_factory=list)


def machine() -> dict:
    info: dict = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "CPU max MHz"):
                info[key.strip()] = value.strip()
    except OSError:
        pass
    try:
        meminfo = Path("/proc/meminfo").read_text()
        total_kb = int(meminfo.split("MemTotal:")[1].split()[0])
        info["memory_gb"] = round(total_kb / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    try:
        import scrapy

        info["scrapy"] = scrapy.__version__
    except ImportError:
        pass
    return info


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# -- the benchmarks: each returns (rows, details) ------------------------------------


def crawl(p: Params, log) -> tuple[list[Row], dict]:
    from benchmarks.crawl_throughput import measure

    r = measure(p.crawl_sizes, p.runs, bench_seconds=p.bench_seconds, log=log)
    bench = r["scrapy_bench_pages_per_s"]
    rows = []
    for index, f in enumerate(r["sizes"].values()):
        ratio = f["articles_per_s"] / bench
        rows.append(
            Row(
                "crawl",
                f"articles/s, {f['articles']:.0f}-article replica",
                f["articles_per_s"],
                "articles/s",
                bench,
                "scrapy bench pages/s",
                ratio,
                "≥ 0.5×" if index == 0 else "",
                ratio >= 0.5 if index == 0 else None,
                f["articles_per_s_samples"],
            )
        )
    for size, f in r["sizes"].items():
        rows.append(
            Row("crawl", f"crawl CPU per article, {size} replica", f["cpu_ms_per_article"], "ms")
        )
    rows.append(
        Row("crawl", "peak RSS of the crawl", r["peak_rss_mb"], "MB", None, "", None, "≤ 300 MB")
    )
    rows[-1].passed = r["peak_rss_mb"] <= 300
    if "rss_growth" in r:
        small, large = p.crawl_sizes[0], p.crawl_sizes[-1]
        rows.append(
            Row(
                "crawl",
                f"peak RSS at {large} / at {small}",
                r["rss_growth"],
                "×",
                target="≤ 1.2×",
                passed=r["rss_growth"] <= 1.2,
            )
        )
    return rows, r


def extraction(p: Params, log) -> tuple[list[Row], dict]:
    from benchmarks import extraction_speed

    details: dict = {}
    r = extraction_speed.measure(p.extraction_pages, max(p.runs, 1))
    details["replica"] = r
    rows = [
        Row(
            "extraction",
            f"ms/page, {r['pages']} {r['source']} pages",
            r["warta_ms"],
            "ms",
            r["trafilatura_ms"],
            "trafilatura ms",
            r["ratio"],
        )
    ]
    if log:
        log(f"  replica pages: warta {r['warta_ms']:.2f} ms, trafilatura {r['trafilatura_ms']:.2f}")
    if p.shared_dataset:
        from benchmarks import extraction_quality

        if not (extraction_quality.DATASET / "ground-truth.json").exists():
            if log:
                log(f"  shared benchmark pages not found at {extraction_quality.DATASET}")
            return rows, details
        pages = extraction_quality.load(extraction_quality.DATASET)
        extractors = {
            "warta": extraction_quality.warta_body,
            "trafilatura": extraction_quality.trafilatura_body,
        }
        q = extraction_quality.measure_all(extractors, pages, max(p.runs, 1))
        details["shared"] = {"pages": len(pages), **q}
        ours, theirs = q["warta"], q["trafilatura"]
        rows.append(
            Row(
                "extraction",
                f"ms/page, {len(pages)} shared benchmark pages",
                ours["median_ms"],
                "ms",
                theirs["median_ms"],
                "trafilatura ms",
                ours["median_ms"] / theirs["median_ms"],
            )
        )
        rows.append(
            Row(
                "extraction",
                "body F1, shared benchmark pages",
                ours["f1"],
                "",
                theirs["f1"],
                "trafilatura F1",
                ours["f1"] / theirs["f1"],
            )
        )
        if log:
            log(f"  shared pages: warta {ours['median_ms']:.2f} ms, F1 {ours['f1']:.3f}")
    if p.real_pages:
        rows += real_pages(p, log, details)
    return rows, details


def real_pages(p: Params, log, details: dict) -> list[Row]:
    """benchmarks/realpages.py: share of field checks right and ms/page on real outlet pages."""
    from benchmarks import realpages

    pages = realpages.load_pages()
    result = realpages.measure(pages, max(p.runs, 1))
    details["real_pages"] = result
    ours, theirs = result["extractors"]["warta"], result["extractors"]["trafilatura"]
    if log:
        log(
            f"  real pages: warta {ours['checks_right']:.1%} of checks right, "
            f"{ours['pages_right']}/{len(pages)} pages entirely right"
        )
    ratio = ours["checks_right"] / theirs["checks_right"] if theirs["checks_right"] else None
    return [
        Row(
            "extraction",
            f"share of field checks right, {len(pages)} real outlet pages",
            ours["checks_right"],
            "",
            theirs["checks_right"],
            "trafilatura share",
            ratio,
        ),
        Row(
            "extraction",
            f"ms/page, {len(pages)} real outlet pages",
            ours["ms_per_page"],
            "ms",
            theirs["ms_per_page"],
            "trafilatura ms",
            ours["ms_per_page"] / theirs["ms_per_page"],
        ),
    ]


def pipelines(p: Params, log) -> tuple[list[Row], dict]:
    from benchmarks.pipeline_throughput import STAGES, measure

    r = measure(p.pipeline_articles, p.runs, top=p.profile_top, log=log)
    rows = [
        Row(
            "pipelines",
            f"items/s validate→normalise→dedupe→archive ({r['items']:.0f} items)",
            r["items_per_s"],
            "items/s",
            samples=r["items_per_s_samples"],
        )
    ]
    for stage in STAGES:
        rows.append(Row("pipelines", f"{stage} per item", r[f"{stage}_ms_per_item"], "ms"))
    return rows, r


def ingest(p: Params, log) -> tuple[list[Row], dict]:
    from benchmarks import ingest as ingest_module

    r = ingest_module.measure(p.ingest_articles, p.runs)  # the ingest engineer's own figures
    rates = r["articles/s"]
    rows = [
        Row(
            "ingest",
            f"Archive.store, {r['articles']} articles into an empty archive",
            rates["warta"],
            "articles/s",
            rates["bare FTS5"],
            "bare FTS5 articles/s",
            rates["warta"] / rates["bare FTS5"],
        ),
        Row(
            "ingest",
            "Archive.store without stemming",
            rates["warta, no stemming"],
            "articles/s",
            rates["bare FTS5"],
            "bare FTS5 articles/s",
            rates["warta, no stemming"] / rates["bare FTS5"],
        ),
    ]
    return rows, r


def incremental(p: Params, log) -> tuple[list[Row], dict]:
    from benchmarks.incremental_night import measure

    r = measure(p.incremental_articles, p.incremental_new, p.runs)
    fetched, new = r["night1_articles_fetched"], r["new_articles"]
    rows = [
        Row(
            "incremental",
            f"night 1: article pages fetched for K={new:.0f} new",
            fetched,
            "articles",
            new,
            "K new articles",
            fetched / new if new else None,
            "= K",
            fetched == new,
        ),
        Row(
            "incremental",
            "night 1: listing pages fetched",
            r["night1_listing_pages"],
            "pages",
            r["night0_listing_pages"],
            "night 0 (full crawl)",
            r["night1_listing_pages"] / r["night0_listing_pages"],
        ),
        Row(
            "incremental",
            "night 1: all requests (articles + continuations + listings)",
            r["night1_article_requests"] + r["night1_listing_pages"],
            "requests",
            r["night0_article_pages"] + r["night0_listing_pages"],
            "night 0 requests",
            (r["night1_article_requests"] + r["night1_listing_pages"])
            / (r["night0_article_pages"] + r["night0_listing_pages"]),
        ),
    ]
    return rows, r


def growth(p: Params, log) -> tuple[list[Row], dict]:
    from benchmarks.growth import measure

    r = measure(p.growth_sizes, p.runs, articles=p.growth_articles, log=log)
    base = r["sizes"][p.growth_sizes[0]]
    rows = []
    for size, f in r["sizes"].items():
        if size == p.growth_sizes[0]:
            continue
        rows.append(
            Row(
                "growth",
                f"ms/article, archive of {size:,} articles",
                f["ms_per_article"],
                "ms",
                base["ms_per_article"],
                f"archive of {p.growth_sizes[0]:,}",
                f["ratio"],
                "≤ 1.2×",
                f["ratio"] <= 1.2,
            )
        )
        rows.append(
            Row(
                "growth",
                f"CPU ms/article, archive of {size:,} articles",
                f["cpu_ms_per_article"],
                "ms",
                base["cpu_ms_per_article"],
                f"archive of {p.growth_sizes[0]:,}",
                f["cpu_ratio"],
                "≤ 1.2×",
                f["cpu_ratio"] <= 1.2,
            )
        )
    return rows, r


def import_(p: Params, log) -> tuple[list[Row], dict]:
    from benchmarks.import_throughput import measure

    r = measure(p.import_articles, p.runs, jobs=p.import_jobs, log=log)
    row = Row(
        "import",
        f"articles/s, import of a {r['articles']:.0f}-article crawl's WARC (--jobs {r['jobs']})",
        r["import_articles_per_s"],
        "articles/s",
        r["crawl_articles_per_s"],
        "crawl articles/s",
        r["ratio"],
        "≥ 3×",
        r["ratio"] >= 3,
        r["ratio_samples"],
    )
    return [row], r


RUNNERS = {
    "crawl": crawl,
    "extraction": extraction,
    "pipelines": pipelines,
    "ingest": ingest,
    "incremental": incremental,
    "growth": growth,
    "import": import_,
}


def run(params: Params, only: tuple[str, ...] = BENCHMARKS, log=None, json_path=None) -> dict:
    """Run the chosen benchmarks; the results as a dict (also written to `json_path`)."""
    result: dict = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "-m", "benchmarks.run_all", *sys.argv[1:]]),
        "params": asdict(params),
        "machine": machine(),
        "load_average_start": load_average(),
        "rows": [],
        "details": {},
        "errors": {},
        "seconds": {},
    }
    for name in only:
        if log:
            log(f"== {name}")
        started = time.perf_counter()
        try:
            rows, details = RUNNERS[name](params, log)
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            result["errors"][name] = f"{type(exc).__name__}: {exc}"
            if log:
                log(traceback.format_exc())
        else:
            result["rows"].extend(asdict(row) for row in rows)
            result["details"][name] = details
        result["seconds"][name] = round(time.perf_counter() - started, 1)
        if json_path:
            json_path.write_text(json.dumps(result, indent=2, default=str))
    result["load_average_end"] = load_average()
    if json_path:
        json_path.write_text(json.dumps(result, indent=2, default=str))
    return result


def number(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "×" or abs(value) < 10:
        return f"{value:.2f}"
    return f"{value:,.0f}"


def table(result: dict) -> str:
    """The results as a Markdown table."""
    lines = [
        "| benchmark | figure | ours (median) | baseline (same run) | ratio | target | pass |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for r in result["rows"]:
        baseline = (
            f"{number(r['baseline'], r['unit'])} {r['baseline_name']}"
            if r["baseline"] is not None
            else "—"
        )
        passed = {True: "yes", False: "**NO**", None: ""}[r["passed"]]
        lines.append(
            f"| {r['benchmark']} | {r['figure']} | {number(r['ours'], r['unit'])} {r['unit']} "
            f"| {baseline} | {number(r['ratio'], '×')} | {r['target']} | {passed} |"
        )
    for name, error in result["errors"].items():
        lines.append(f"| {name} | failed: {error} | | | | | **NO** |")
    return "\n".join(lines)


def profile_lines(result: dict, top: int = 8) -> list[str]:
    rows = result["details"].get("pipelines", {}).get("profile_top", [])[:top]
    if not rows:
        return []
    lines = [f"pipelines profile (cProfile, one run), top {len(rows)} by own time:"]
    for row in rows:
        lines.append(f"  {row['own_share']:6.1%}  {row['own_s']:7.3f} s  {row['function']}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--runs", type=int, help="runs per figure (default 3; 1 with --quick)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    parser.add_argument(
        "--growth-sizes", type=int, nargs="+", help="archive sizes for growth (articles)"
    )
    args = parser.parse_args()
    params = QUICK if args.quick else Params()
    if args.runs:
        params = replace(params, runs=args.runs)
    if args.growth_sizes:
        params = replace(params, growth_sizes=tuple(args.growth_sizes))
    only = tuple(args.only.split(",")) if args.only else BENCHMARKS
    unknown = [name for name in only if name not in RUNNERS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    started = time.perf_counter()
    result = run(
        params, only, log=lambda line: print(line, file=sys.stderr, flush=True), json_path=args.json
    )
    m = result["machine"]
    print()
    if params.quick:
        print("--quick: smaller sizes than the issue's targets (see params in the JSON)")
    print(
        f"{m.get('Model name', platform.processor())}, {m['nproc']} CPUs, "
        f"{m.get('memory_gb', '?')} GB; Python {m['python']}, SQLite {m['sqlite']}, "
        f"Scrapy {m.get('scrapy', '?')}; load average {result['load_average_start']} → "
        f"{result['load_average_end']}; {params.runs} run(s) per figure"
    )
    print(table(result))
    for line in profile_lines(result):
        print(line)
    print(f"({time.perf_counter() - started:.0f} s)")
    if result["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
