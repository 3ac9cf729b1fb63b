"""The archive writer's throughput against storing directly, and Redis memory per item.

The same replica articles (each with its raw page, as a crawl passes them on) are
stored twice per round: by `dedupe` + `store` on an Archive directly (what a local
crawl's pipelines do), and through the stream: entries added to a real
redis-server, then applied by `ArchiveWriter` (warta/writer.py), timed from its
first read to its last commit. The ratio is writer items/s over direct items/s
(issue #16's target: ≥ 0.8), the median of --rounds rounds.

Memory: Redis's used_memory before and after the N article entries are added
(pending, not yet read), divided by N: with each raw page in the entry
(compressed, as without WARC capture), and with a WARC pointer instead (a node
with capture on, the default).

    python -m benchmarks.stream_writer --articles 300 --rounds 5
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import statistics
import tempfile
import time
import uuid
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler import node_entries
from crawler.items import Article, FetchedPage, WarcPointer
from pipelines.archive import store
from pipelines.dedupe import DuplicateArticle, deduplicate
from storage.archive import Archive

ARTICLE_NAMES = {spec.name for spec in fields(Article)}


def replica_items(articles: int, seed: int = 7) -> list[Article]:
    """Replica articles as the pipelines get them: fields, and the raw page."""
    from replica.generator import build_site

    site = build_site(articles=articles, seed=seed, syndication=True)
    items = []
    for article in site.articles:
        truth = article.truth()
        item = Article(**{k: v for k, v in truth.items() if k in ARTICLE_NAMES})
        body = (truth.get("body") or "").encode()
        page = FetchedPage(
            truth["url"], 200, {"Content-Type": "text/html"}, body, datetime.now(UTC)
        )
        item.pages = [page]
        items.append(item)
    return items


def direct(items: list[Article], db: Path) -> float:
    """Seconds to dedupe and store every item into a fresh archive (a local crawl's path)."""
    started = time.perf_counter()
    with Archive(db) as archive:
        for item in items:
            try:
                store(deduplicate(item, archive), archive)
            except DuplicateArticle:
                pass
        archive.flush()
    return time.perf_counter() - started


def with_pointers(items: list[Article]) -> list[Article]:
    """The items as a node with WARC capture sends them: each page a pointer, no body."""
    pointed = []
    for n, item in enumerate(items):
        page = item.pages[0]
        pointer = WarcPointer(
            "warta-20251107000000-00000-node_a.warc.gz",
            n * 9000,
            8800,
            f"<urn:uuid:{uuid.UUID(int=n)}>",
            "sha1:" + hashlib.sha1(page.body).hexdigest(),  # a base32 digest in a real WARC
        )
        pointed.append(replace(item, pages=[replace(page, body=b"", warc=pointer)]))
    return pointed


def pending_bytes(items: list[Article], client: Any) -> float:
    """Redis memory per article entry added and not yet read."""
    client.flushall()
    before = client.info("memory")["used_memory"]
    pipe = client.pipeline(transaction=False)
    for entry in entries(items):
        pipe.xadd(node_entries.STREAM, entry)
    pipe.execute()
    return (client.info("memory")["used_memory"] - before) / len(items)


def entries(items: list[Article]) -> list[dict[str, str]]:
    run = "bench"
    data = {"source": "bench", "node": "bench", "job": None, "pid": 1, "origin": "replica"}
    out = [node_entries.encode("open", run, 1, data)]
    for seq, item in enumerate(items, start=2):
        out.append(node_entries.encode("article", run, seq, node_entries.article_data(item)))
    return out


def through_writer(items: list[Article], db: Path, client: Any) -> tuple[float, float]:
    """(seconds the writer took, Redis bytes per pending article entry)."""
    from warta.writer import ArchiveWriter

    per_item = pending_bytes(items, client)
    with Archive(db) as archive:
        writer = ArchiveWriter(archive, client)
        writer.start()
        started = time.perf_counter()
        while writer.step(block_ms=0):  # to the last commit (not waiting for more entries)
            pass
        took = time.perf_counter() - started
        writer.release()
    return took, per_item


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from tests.servers import RedisServer

    items = replica_items(args.articles)
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer.start(Path(folder) / "redis")
        try:
            client = server.client()
            ratios, direct_rates, writer_rates, memory = [], [], [], []
            # untimed: warm the per-process caches (stems, extraction) both paths share
            direct(copy.deepcopy(items), Path(folder) / "warm.db")
            for n in range(args.rounds):
                # store() drops an item's pages once stored: each path gets its own copy;
                # the order alternates, so neither path always runs on a cooler machine
                first_direct = n % 2 == 0
                if first_direct:
                    d = direct(copy.deepcopy(items), Path(folder) / f"direct-{n}.db")
                w, per_item = through_writer(
                    copy.deepcopy(items), Path(folder) / f"writer-{n}.db", client
                )
                if not first_direct:
                    d = direct(copy.deepcopy(items), Path(folder) / f"direct-{n}.db")
                direct_rates.append(len(items) / d)
                writer_rates.append(len(items) / w)
                ratios.append(d / w)
                memory.append(per_item)
            with_warc = pending_bytes(with_pointers(items), client)
        finally:
            server.stop()
    result = {
        "articles": len(items),
        "rounds": args.rounds,
        "direct_items_per_s": round(statistics.median(direct_rates), 1),
        "writer_items_per_s": round(statistics.median(writer_rates), 1),
        "writer_vs_direct": round(statistics.median(ratios), 2),
        "redis_bytes_per_pending_item_html": round(statistics.median(memory)),
        "redis_bytes_per_pending_item_warc_pointer": round(with_warc),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
