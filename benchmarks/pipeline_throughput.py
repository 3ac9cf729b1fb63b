"""Pipelines and archive without the network: items/s through validate → normalise →
dedupe → archive, the time per stage, and where the time goes (cProfile).

Items are what the spider yields on a crawl of the replica: its article pages
(and continuation pages) are rendered in-process (`replica.routes.route`, no
HTTP) and extracted with `extract_article`, once, before any timing. The
pipelines are built as Scrapy builds them (`from_crawler` on a crawler with
the project's settings) and write to a fresh archive per run: both FTS
indexes, the near-duplicate index, raw pages (compressed), batched commits.

    python -m benchmarks.pipeline_throughput [--articles 2000] [--runs 3] [--top 15]
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.utils.reactor import is_reactor_installed
from scrapy.utils.test import get_crawler

from crawler.archive_access import archive_for, release_archive
from crawler.extraction import continuation_urls, extract_article, fetch_url_for
from crawler.items import FetchedPage
from crawler.sources import load_sources
from pipelines.archive import ArchivePipeline
from pipelines.dedupe import DeduplicatePipeline
from pipelines.normalise import NormalisePipeline
from pipelines.validate import ValidatePipeline
from replica.generator import build_site
from replica.routes import route

STAGES = ("validate", "normalise", "dedupe", "archive")


def fetched(site, url: str) -> FetchedPage:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    page = route(site, parts.netloc, target)
    return FetchedPage(
        url=url,
        status=page.status,
        headers={"Content-Type": page.content_type, "Content-Length": str(len(page.body))},
        body=page.body,
        fetched_at=datetime.now(UTC),
    )


def make_items(articles: int, seed: int = 7) -> list:
    """The Article items a crawl of a replica of `articles` articles would yield."""
    site = build_site(articles=articles, seed=seed, syndication=True)
    sources = list(load_sources().values())
    items = []
    for article in site.articles:
        listed = article.url
        source = next((s for s in sources if s.owns_url(listed)), None)
        if source is None:
            continue
        first = fetched(site, fetch_url_for(listed))
        pages = [first] + [fetched(site, u) for u in continuation_urls(first.body, first.url)]
        item = extract_article(
            first.body, first.url, more_pages=[(p.body, p.url) for p in pages[1:]]
        )
        if item is None:
            continue
        item.source = source.id
        item.fetched_url = listed
        item.pages = pages
        items.append(item)
    return items


def pipelines_for(db: Path):
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("WARTA_DB", str(db))
    if is_reactor_installed():  # another caller made one (a test, run_all in-process):
        # Scrapy's runner refuses TWISTED_REACTOR_ENABLED=False and any other reactor
        from twisted.internet import reactor

        installed = type(reactor)
        settings.set("TWISTED_REACTOR", f"{installed.__module__}.{installed.__name__}")
    else:  # no crawl, no reactor
        settings.set("TWISTED_REACTOR_ENABLED", False)
    crawler = get_crawler(settings_dict=settings.copy_to_dict())
    stages = [
        ValidatePipeline.from_crawler(crawler),
        NormalisePipeline.from_crawler(crawler),
        DeduplicatePipeline.from_crawler(crawler),
        ArchivePipeline.from_crawler(crawler),
    ]
    return crawler, stages


def one_run(items: list, *, profile: cProfile.Profile | None = None) -> dict:
    """Feed fresh copies of `items` through the four pipelines into a new archive."""
    batch = copy.deepcopy(items)  # the pipelines change items in place
    per_stage = dict.fromkeys(STAGES, 0.0)
    dropped = 0
    with tempfile.TemporaryDirectory() as folder:
        crawler, stages = pipelines_for(Path(folder) / "bench.db")
        archive_for(crawler)  # open (create and migrate) the archive before timing
        clock = time.perf_counter
        if profile:
            profile.enable()
        started = clock()
        for item in batch:
            try:
                for name, stage in zip(STAGES, stages, strict=True):
                    before = clock()
                    try:
                        item = stage.process_item(item)
                    finally:
                        per_stage[name] += clock() - before
            except DropItem:
                dropped += 1
        before = clock()
        release_archive(crawler)  # commits the last batch and closes, as a crawl's end does
        per_stage["archive"] += clock() - before
        seconds = clock() - started
        if profile:
            profile.disable()
        stats = crawler.stats.get_stats()
    return {
        "items": len(batch),
        "seconds": seconds,
        "items_per_s": len(batch) / seconds,
        "dropped": dropped,
        "new": stats.get("warta/articles_new", 0),
        **{f"{name}_ms_per_item": per_stage[name] * 1000 / len(batch) for name in STAGES},
    }


def profile_summary(items: list, top: int = 15) -> list[dict]:
    """The `top` functions by own time over one run (cProfile), as dicts."""
    profile = cProfile.Profile()
    one_run(items, profile=profile)
    stats = pstats.Stats(profile, stream=io.StringIO())
    total = sum(entry[2] for entry in stats.stats.values())  # tottime
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    summary = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in rows:
        where = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        summary.append(
            {
                "function": f"{where}:{line}({name})",
                "calls": calls,
                "own_s": round(tottime, 3),
                "cum_s": round(cumtime, 3),
                "own_share": round(tottime / total, 3) if total else 0.0,
            }
        )
    return summary


def measure(articles: int = 2000, runs: int = 3, *, top: int = 15, log=None) -> dict:
    started = time.perf_counter()
    items = make_items(articles)
    if log:
        log(f"  {len(items)} items extracted in {time.perf_counter() - started:.1f} s")
    samples = [one_run(items) for _ in range(runs)]
    if log:
        log("  items/s per run: " + ", ".join(f"{s['items_per_s']:.0f}" for s in samples))
    result = {
        key: statistics.median(s[key] for s in samples)
        for key in samples[0]
        if isinstance(samples[0][key], int | float)
    }
    result["items_per_s_samples"] = [round(s["items_per_s"], 1) for s in samples]
    result["runs"] = runs
    result["profile_top"] = profile_summary(items, top) if top else []
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=15, help="functions in the profile summary")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    result = measure(
        args.articles,
        args.runs,
        top=args.top,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(
        f"{result['items']:.0f} items, {args.runs} runs (median): "
        f"{result['items_per_s']:.0f} items/s through validate → normalise → dedupe → archive"
    )
    print(
        "ms per item: "
        + "  ".join(f"{name} {result[f'{name}_ms_per_item']:.3f}" for name in STAGES)
    )
    if result["profile_top"]:
        print(f"\nprofile, top {len(result['profile_top'])} by own time (one run, cProfile):")
        print(f"{'own s':>7} {'share':>6} {'cum s':>7} {'calls':>8}  function")
        for row in result["profile_top"]:
            print(
                f"{row['own_s']:7.3f} {row['own_share']:6.1%} {row['cum_s']:7.3f} "
                f"{row['calls']:8d}  {row['function']}"
            )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
