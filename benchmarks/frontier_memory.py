"""Redis memory per queued request of a distributed backfill's frontier (crawler/frontier.py).

    python -m benchmarks.frontier_memory [--requests 20000] [--runs 3] [--json out.json]

Starts its own redis-server on a free loopback port (Debian's `redis-server`), then,
each run on an empty database: enqueues N article requests through the real
`FrontierScheduler` (as the spider makes them: callback, errback, cb_kwargs,
priority; pickled by scrapy-redis's queue), and reads Redis's `used_memory` and
`MEMORY USAGE` of the queue (sorted set) and of the shared filter (set of
fingerprints). Then it pops every request and reads the filter again: a
fingerprint stays for every request the backfill ever saw, until the last node out
deletes the frontier. Prints the median over the runs, in bytes per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

SOURCE = "tribunjogja"
URL = "https://jogja.tribunnews.com/2025/11/{day:02d}/pemkot-magelang-gelar-retreat-{n}-pejabat-asn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    """A throwaway redis-server (no persistence) and its URL."""
    import redis

    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            return process, url
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.1)


def measure_once(url: str, requests: int) -> dict[str, float]:
    """Bytes per request of one run into an emptied database."""
    return asyncio.run(_measure(url, requests))  # the scheduler's heartbeat wants a loop


async def _measure(url: str, requests: int) -> dict[str, float]:
    from scrapy.settings import Settings
    from scrapy.utils.test import get_crawler

    from crawler.frontier import FrontierScheduler
    from crawler.spiderloader import SourceSpiderLoader

    project = Settings()
    project.setmodule("crawler.settings")
    spidercls = SourceSpiderLoader.from_settings(project).load(SOURCE)
    crawler = get_crawler(spidercls, {"WARTA_REDIS_URL": url, "WARTA_DISTRIBUTED": True})
    spider = crawler._create_spider(since="2025-11-01", until="2025-11-30")
    crawler.spider = spider
    scheduler = FrontierScheduler.from_crawler(crawler)
    client = scheduler.server
    client.flushall()
    scheduler.open(spider)
    before = int(client.info("memory")["used_memory"])
    for n in range(requests):
        request = spider.article_request(URL.format(day=n % 30 + 1, n=n))
        assert request is not None and scheduler.enqueue_request(request)
    used = int(client.info("memory")["used_memory"]) - before
    queue = int(client.memory_usage(scheduler.queue_key, samples=0) or 0)
    seen = int(client.memory_usage(scheduler.dupefilter_key, samples=0) or 0)
    while scheduler.next_request() is not None:
        pass
    seen_after = int(client.memory_usage(scheduler.dupefilter_key, samples=0) or 0)
    scheduler.close("finished")
    return {
        "used_memory_per_request": used / requests,
        "queue_per_request": queue / requests,
        "seen_per_request": seen / requests,
        "seen_per_request_after_pop": seen_after / requests,
    }


def measure(requests: int = 20000, runs: int = 3) -> dict[str, Any]:
    """The median over `runs` of each figure, plus the runs themselves."""
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_redis(Path(folder))
        try:
            results = [measure_once(url, requests) for _ in range(runs)]
        finally:
            process.terminate()
            process.wait(10)
    medians = {key: statistics.median(r[key] for r in results) for key in results[0]}
    return {"requests": requests, "runs": results, "median": medians}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    result = measure(args.requests, args.runs)
    for key, value in result["median"].items():
        print(f"{key:30} {value:8.1f} bytes")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
