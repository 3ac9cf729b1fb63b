"""Incremental nights: what a second nightly crawl fetches when K new articles appeared.

Night 0: the replica with N articles; a full crawl of every source archives them.
Night 1: the same replica a day later with K new articles (and the clock moved
on); a second crawl into the same archive should fetch exactly the K new
article pages, and few listing pages: the listings that hold the new articles,
plus the page where each walk meets an article it already has.

    python benchmarks/incremental_night.py [--articles 2000] [--new 40] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import crawl_command
from replica.generator import build_site
from replica.server import ReplicaServer

REPO = Path(__file__).resolve().parent.parent


def crawl(db: Path, replica_url: str) -> None:
    command = crawl_command(replica_url, db)
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"crawl failed: {result.stderr.strip().splitlines()[-1:]}")


def article_paths(site) -> set[tuple[str, str]]:
    paths = set()
    for article in site.articles:
        host, path = article.url.split("/", 3)[2], "/" + article.url.split("/", 3)[3]
        paths.add((host, path))
    return paths


def classify(requests, site) -> tuple[list, list]:
    """Split served requests into article pages and listing pages (robots.txt aside)."""
    articles = article_paths(site)
    article_requests, listing_requests = [], []
    for host, target in requests:
        path = target.split("?")[0]
        if path == "/robots.txt" or path.startswith("/_replica/"):
            continue
        base = path.rsplit("/", 1)[0] if host == "www.detik.com" and path[-1].isdigit() else path
        (article_requests if (host, base) in articles else listing_requests).append(target)
    return article_requests, listing_requests


def one_run(articles: int, new: int, seed: int) -> dict:
    night0 = build_site(articles=articles, seed=seed, syndication=True)
    night1 = build_site(articles=articles, seed=seed, night=1, new_per_night=new, syndication=True)
    new_urls = {a.url for a in night1.articles} - {a.url for a in night0.articles}
    with tempfile.TemporaryDirectory() as folder, ReplicaServer(night0) as server:
        db = Path(folder) / "warta.db"
        crawl(db, server.base_url)
        first_articles, first_listings = classify(list(server.requests), night0)
        server.site = night1
        server.requests.clear()
        crawl(db, server.base_url)
        second_articles, second_listings = classify(list(server.requests), night1)
    return {
        "night0_articles": len(night0.articles),
        "night0_article_pages": len(first_articles),
        "night0_listing_pages": len(first_listings),
        "new_articles": len(new_urls),
        "night1_articles_fetched": len({target.split("?")[0] for target in second_articles}),
        "night1_article_requests": len(second_articles),  # + continuation pages
        "night1_listing_pages": len(second_listings),
    }


def measure(articles: int = 2000, new: int = 40, runs: int = 3) -> dict:
    """The median of each figure over `runs` seeds (1..runs), for run_all.py."""
    samples = [one_run(articles, new, seed) for seed in range(1, runs + 1)]
    result = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
    result["runs"] = runs
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--new", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.articles, args.new, seed) for seed in range(1, args.runs + 1)]
    print(f"{args.runs} runs (seeds 1..{args.runs}), median of each figure")
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"{key:<24} {statistics.median(values):>8}   {values}")


if __name__ == "__main__":
    main()
