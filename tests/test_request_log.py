"""The replica's request log and the checks made from it (replica/request_log.py).

The server logs every request with its time and User-Agent, in memory and as
flushed JSON lines; `overlaps` finds outlets two nodes crawled at once and
`fetch_counts` counts fetches per URL. Checked on hand-made entries for the
edge cases, then on real concurrent `warta crawl` processes whose User-Agents
end in ` node/a` and ` node/b` (set explicitly with -s USER_AGENT=…).
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.sources import load_sources
from replica.generator import build_site
from replica.model import Site
from replica.request_log import (
    LoggedRequest,
    fetch_counts,
    node_from_ua,
    outlet_by_sources,
    overlaps,
    read_log,
)
from replica.server import ReplicaServer
from tests.conftest import REPO

UA = "warta-test/1.0 (+https://example.org/warta)"


def entry(t: float, host: str, target: str, node: str | None) -> LoggedRequest:
    return LoggedRequest(t, host, target, UA + (f" node/{node}" if node else ""))


def get(server: ReplicaServer, host: str, target: str, user_agent: str) -> int:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", target, headers={"Host": host, "User-Agent": user_agent})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


# --- the log -------------------------------------------------------------------------------


def test_server_logs_time_host_target_and_user_agent(small_site: Site, tmp_path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text('{"t": 1.0, "host": "earlier.example", "target": "/", "ua": "x"}\n')
    with ReplicaServer(small_site, request_log=path) as server:
        assert get(server, "jogja.tribunnews.com", "/robots.txt", f"{UA} node/a") == 200
        assert get(server, "www.detik.com", "/jogja/indeks?x=1", "other") == 200
        in_file = read_log(path)  # while it runs: every line already flushed
        in_memory = list(server.request_log)
        assert list(server.requests) == [  # the old (host, target) record is unchanged
            ("jogja.tribunnews.com", "/robots.txt"),
            ("www.detik.com", "/jogja/indeks?x=1"),
        ]
    assert in_file[0] == LoggedRequest(1.0, "earlier.example", "/", "x")  # appended to
    assert in_file[1:] == in_memory
    assert [(e.host, e.target, e.ua) for e in in_memory] == [
        ("jogja.tribunnews.com", "/robots.txt", f"{UA} node/a"),
        ("www.detik.com", "/jogja/indeks?x=1", "other"),
    ]
    assert in_memory[0].t <= in_memory[1].t
    line = json.loads(path.read_text().splitlines()[1])
    assert set(line) == {"t", "host", "target", "ua"} and isinstance(line["t"], float)


def test_a_held_request_waits_while_others_are_answered(small_site: Site) -> None:
    release = threading.Event()
    held: list[str] = []

    def hold(entry: LoggedRequest) -> None:
        if node_from_ua(entry.ua) == "a":
            held.append(entry.target)
            release.wait(10)

    with ReplicaServer(small_site) as server:
        server.hold = hold
        statuses: list[int] = []
        first = threading.Thread(
            target=lambda: statuses.append(
                get(server, "jogja.tribunnews.com", "/robots.txt", f"{UA} node/a")
            )
        )
        first.start()
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            time.sleep(0.01)
        assert get(server, "jogja.tribunnews.com", "/robots.txt", f"{UA} node/b") == 200
        assert held == ["/robots.txt"] and statuses == []  # node a's request is still held
        release.set()
        first.join(10)
        assert statuses == [200]
        server.hold = None
        assert get(server, "jogja.tribunnews.com", "/robots.txt", f"{UA} node/a") == 200
        assert held == ["/robots.txt"]


def test_read_log_skips_an_unfinished_last_line_and_names_a_bad_one(tmp_path) -> None:
    path = tmp_path / "log.jsonl"
    good = entry(5.0, "a.example", "/x", "a")
    path.write_text(good.as_json() + "\n" + '{"t": 6.0, "host": "a.ex')
    assert read_log(path) == [good]
    path.write_text(good.as_json() + "\nnot json\n")
    with pytest.raises(ValueError, match="line 2"):
        read_log(path)


def test_node_from_user_agent() -> None:
    assert node_from_ua(f"{UA} node/node-a") == "node-a"
    assert node_from_ua(UA) is None
    assert node_from_ua("node/a") is None  # the suffix is " node/NAME" at the end


def test_overlaps_on_hand_made_entries() -> None:
    entries = [
        entry(1, "one.example", "/a", "a"),
        entry(5, "one.example", "/b", "a"),
        entry(6, "one.example", "/c", "b"),  # after a's last: a handover, no overlap
        entry(9, "one.example", "/d", "b"),
        entry(2, "two.example", "/a", "a"),
        entry(4, "two.example", "/b", "b"),  # inside a's span on two.example
        entry(7, "two.example", "/c", "a"),
        entry(3, "three.example", "/a", None),  # not a node: left out
        entry(3, "three.example", "/_replica/meta", "b"),  # not an outlet page: left out
    ]
    found = overlaps(entries)
    assert set(found) == {"one.example", "two.example"}
    assert found["one.example"] == []
    (clash,) = found["two.example"]
    assert {clash.one.node, clash.other.node} == {"a", "b"}
    assert (clash.one.first, clash.one.last, clash.one.count) == (2, 7, 2)
    # a pause longer than `gap` ends a session: a came back after b had finished
    assert overlaps(entries, gap=2.5)["two.example"] == []


def test_fetch_counts_counts_urls_not_the_replica_endpoints() -> None:
    entries = [
        entry(1, "one.example", "/a", "a"),
        entry(2, "one.example", "/a", "b"),
        entry(3, "one.example", "/a?page=2", "a"),
        entry(4, "one.example", "/_replica/meta", "a"),
    ]
    assert fetch_counts(entries) == {
        "https://one.example/a": 2,
        "https://one.example/a?page=2": 1,
    }


# --- real crawls by two "nodes" ------------------------------------------------------------


@pytest.fixture(scope="module")
def logged_server(tmp_path_factory) -> Iterator[tuple[ReplicaServer, Path, Site]]:
    site = build_site(articles=30, seed=11, days=2)
    path = tmp_path_factory.mktemp("log") / "requests.jsonl"
    with ReplicaServer(site, request_log=path) as server:
        yield server, path, site


class OverlapGate:
    """Holds node `first`'s requests to `host`, after its first one, until node `second`
    has fetched from `host` too: the two nodes' fetches there overlap for certain, however
    slowly the second crawl starts on a loaded machine (ReplicaServer.hold)."""

    def __init__(self, host: str, first: str, second: str, patience: float = 120.0) -> None:
        self.host, self.first, self.second, self.patience = host, first, second, patience
        self.first_fetched = False
        self.second_arrived = threading.Event()

    def __call__(self, entry: LoggedRequest) -> None:
        if entry.host != self.host:
            return
        node = node_from_ua(entry.ua)
        if node == self.second:
            self.second_arrived.set()
        elif node == self.first:
            if self.first_fetched:
                self.second_arrived.wait(self.patience)
            self.first_fetched = True


def crawl_as_nodes(
    server: ReplicaServer,
    folder: Path,
    plans: dict[str, list[str]],
    overlap_on: str | None = None,
) -> list[LoggedRequest]:
    """One `warta crawl` per node, each started once the one before has begun fetching;
    the log entries they caused.

    The first node crawls slowly (DOWNLOAD_DELAY 1 s), the next ones faster. With
    `overlap_on` (a host; two nodes), the first node's fetches there wait for the
    second node's (OverlapGate), so their crawls of that host really run at once.
    """
    server.request_log.clear()
    if overlap_on is not None:
        first, second = plans
        server.hold = OverlapGate(overlap_on, first, second)
    processes = []
    try:
        for index, (node, sources) in enumerate(plans.items()):
            command = [sys.executable, "-m", "warta", "crawl", *sources]
            command += ["--replica", server.base_url, "--db", str(folder / f"{node}.db")]
            command += ["-s", f"USER_AGENT={UA} node/{node}", "-s", "DOWNLOAD_TIMEOUT=300"]
            command += ["-s", f"DOWNLOAD_DELAY={1.0 if index == 0 else 0.3}"]
            processes.append(
                subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            )
            wait_for_first_request(server, node, processes[-1])
        for process in processes:
            _, stderr = process.communicate(timeout=300)
            assert process.returncode == 0, stderr.decode()[-2000:]
    finally:
        server.hold = None
    return list(server.request_log)


def wait_for_first_request(server: ReplicaServer, node: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not any(node_from_ua(e.ua) == node for e in list(server.request_log)):
        assert process.poll() is None, f"node {node}'s crawl ended before fetching anything"
        assert time.monotonic() < deadline, f"node {node} fetched nothing in 120 s"
        time.sleep(0.05)


def article_urls(site: Site, sources: list[str]) -> set[str]:
    return {a.url for source in sources for a in site.source_articles(source)}


def test_nodes_on_different_outlets_never_overlap(logged_server, tmp_path) -> None:
    server, path, site = logged_server
    plans = {"a": ["tribunjogja", "detikjogja"], "b": ["kompasregional", "detikjateng"]}
    entries = crawl_as_nodes(server, tmp_path, plans, overlap_on="www.detik.com")
    assert read_log(path)[-len(entries) :] == entries  # the file holds what memory holds
    by_source = overlaps(entries, outlet_of=outlet_by_sources(load_sources()))
    assert set(by_source) == {source for sources in plans.values() for source in sources}
    assert all(found == [] for found in by_source.values())
    # by host, the two detik desks do share www.detik.com at the same time
    by_host = overlaps(entries)
    assert by_host["www.detik.com"] and by_host["jogja.tribunnews.com"] == []
    counts = fetch_counts(entries)
    for url in article_urls(site, [s for sources in plans.values() for s in sources]):
        fetched = {u: n for u, n in counts.items() if u.split("?")[0] == url}
        assert fetched and max(fetched.values()) == 1, url  # each article page fetched once


def test_two_nodes_crawling_one_outlet_at_once_are_caught(logged_server, tmp_path) -> None:
    server, _, site = logged_server
    plans = {"a": ["tribunjogja"], "b": ["tribunjogja"]}
    entries = crawl_as_nodes(server, tmp_path, plans, overlap_on="jogja.tribunnews.com")
    found = overlaps(entries)
    assert list(found) == ["jogja.tribunnews.com"]
    (clash,) = found["jogja.tribunnews.com"]
    assert {clash.one.node, clash.other.node} == {"a", "b"}
    counts = fetch_counts(entries)
    for url in article_urls(site, ["tribunjogja"]):
        assert counts[url] == 2, url  # once by each node
