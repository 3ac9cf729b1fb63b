"""One crawl node against two against four: a night of the replica over Scrapyd nodes.

Each configuration runs a whole night the way issue #16 deploys it: `warta replica
--outlets N --request-log` in its own process, one redis-server, K Scrapyd 1.6 node
processes (tests/servers.py), one `warta writer`, and `warta scheduler --nodes …
--once`. Per configuration, the median of --runs nights of:

- wall time of the scheduler's --once night plus draining the stream;
- CPU seconds per archived article: the nodes' process trees (each Scrapyd's own
  utime+stime plus cutime+cstime of the crawls it reaped, from /proc/PID/stat just
  before it is stopped) plus the writer's, over the articles in the writer's archive;
- request-log fairness: each node's share of the replica requests, and max/min.

The machine here has 2 cores: four nodes cannot be faster than two, and CPU per
article shows the cost of each extra Scrapyd and crawl process. Writer items/s
against Archive.store is benchmarks/stream_writer.py's figure.

    python -m benchmarks.cluster_nodes --runs 3
    python -m benchmarks.cluster_nodes --tiny      # one small night per configuration
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import stop_process
from replica.request_log import node_from_ua, read_log
from storage.archive import Archive
from storage.warc import default_warc_dir
from tests.servers import RedisServer, ScrapydNode

REPO = Path(__file__).resolve().parent.parent
SERVING = re.compile(r"at (http://127\.0\.0\.1:\d+) ")
TICKS = os.sysconf("SC_CLK_TCK")
FAST = ("--node-poll", "0.3", "--node-grace", "5", "--lock-wait", "1")


@dataclass(frozen=True)
class Params:
    runs: int = 3
    nodes: tuple[int, ...] = (1, 2, 4)
    outlets: int = 30
    outlet_articles: int = 4
    articles: int = 20


TINY = Params(runs=1, nodes=(1, 2), outlets=0, outlet_articles=0, articles=6)


def cpu_seconds(pid: int, children: bool = True) -> float:
    """utime+stime (and, with `children`, cutime+cstime of reaped children) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = [int(value) for value in fields[11:15]]  # utime stime cutime cstime
    return sum(ticks if children else ticks[:2]) / TICKS


def start_replica(folder: Path, params: Params) -> tuple[subprocess.Popen, str, Path, Path]:
    sources, log = folder / "sources.toml", folder / "requests.jsonl"
    command = [
        sys.executable, "-m", "warta", "replica", "--port", "0", "--seed", "4",
        "--articles", str(params.articles), "--outlets", str(params.outlets),
        "--outlet-articles", str(params.outlet_articles),
        "--write-sources", str(sources), "--request-log", str(log),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline() if process.stdout else ""
    found = SERVING.search(line)
    if not found:
        process.kill()
        raise RuntimeError(f"the replica did not start: {line!r}")
    return process, found.group(1), sources, log


def start_writer(db: Path, redis_url: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "warta", "writer", "--db", str(db), "--redis", redis_url]
    return subprocess.Popen(command, cwd=REPO, stderr=subprocess.DEVNULL)


def drain(client: Any, timeout: float = 300) -> None:
    """Wait until the writer applied (and deleted) every stream entry."""
    from crawler import node_entries

    deadline = time.monotonic() + timeout
    while client.xlen(node_entries.STREAM) and time.monotonic() < deadline:
        time.sleep(0.2)


def one_night(folder: Path, count: int, replica: str, sources: Path, log: Path) -> dict[str, Any]:
    """A night over `count` fresh nodes, a fresh Redis and writer; its figures."""
    redis = RedisServer.start(folder / "redis")
    env = {"WARTA_SOURCES": str(sources)}  # the node knows the outlets' spiders
    nodes = [ScrapydNode.start(folder / f"node-{n}", f"node-{n}", env=env) for n in range(count)]
    db = folder / "warta.db"
    writer = start_writer(db, redis.url)
    command = [
        sys.executable, "-m", "warta", "scheduler", "--once", "--db", str(db),
        "--sources", str(sources), "--replica", replica, "--node-capacity", "2",
        "--nodes", ",".join(node.url for node in nodes), *FAST,
        "-s", f"WARTA_REDIS_URL={redis.url}", "-s", f"WARTA_WARC_DIR={default_warc_dir(db)}",
    ]  # fmt: skip
    start_time, started = time.time(), time.monotonic()
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"the scheduler failed: {done.stderr[-2000:]}")
        drain(redis.client())
        wall = time.monotonic() - started
        cpu = sum(cpu_seconds(node.process.pid) for node in nodes if node.process)
        cpu += cpu_seconds(writer.pid, children=False)
    finally:
        writer.send_signal(signal.SIGTERM)
        writer.wait(60)
        for node in nodes:
            node.kill()
        redis.stop()
    with Archive(db, readonly=True) as archive:
        articles = archive.count()
    requests = Counter(node_from_ua(entry.ua) for entry in read_log(log) if entry.t >= start_time)
    shares = {node.name: requests.get(node.name, 0) for node in nodes}
    total = sum(shares.values()) or 1
    return {
        "wall_s": wall,
        "articles": articles,
        "cpu_s_per_article": cpu / max(articles, 1),
        "request_share": {name: n / total for name, n in shares.items()},
        "fairness_max_min": max(shares.values()) / max(min(shares.values()), 1),
    }


def measure(params: Params) -> dict[str, Any]:
    """Every configuration, `runs` nights each, interleaved; the medians."""
    samples: dict[int, list[dict[str, Any]]] = {count: [] for count in params.nodes}
    with tempfile.TemporaryDirectory(prefix="cluster-nodes-") as tmp:
        root = Path(tmp)
        process, replica, sources, log = start_replica(root, params)
        try:
            for run in range(params.runs):
                for count in params.nodes:  # interleaved: load drifts hit all alike
                    folder = root / f"run{run}-nodes{count}"
                    samples[count].append(one_night(folder, count, replica, sources, log))
        finally:
            stop_process(process, grace=30)
    return {str(count): summary(nights) for count, nights in samples.items()}


def summary(nights: list[dict[str, Any]]) -> dict[str, Any]:
    median = statistics.median
    return {
        "runs": len(nights),
        "articles": nights[0]["articles"],
        "wall_s": median(n["wall_s"] for n in nights),
        "cpu_s_per_article": median(n["cpu_s_per_article"] for n in nights),
        "fairness_max_min": median(n["fairness_max_min"] for n in nights),
        "request_share": nights[len(nights) // 2]["request_share"],
        "samples": nights,
    }


def table(result: dict[str, Any]) -> str:
    lines = ["nodes  articles  wall s  CPU s/article  max/min  request share per node"]
    for count, row in result.items():
        shares = " ".join(f"{share:.2f}" for share in row["request_share"].values())
        lines.append(
            f"{count:>5}  {row['articles']:>8}  {row['wall_s']:>6.1f}  "
            f"{row['cpu_s_per_article']:>13.3f}  {row['fairness_max_min']:>7.2f}  {shares}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--outlets", type=int, default=Params.outlets)
    parser.add_argument("--tiny", action="store_true", help="one small night per 1 and 2 nodes")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    params = TINY if args.tiny else Params(runs=args.runs, outlets=args.outlets)
    result = measure(params)
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
