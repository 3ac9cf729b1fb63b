"""Large generated archives for the benchmarks: 100,000 or a million realistic articles.

Rows come from the replica's generator (realistic Indonesian text, the outlets'
URL shapes, a year of dates) in chunks, so a million articles never sit in
memory at once, and go through `Archive.store`, the crawl's own write path
(both FTS indexes, exact-duplicate look-ups, story clusters). Each chunk after
the first covers an earlier stretch of days and its URLs carry a chunk marker,
so no two chunks collide.

`--raw-kb 25` gives every article a raw page as a crawl stores it (compressed in
`raw_pages.html`), about that many KB compressed: real outlet article pages
compress to 20–28 KB (scripts, styles, navigation), the replica's own rendering
of the article to about 4 KB. The page is the replica's rendering of the article
followed by a `<script>` block of seeded random base64 (as incompressible as
minified, inlined JavaScript gets) sized so the compressed page comes to the
target. So the SQLite file carries the bytes a real archive carries, and reparse
still finds the article in the page.

    python -m benchmarks.archive_builder PATH --articles 1000000 [--raw-kb 25]
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.common import archive_row
from crawler.items import FetchedPage
from replica.generator import build_site
from replica.model import Site, TrueArticle
from replica.routes import route
from storage.archive import Archive

CHUNK = 20_000
DAYS_PER_CHUNK = 30
LAST_DAY = date(2025, 11, 8)


def generated_rows(articles: int, seed: int = 21) -> Iterator[dict]:
    """`articles` archive rows, newest chunk first, each chunk a month of an outlet mix."""
    for _site, _article, row in generated_articles(articles, seed):
        yield row


def generated_articles(
    articles: int, seed: int = 21
) -> Iterator[tuple[Site, TrueArticle, dict[str, Any]]]:
    """Each generated article with its site (to render its page) and its archive row."""
    made = 0
    chunk = 0
    while made < articles:
        size = min(CHUNK, articles - made)
        site = build_site(
            articles=size,
            seed=seed + chunk,
            days=DAYS_PER_CHUNK,
            last_day=LAST_DAY - timedelta(days=DAYS_PER_CHUNK * chunk),
        )
        for article in site.articles[:size]:  # the seed article comes last: once is enough
            row = archive_row(article.truth())
            if chunk:
                row["url"] = f"{row['url']}-b{chunk}"
            yield site, article, row
        made += size
        chunk += 1


def raw_page(site: Site, article: TrueArticle, url: str, raw_kb: float) -> FetchedPage:
    """The article's page as a crawl would have stored it, ~raw_kb KB once compressed
    (see the module docstring): the replica's rendering plus a random `<script>` block."""
    parts = urlsplit(article.url)
    page = route(site, parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
    html = page.body
    # zlib (level 6, as Archive.store) packs random base64 to ~0.76 of its length
    missing = int(raw_kb * 1000) - len(zlib.compress(html, 6))
    if missing > 0:
        rng = random.Random(url)  # the same article always gets the same page
        filler = base64.b64encode(rng.randbytes(int(missing / 1.015)))
        html = html.replace(b"</body>", b"<script>var _b='" + filler + b"';</script></body>", 1)
    fetched = datetime.combine(article.published_at.date(), datetime.min.time(), UTC)
    return FetchedPage(
        url=url,
        status=200,
        headers={"Content-Type": page.content_type, "Content-Length": str(len(html))},
        body=html,
        fetched_at=fetched + timedelta(days=1),
    )


def build_archive(
    path: Path,
    articles: int,
    seed: int = 21,
    progress: bool = False,
    *,
    raw_kb: float = 0,
) -> float:
    """Fill the archive at `path` with `articles` generated articles (each with a raw
    page of about `raw_kb` KB compressed, when given); return articles/s."""
    started = time.perf_counter()
    with Archive(path, batch_size=2000, batch_seconds=5.0) as archive:
        archive.claim_origin("replica")  # synthetic rows: replica crawls may add to them
        rows = generated_articles(articles, seed)
        for done, (site, article, row) in enumerate(rows, start=1):
            pages = [raw_page(site, article, row["url"], raw_kb)] if raw_kb else []
            archive.store(row, pages=pages)
            if progress and done % 10_000 == 0:
                rate = done / (time.perf_counter() - started)
                print(f"{done:>9} articles, {rate:6.0f}/s", file=sys.stderr, flush=True)
    return articles / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument(
        "--raw-kb", type=float, default=0, help="a raw page of about this many KB compressed"
    )
    args = parser.parse_args()
    if args.path.exists():
        sys.exit(f"{args.path} exists; refusing to add to it")
    rate = build_archive(args.path, args.articles, args.seed, progress=True, raw_kb=args.raw_kb)
    print(f"built {args.path}: {args.articles} articles at {rate:.0f} articles/s")


if __name__ == "__main__":
    main()
