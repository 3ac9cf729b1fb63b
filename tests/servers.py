"""Real servers for the distributed tests: redis-server and Scrapyd nodes on loopback.

Each runs as its own process on a free 127.0.0.1 port, in a folder of the test's
tmp_path, and is stopped (killed if need be) when the test ends. No fakes: the
tests of locks, the frontier and the stream writer talk to Debian's redis-server,
and crawl nodes are real `scrapyd` processes running `scrapy crawl` subprocesses.
The replica, too, can run as its own `warta replica` process (`ReplicaProcess`),
as the cluster tests need: its request log is read while it serves.

    def test_x(redis_server, tmp_path):
        node = ScrapydNode.start(tmp_path / "node-a", "node-a")
        ...

`.ci/run` installs redis-server (apt) and scrapyd (the `distributed` extra).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest

from benchmarks.common import stop_process
from replica.request_log import LoggedRequest, read_log

REPO = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 20.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(ready: Any, what: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start:\n{log.read_text(errors='replace')}")
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start in {STARTUP_TIMEOUT}s:\n{log.read_text()}")


@dataclass
class RedisServer:
    """A redis-server on a loopback port, its data (and AOF, if asked) in `folder`."""

    folder: Path
    port: int
    appendonly: bool = False
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @classmethod
    def start(cls, folder: Path, *, appendonly: bool = False) -> RedisServer:
        folder.mkdir(parents=True, exist_ok=True)
        server = cls(folder, free_port(), appendonly)
        server.launch()
        return server

    def launch(self) -> None:
        """Start (or restart, on the same port and data) the server."""
        program = shutil.which("redis-server")
        if program is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        log = self.folder / "redis.log"
        command = [
            program, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
            "--save", "", "--appendonly", "yes" if self.appendonly else "no",
            "--protected-mode", "yes", "--logfile", str(log),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        log.touch()
        _wait_until(self.ping, "redis-server", self.process, log)

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def client(self) -> Any:
        """A redis-py client of this server (decode_responses off: bytes, as stored)."""
        import redis

        return redis.Redis.from_url(self.url)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections hang, as with a stalled host."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()  # a stopped process cannot handle SIGTERM
        stop_process(self.process)

    def restart(self, down_for: float) -> None:
        """Stop the server for real (SIGTERM: it writes its AOF and exits; its port goes
        unanswered), leave it down `down_for` seconds, then start it again on the same port
        from the same data folder. Only a server started with appendonly=True keeps its
        keys: `--save ""` leaves the others nothing to load."""
        if not self.appendonly:
            raise ValueError("restart() of a server without appendonly would lose every key")
        self.stop()
        time.sleep(down_for)
        self.launch()

    def kill(self) -> None:
        """kill -9: whatever was not persisted is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@dataclass
class ScrapydNode:
    """A Scrapyd 1.6 instance serving the warta project, in its own folder.

    The project needs no egg: the node's scrapy.cfg maps the project `warta` to
    crawler.settings, which the node's Python (this venv) imports.
    """

    folder: Path
    name: str
    port: int
    max_proc: int = 4
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls, folder: Path, name: str, *, max_proc: int = 4, env: dict[str, str] | None = None
    ) -> ScrapydNode:
        node = cls(folder, name, free_port(), max_proc, dict(env or {}))
        node.launch()
        return node

    def launch(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            f"bind_address = 127.0.0.1\nhttp_port = {self.port}\nnode_name = {self.name}\n"
            f"max_proc = {self.max_proc}\npoll_interval = 0.5\n"
            f"eggs_dir = {self.folder / 'eggs'}\nlogs_dir = {self.folder / 'logs'}\n"
            f"dbs_dir = {self.folder / 'dbs'}\nitems_dir =\njobs_to_keep = 100\n"
            "[settings]\nwarta = crawler.settings\n"
        )
        (self.folder / "scrapy.cfg").write_text("[settings]\nwarta = crawler.settings\n")
        log = self.folder / "scrapyd.log"
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", **self.env}
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scrapyd"], cwd=self.folder, env=env,
                stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,  # kill() takes its crawl subprocesses too
            )  # fmt: skip
        _wait_until(lambda: self.status() is not None, f"scrapyd {self.name}", self.process, log)

    def call(self, endpoint: str, **params: str) -> dict[str, Any]:
        """GET (no params) or POST (params) one of Scrapyd's JSON endpoints."""
        data = urllib.parse.urlencode(params).encode() if params else None
        with urllib.request.urlopen(f"{self.url}/{endpoint}", data=data, timeout=10) as reply:
            return json.loads(reply.read())

    def status(self) -> dict[str, Any] | None:
        try:
            return self.call("daemonstatus.json")
        except (OSError, urllib.error.URLError, ValueError):
            return None

    def jobs(self) -> dict[str, Any]:
        return self.call("listjobs.json?project=warta")

    def stop(self) -> None:
        stop_process(self.process)

    def kill(self) -> None:
        """kill -9 the node and every crawl it runs (its whole process group)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


SERVING = re.compile(r"at (http://127\.0\.0\.1:\d+) ")  # `warta replica`'s first line


@dataclass
class ReplicaProcess:
    """`warta replica --port 0 ARGS --write-sources F --request-log L` in its own process:
    its URL, the sources config of its outlets and its request log (read while it serves).

        with ReplicaProcess.start(folder, "--outlets", "30") as replica:
            run_warta("crawl", "--replica", replica.url, "--sources", str(replica.sources))
    """

    url: str
    sources: Path
    log: Path
    launched: float  # unix seconds just before it started: no request is logged earlier
    process: subprocess.Popen

    @classmethod
    def start(cls, folder: Path, *args: str) -> ReplicaProcess:
        folder.mkdir(parents=True, exist_ok=True)
        sources, log, errors = folder / "sources.toml", folder / "requests.jsonl", folder / "err"
        command = [sys.executable, "-m", "warta", "replica", "--port", "0", *args]
        command += ["--write-sources", str(sources), "--request-log", str(log)]
        launched = time.time()
        # stderr to a file: a pipe no one reads would stall a replica that logs much
        with errors.open("w") as err:
            process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=err)
        line = process.stdout.readline().decode() if process.stdout else ""
        found = SERVING.search(line)
        if not found:
            stop_process(process, how=signal.SIGINT)
            raise RuntimeError(f"warta replica did not start: {line}{errors.read_text()}")
        return cls(found.group(1), sources, log, launched, process)

    def requests_since(self, start: float) -> list[LoggedRequest]:
        """The requests it answered from unix time `start` on."""
        return [entry for entry in read_log(self.log) if entry.t >= start]

    def stop(self) -> None:
        """Ctrl-C, as an operator stops it; killed if it does not stop in 10 s."""
        stop_process(self.process, how=signal.SIGINT)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer.start(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def scrapyd_nodes(tmp_path: Path) -> Iterator[list[ScrapydNode]]:
    """Two Scrapyd nodes, node-a and node-b (each test adds settings through schedule.json)."""
    nodes: list[ScrapydNode] = []
    try:
        for name in ("node-a", "node-b"):
            nodes.append(ScrapydNode.start(tmp_path / name, name))
        yield nodes
    finally:
        for node in nodes:
            node.kill()
