"""One outlet's rate is shared by every node process over Redis (crawler/shared_rate.py).

Real `warta crawl` processes in node mode (WARTA_REDIS_URL) against a real
redis-server and the replica; the replica here records when each request
arrived and with which User-Agent, so the spacing is measured where the outlet
would see it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.shared_rate import SHARED_DELAY, SharedRate
from crawler.spiderloader import SourceSpiderLoader
from replica.faults import parse_fault
from replica.server import ReplicaServer, _Handler
from storage.warc import default_warc_dir
from tests.conftest import REPO
from tests.servers import RedisServer
from tests.writer_process import drained, runs_of, unreachable_db, writer_running

SOURCE = "harianjogja"
HOST = "jogjapolitan.harianjogja.com"
DELAY = 0.3
# A second source id for the same outlet (its own sources file): another crawl, with
# its own lock, of the same host. The shared rate is owed to the host.
SECOND_SOURCES = f"""
[sources.jogjaagain]
name = "Harian Jogja, crawled again"
rule = "harianjogja"
domains = ["{HOST}"]
sections = ["sleman", "bantul", "jogja", "kulonprogo", "gunungkidul"]

[sources.jogjaagain.discovery]
style = "news_sitemap"
sitemap_url = "https://{HOST}/sitemap.xml"
"""


@dataclass
class Seen:
    t: float
    host: str
    target: str
    agent: str


class RecordingHandler(_Handler):
    """The replica's handler, noting each request's arrival time and User-Agent."""

    def _respond(self, send_body: bool) -> None:
        host, target = self._host_and_target()
        agent = self.headers.get("User-Agent", "")
        self.server.seen.append(Seen(time.time(), host, target, agent))  # type: ignore[attr-defined]
        super()._respond(send_body)


def recording(server: ReplicaServer) -> list[Seen]:
    """Have `server` record what it receives; the list it records into."""
    seen: list[Seen] = []
    server._httpd.seen = seen  # type: ignore[attr-defined]
    server._httpd.RequestHandlerClass = RecordingHandler
    return seen


@pytest.fixture
def replica(crawl_site) -> Iterator[tuple[ReplicaServer, list[Seen]]]:
    with ReplicaServer(crawl_site) as server:
        yield server, recording(server)


def node_crawl(
    replica: ReplicaServer, redis: RedisServer, folder: Path, node: str, *extra: str
) -> subprocess.Popen:
    """`warta crawl` as node `node` (a shared rate of DELAY s), in the background. Its
    run goes to the writer of `folder`/writer.db; its --db is where no archive can be."""
    command = [
        sys.executable, "-m", "warta", "crawl", "--replica", replica.base_url,
        "--db", str(unreachable_db(folder)), "--limit", "5", "--progress", "0",
        "--warc-dir", str(default_warc_dir(folder / "writer.db")),
        "-s", f"WARTA_REDIS_URL={redis.url}", "-s", f"WARTA_NODE={node}",
        "-s", f"DOWNLOAD_DELAY={DELAY}", *extra,
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def finished(process: subprocess.Popen, timeout: float = 120) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    return out


def writer_runs(folder: Path) -> list[tuple[str, str, str]]:
    """(source, node, status) of the runs the writer stored, sorted."""
    return sorted(
        (run["source"], run["node"], run["status"]) for run in runs_of(folder / "writer.db")
    )


def test_two_processes_of_one_outlet_share_its_rate(replica, redis_server, tmp_path):
    server, seen = replica
    sources = tmp_path / "second.toml"
    bundled = (REPO / "sources.toml").read_text()
    sources.write_text(bundled[: bundled.index("\n[sources.")] + SECOND_SOURCES)  # its [defaults]
    with writer_running(tmp_path / "writer.db", redis_server.url):
        first = node_crawl(server, redis_server, tmp_path, "node-a", SOURCE)
        second = node_crawl(
            server, redis_server, tmp_path, "node-b", "jogjaagain", "--sources", str(sources)
        )
        for process in (first, second):
            assert " ok " in finished(process)
        drained(redis_server.client())
    assert not unreachable_db(tmp_path).parent.exists()  # the nodes opened no archive
    assert writer_runs(tmp_path) == [
        ("harianjogja", "node-a", "ok"),
        ("jogjaagain", "node-b", "ok"),
    ]

    requests = sorted((s for s in seen if s.host == HOST), key=lambda s: s.t)
    by_a = [s.t for s in requests if s.agent.endswith(" node/node-a")]
    by_b = [s.t for s in requests if s.agent.endswith(" node/node-b")]
    assert len(by_a) + len(by_b) == len(requests)  # every request names its node
    assert by_a and by_b and by_a[0] < by_b[-1] and by_b[0] < by_a[-1]  # they overlapped
    gaps = [later.t - earlier.t for earlier, later in zip(requests, requests[1:], strict=False)]
    # Two processes with a local delay each would send about twice as fast.
    assert (requests[-1].t - requests[0].t) / len(gaps) >= DELAY * 0.95
    assert min(gaps) >= DELAY * 0.6, gaps  # scheduling jitter on a busy machine, no more


def test_a_retry_still_backs_off_under_the_shared_rate(crawl_site, redis_server, tmp_path):
    fault = parse_fault(f"5xx:{HOST}/sitemap.xml:times=1")
    with (
        ReplicaServer(crawl_site, faults=[fault]) as server,
        writer_running(tmp_path / "writer.db", redis_server.url),
    ):
        seen = recording(server)
        crawl = node_crawl(
            server, redis_server, tmp_path, "node-a", SOURCE, "-s", "WARTA_RETRY_BACKOFF=2"
        )
        finished(crawl)
        drained(redis_server.client())
    assert writer_runs(tmp_path) == [("harianjogja", "node-a", "ok")]
    tries = [s.t for s in seen if s.target == "/sitemap.xml"]
    assert len(tries) == 2
    assert tries[1] - tries[0] >= 2 * 0.5  # the backoff's shortest (2 s, -50 % jitter)


def node_settings(**values: str) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(values, priority="cmdline")
    spider = SourceSpiderLoader.from_settings(settings).load(SOURCE)
    spider.update_settings(settings)
    return settings


def test_a_node_names_itself_and_moves_its_delay_to_the_shared_rate():
    settings = node_settings(WARTA_REDIS_URL="redis://127.0.0.1:1/0", WARTA_NODE="node-a")
    assert settings["USER_AGENT"].startswith("warta/")
    assert settings["USER_AGENT"].endswith(" node/node-a")
    assert settings.getfloat(SHARED_DELAY) == 2.0  # the source's download_delay
    assert settings.getfloat("DOWNLOAD_DELAY") == 0  # not once more in each process
    assert settings.getfloat("AUTOTHROTTLE_START_DELAY") == 0


def test_a_delay_given_on_the_command_line_is_the_shared_one():
    settings = node_settings(WARTA_REDIS_URL="redis://127.0.0.1:1/0", DOWNLOAD_DELAY="0.7")
    assert settings.getfloat(SHARED_DELAY) == 0.7
    assert settings.getfloat("DOWNLOAD_DELAY") == 0


def test_one_machine_keeps_scrapys_delay_and_its_user_agent():
    settings = node_settings()
    assert "node/" not in settings["USER_AGENT"]
    assert settings.getfloat("DOWNLOAD_DELAY") == 2.0
    assert settings.get(SHARED_DELAY) is None
    with pytest.raises(NotConfigured):
        SharedRate.from_crawler(get_crawler(settings_dict={"WARTA_REDIS_URL": None}))


def test_a_single_machine_crawl_needs_no_redis_package():
    # the plain crawl loads the node-mode modules (settings, spider loader, run recorder)
    # and works without the redis package: one machine needs no distributed extra
    probe = (
        "import sys; sys.modules['redis'] = None  # `import redis` now fails\n"
        "import crawler.extensions, crawler.redis_locks, crawler.shared_rate\n"
        "from tests.test_shared_rate import node_settings\n"
        "print(node_settings().getfloat('DOWNLOAD_DELAY'))\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True)
    assert ran.returncode == 0 and ran.stdout.strip() == "2.0", ran.stderr
