"""A digest of everything a replica site serves: `python -m replica.digest [--seed N …]`.

Refactors of the replica must not change a byte of what it serves for a given
seed (tests and crawl truths depend on it). This walks a built site in-process
through `replica.routes.route`: the meta and truth endpoints, robots.txt and the
listing entry points of every host, then every link and sitemap `<loc>` found in
the pages served (breadth first, on the site's own hosts), plus every page of
every article in each of its page URL forms (generated regional outlets too:
the "outlets" variant). It prints one SHA-256 over all
(host, target, status, content type, body) in visiting order, and the page count.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import re
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from replica.generator import build_site
from replica.model import Site
from replica.routes import route

LINK = re.compile(rb'(?:href|data-url)="(https://[^"]+)"|<loc>(https://[^<]+)</loc>')
LISTINGS = (
    "/",
    "/index-news",
    "/sitemap.xml",
    "/jogja/indeks",
    "/jateng/indeks",
    "/magelang",
    "/semarang",
)


def seeds(site: Site) -> Iterator[str]:
    """Absolute URLs to start from: endpoints, robots, listing entry points, article pages."""
    for host in site.hosts:
        for path in ("/_replica/meta", "/_replica/truth.jsonl", "/robots.txt", *LISTINGS):
            yield f"https://{host}{path}"
    for day in site.days:
        yield f"https://indeks.kompas.com/?site=regional&date={day:%Y-%m-%d}&page=1"
        yield f"https://jogja.tribunnews.com/index-news?date={day.year}-{day.month}-{day.day}"
        yield f"https://jateng.tribunnews.com/index-news?date={day.year}-{day.month}-{day.day}"
        for desk in ("jogja", "jateng"):
            yield f"https://www.detik.com/{desk}/indeks/1?date={day:%m/%d/%Y}"
    for article in site.articles:
        yield article.url
        for page in range(1, article.pages + 1):
            yield f"{article.url}?page={page}"
            yield f"{article.url}/{page}"
        yield f"{article.url}?page=all"
        yield f"{article.url}?single=1"


def walk(site: Site) -> tuple[str, int]:
    """(hex digest, pages served) of everything reachable on `site`."""
    digest = hashlib.sha256()
    queue: deque[str] = deque(seeds(site))
    seen = set(queue)
    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        page = route(site, parts.netloc, target)
        for field in (parts.netloc, target, str(page.status), page.content_type):
            digest.update(field.encode() + b"\0")
        digest.update(page.body + b"\0")
        for match in LINK.finditer(page.body):
            link = html.unescape((match.group(1) or match.group(2)).decode()).split("#")[0]
            if urlsplit(link).netloc in site.hosts and link not in seen:
                seen.add(link)
                queue.append(link)
    return digest.hexdigest(), len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append", help="seeds (default: 1 and 2)")
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    variants: list[tuple[str, dict[str, Any]]] = [
        ("default", {}),
        ("nights", {"night": 2, "edits_per_night": 3}),
        ("syndication", {"syndication": True, "night": 1, "edits_per_night": 2}),
        ("outlets", {"syndication": True, "outlets": 40, "outlet_articles": 5}),
    ]
    for seed in args.seed or [1, 2]:
        for name, options in variants:
            site = build_site(articles=args.articles, seed=seed, **options)
            value, count = walk(site)
            print(f"seed {seed} {name:12} {count:6} pages {value}", flush=True)


if __name__ == "__main__":
    main()
