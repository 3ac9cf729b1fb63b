"""The Scrapyd client (warta/nodes.py), the node choice and the dispatch ledger.

Against real Scrapyd 1.6 nodes (tests/servers.py); a node that is down is a
port nobody listens on, one that hangs is a socket that never answers, one that
answers garbage is a plain HTTP server.
"""

from __future__ import annotations

import http.server
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from replica.faults import parse_faults
from replica.server import ReplicaServer
from storage.archive import Archive, ArchiveError
from storage.dispatches import DispatchLedger
from tests.conftest import REPO, run_warta
from tests.servers import ScrapydNode, free_port
from warta import dispatch
from warta.dispatch import NodeJobSpec, Outcome
from warta.nodes import Node, NodeError, NotDeployed, pick_node


def wait_for_state(node: Node, job: str, wanted: set[str], timeout: float = 60) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = node.job_state(job)
        if state in wanted:
            return state
        time.sleep(0.2)
    raise AssertionError(f"job {job} never reached {wanted}")


@pytest.fixture
def hanging_replica(small_site: Any) -> Iterator[ReplicaServer]:
    """A replica whose sitemaps never answer: a crawl of it runs until cancelled."""
    with ReplicaServer(small_site, faults=parse_faults(["hang:*sitemap*:seconds=15"])) as server:
        yield server


def test_a_job_on_a_real_node_is_scheduled_followed_cancelled_and_logged(
    scrapyd_nodes: list[ScrapydNode], hanging_replica: ReplicaServer, tmp_path: Path
) -> None:
    node_a, node_b = (Node(n.url, capacity=1) for n in scrapyd_nodes)
    status = node_a.status()
    assert (status.name, status.running, status.pending) == ("node-a", 0, 0)
    settings = {"WARTA_REPLICA_URL": hanging_replica.base_url, "WARTA_DB": str(tmp_path / "w.db")}
    job = node_a.schedule("harianjogja", job="job-1", args={"limit": "1"}, settings=settings)
    assert job == "job-1"
    assert wait_for_state(node_a, "job-1", {"running"}) == "running"
    # node-a is full (capacity 1): the next job goes to node-b, whatever the turn
    assert [pick_node([node_a, node_b], start=turn) for turn in (0, 1)] == [node_b, node_b]
    assert node_b.job_state("job-1") is None  # another node does not know it
    _wait_for_running_run(tmp_path / "w.db")  # the crawl is up (SIGINT before: no run)
    assert node_a.cancel("job-1") == "running"
    assert wait_for_state(node_a, "job-1", {"finished"}) == "finished"
    with urllib.request.urlopen(node_a.log_url("harianjogja", "job-1"), timeout=10) as log:
        text = log.read().decode()
    assert "Spider opened" in text and "harianjogja" in text
    with Archive(tmp_path / "w.db", readonly=True) as archive:
        (run,) = archive.runs.latest()
    assert run["status"] == "failed"  # cancelled mid-crawl: it closed and recorded its run


def test_free_nodes_are_taken_in_turn_and_a_down_one_is_skipped(
    scrapyd_nodes: list[ScrapydNode],
) -> None:
    node_a, node_b = (Node(n.url) for n in scrapyd_nodes)
    assert [pick_node([node_a, node_b], start=turn) for turn in range(4)] == [
        node_a, node_b, node_a, node_b,
    ]  # fmt: skip
    scrapyd_nodes[0].kill()
    problems: dict[str, str] = {}
    assert pick_node([node_a, node_b], start=0, problems=problems) == node_b
    assert problems[node_a.name].startswith(f"node {node_a.name} is unreachable")
    assert pick_node([node_a], problems=problems) is None
    assert pick_node([node_a, node_b], exclude=[node_b.name]) is None


def test_a_refused_call_is_one_line(scrapyd_nodes: list[ScrapydNode]) -> None:
    node = Node(scrapyd_nodes[0].url)
    with pytest.raises(NodeError) as refused:
        node.schedule("no-such-outlet", job="x")
    assert str(refused.value) == (
        f"node {node.name}: schedule.json refused: spider 'no-such-outlet' not found"
    )
    # a deployment fault, which the scheduler does not wait out (warta/dispatch.py)
    assert isinstance(refused.value, NotDeployed)
    with pytest.raises(NotDeployed, match="refused: project 'other' not found"):
        node._call("schedule.json", [("project", "other"), ("spider", "x")])
    with pytest.raises(NodeError) as other:  # any other refusal: a plain NodeError
        node._call("cancel.json", [("project", "warta")])
    assert not isinstance(other.value, NotDeployed)


def test_a_node_that_is_down_hangs_or_answers_garbage_is_one_line(tmp_path: Path) -> None:
    down = Node(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(NodeError, match=r"^node 127\.0\.0\.1:\d+ is unreachable \(daemonstatus"):
        down.status()
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        hanging = Node(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5)
        with pytest.raises(NodeError, match="unreachable.*timed out") as timed_out:
            hanging.job_state("x")
    assert "\n" not in str(timed_out.value)
    (tmp_path / "daemonstatus.json").write_text("<html>not scrapyd</html>")
    (tmp_path / "listjobs.json").write_text('{"running": 3}')
    with static_server(tmp_path) as url:
        garbage = Node(url)
        with pytest.raises(NodeError, match="daemonstatus.json answered something not JSON"):
            garbage.status()
        with pytest.raises(NodeError, match="listjobs.json without 'running'"):
            garbage.job_state("x")
        with pytest.raises(NodeError, match="cancel.json answered HTTP 501"):
            garbage.cancel("x")  # a POST the plain server does not do


def test_credentials_in_a_node_url_are_sent_and_never_shown(tmp_path: Path) -> None:
    node = Node.parse("http://warta:s3cret@127.0.0.1:9/")
    assert node.name == "127.0.0.1:9" and "s3cret" not in node.base
    with pytest.raises(NodeError) as down:
        node.status()
    assert "s3cret" not in str(down.value)
    seen: list[str] = []
    with static_server(tmp_path, seen) as url:
        (tmp_path / "daemonstatus.json").write_text('{"running": 0, "pending": 0, "finished": 0}')
        authed = Node.parse(url.replace("http://", "http://warta:s3cret@"))
        assert authed.status().load == 0
    assert seen == ["Basic d2FydGE6czNjcmV0"]  # base64 of warta:s3cret


def test_node_urls_are_checked() -> None:
    from warta.nodes import parse_nodes

    assert [n.name for n in parse_nodes("http://a:6800,http://b:6800/")] == ["a:6800", "b:6800"]
    for bad, message in [
        ("ftp://a:6800", "expected http://host:port"),
        ("http://a:6800,http://a:6800", "a:6800 is named twice"),
        ("http://a:port", "bad port"),
        ("", "expected http://host:port"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_nodes(bad)


def test_scheduler_refuses_bad_nodes_in_one_line(tmp_path: Path) -> None:
    result = run_warta("scheduler", "--once", "--nodes", "ftp://x", db=tmp_path / "w.db")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Error: --nodes: expected http://host:port, got 'ftp://x'"
    ]


def test_the_rerun_of_a_lost_job_is_claimed_once(tmp_path: Path) -> None:
    ledger = DispatchLedger(str(tmp_path / "jobs.db"))
    first = ledger.claim("harianjogja", "night-1", 1, "job-1")
    assert first is not None
    assert ledger.claim("harianjogja", "night-1", 1, "job-x") is None
    # a second watcher (or the daemon after a restart) found the same job lost first
    assert ledger.claim("harianjogja", "night-1", 2, "job-2") is not None
    spec = NodeJobSpec(
        db_path=str(tmp_path / "warta.db"),
        jobs_path=str(tmp_path / "jobs.db"),
        nodes=f"http://127.0.0.1:{free_port()}",
    )
    started = time.monotonic()
    dispatch._after(Outcome.LOST, first, "node-a", spec, ledger, deadline=started + 60)
    assert time.monotonic() - started < 5  # nothing dispatched, nothing waited for
    assert [(d.attempt, d.job) for d in ledger.all()] == [(1, "job-1"), (2, "job-2")]


def test_a_lost_job_whose_run_had_finished_is_not_rerun(tmp_path: Path) -> None:
    db = tmp_path / "warta.db"
    ledger = DispatchLedger(str(tmp_path / "jobs.db"))
    lost = ledger.claim("harianjogja", "night-1", 1, "job-1")
    assert lost is not None
    with Archive(db) as archive:  # the crawl ended its run, then its node died
        run_id = archive.runs.start("harianjogja")
        archive.runs.finish(run_id, "ok", {"pages": 3})
    spec = NodeJobSpec(db_path=str(db), jobs_path=str(tmp_path / "jobs.db"), nodes="http://a:1")
    assert dispatch._lost(lost, "node-a", spec, ledger, "job gone") == Outcome.DONE
    assert ledger.claim("harianjogja", "night-1", 2, "job-2") is not None  # never claimed
    with Archive(db, readonly=True) as archive:
        (run,) = archive.runs.latest()
    assert (run["status"], run["node"], run["job"]) == ("ok", "node-a", "job-1")
    # the same night without a finished run: lost, and its run recorded failed there
    other = ledger.claim("tribunjogja", "night-1", 1, "job-3")
    assert other is not None
    assert dispatch._lost(other, "node-a", spec, ledger, "job gone") == Outcome.LOST
    with Archive(db, readonly=True) as archive:
        failed = archive.runs.latest()[0]
    assert (failed["source"], failed["status"], failed["job"]) == ("tribunjogja", "failed", "job-3")
    assert "lost with node node-a: job gone" in failed["message"]


def _wait_for_running_run(db: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with Archive(db, readonly=True) as archive:
                if [r for r in archive.runs.latest() if r["status"] == "running"]:
                    return
        except ArchiveError:  # not created yet
            pass
        time.sleep(0.2)
    raise AssertionError("the crawl never recorded its run")


class _Static(http.server.SimpleHTTPRequestHandler):
    seen: list[str] | None = None

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.seen is not None:
            self.seen.append(self.headers.get("Authorization", ""))
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


class static_server:  # noqa: N801 (used as a context manager, like open())
    """A plain HTTP server of a folder, on a free loopback port."""

    def __init__(self, folder: Path, seen: list[str] | None = None) -> None:
        handler = type("Handler", (_Static,), {"seen": seen})

        def make(*args: Any) -> http.server.SimpleHTTPRequestHandler:
            return handler(*args, directory=str(folder))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make)

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


DEPLOY_DOC = REPO / "docs" / "deploy.md"
DEPLOY = REPO / "deploy"


def code_of_doc(text: str) -> list[str]:
    """A Markdown file's shell blocks and inline code spans."""
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    return blocks + re.findall(r"`([^`\n]+)`", prose)


def code_of_deploy() -> list[str]:
    """The command lines of the systemd units (ExecStart) and of the Compose services."""
    import yaml

    lines = []
    for unit in sorted(DEPLOY.rglob("*.service")):
        lines += re.findall(r"^ExecStart=(.*)$", unit.read_text(encoding="utf-8"), re.M)
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    lines += [str(service.get("command", "")) for service in compose["services"].values()]
    return lines


def warta_commands(snippets: list[str]) -> list[list[str]]:
    """Each `warta SUBCOMMAND ARGS…` in these code snippets (continuation lines joined)."""
    commands = []
    for snippet in snippets:
        for line in re.sub(r"\\\n\s*", " ", snippet).splitlines():
            words = line.split(" #")[0].split()
            for index, word in enumerate(words):
                rest = words[index + 1 :]
                is_warta = word == "warta" or word.endswith("/bin/warta")
                if is_warta and rest and re.fullmatch(r"[a-z][a-z_-]*", rest[0]):
                    commands.append(rest)  # not `warta = crawler.settings` (a config line)
    return commands


def unknown_in(command: list[str]) -> str | None:
    """What of this command line warta does not have (the command, an option), or None."""
    from warta.cli.group import COMMANDS, main

    name, *args = command
    if name not in COMMANDS:
        return f"warta {name}"
    found = main.get_command(click.Context(main), name)
    assert found is not None
    known = {opt for param in found.params for opt in param.opts} | {"--help"}
    for arg in args:
        if arg.startswith("-") and arg.split("=")[0] not in known:
            return f"warta {name} {arg}"
    return None


def test_every_warta_command_in_the_deploy_guide_and_files_exists() -> None:
    named = warta_commands(code_of_doc(DEPLOY_DOC.read_text(encoding="utf-8")))
    named += warta_commands(code_of_deploy())
    assert {c[0] for c in named} >= {"scheduler", "backup", "serve", "runs", "replay"}
    assert ["scheduler", "--db"] in [c[:2] for c in named]
    assert [unknown_in(c) for c in named if unknown_in(c)] == []


def test_the_deploy_check_would_see_a_missing_command_or_option() -> None:
    doc = (
        "Run `warta publish --group w`.\n"
        "```sh\nwarta scheduler --nodes \\\n  http://a:6800 --nodez 3\n```\n"
    )
    named = warta_commands(code_of_doc(doc)) + warta_commands(["/v/bin/warta serve --bogus"])
    assert [unknown_in(c) for c in named] == [
        "warta scheduler --nodez", "warta publish", "warta serve --bogus",
    ]  # fmt: skip
