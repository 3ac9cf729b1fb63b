"""A small client of Scrapyd 1.6 crawl nodes, and the choice of a node for a job.

Scrapyd's JSON API is plain HTTP, so this is urllib and no new dependency:

- `daemonstatus.json`: is the node up, how many jobs it runs and queues;
- `schedule.json`: start `scrapy crawl SOURCE` in project `warta`, with spider
  arguments (since, limit…) and `setting=NAME=VALUE` pairs (the node's own
  environment gives nothing else, docs/deploy.md);
- `listjobs.json`: where a job is (pending, running, finished, or unknown);
- `cancel.json`: stop a job (SIGINT: Scrapy closes the spider and records its run);
- the job's log: `/logs/warta/SOURCE/JOB.log`.

A node that is down, times out or answers something other than Scrapyd's JSON
raises `NodeError` with one line naming the node. A node that answers but does not
have the project or the spider (`spider '…' not found`: it was not deployed there,
or its sources file lacks the outlet) raises `NotDeployed`, a NodeError the
scheduler does not wait out: asking that node again changes nothing. A node URL may carry Scrapyd's
basic-auth credentials (`http://user:secret@host:6800`); they are sent as an
Authorization header and never shown in messages.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

PROJECT = "warta"
DEFAULT_TIMEOUT = 10.0  # seconds one API call may take
# schedule.json lists the project's spiders (a `scrapy list` subprocess) before it
# queues the job: on a loaded node that takes seconds, and a call that times out
# may still queue the job, so it gets far longer than the read-only calls.
SCHEDULE_TIMEOUT = 60.0
DEFAULT_CAPACITY = 4  # jobs a node runs at once unless told (Scrapyd: max_proc)

JobState = Literal["pending", "running", "finished"]


class NodeError(RuntimeError):
    """A node is down, timed out, refused the call or answered garbage (one line)."""


class NotDeployed(NodeError):
    """The node is up but lacks the project or the spider: its deployment is wrong."""


# Scrapyd 1.6's refusals (webservice.py) when the project, its version or the spider
# is missing on the node: a deployment fault, unlike a node that is down or busy.
_NOT_DEPLOYED = re.compile(r"^(project|version|spider) '.*' not found$")


@dataclass(frozen=True)
class NodeStatus:
    """What `daemonstatus.json` says: the node's queue and running jobs."""

    name: str
    running: int
    pending: int
    finished: int

    @property
    def load(self) -> int:
        return self.running + self.pending


@dataclass(frozen=True)
class Node:
    """One Scrapyd node, by its base URL (credentials, if any, kept out of `.name`)."""

    url: str
    timeout: float = DEFAULT_TIMEOUT
    capacity: int = DEFAULT_CAPACITY

    @classmethod
    def parse(cls, text: str, *, timeout: float = DEFAULT_TIMEOUT, capacity: int = 0) -> Node:
        """A node from `http[s]://[user:pass@]host:port`; ValueError (one line) if not one."""
        parts = urllib.parse.urlsplit(text.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--nodes: expected http://host:port, got {text.strip()!r}")
        try:
            parts.port  # noqa: B018 (a bad port raises here, not at the first call)
        except ValueError:
            raise ValueError(f"--nodes: bad port in {text.strip()!r}") from None
        return cls(text.strip().rstrip("/"), timeout, capacity or DEFAULT_CAPACITY)

    @property
    def base(self) -> str:
        """The URL without credentials."""
        parts = urllib.parse.urlsplit(self.url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    @property
    def name(self) -> str:
        """host:port, as runs and logs show the node."""
        return urllib.parse.urlsplit(self.base).netloc

    # -- the API ---------------------------------------------------------------------

    def status(self) -> NodeStatus:
        reply = self._call("daemonstatus.json")
        return NodeStatus(
            name=str(reply.get("node_name") or self.name),
            running=_count(reply, "running", self),
            pending=_count(reply, "pending", self),
            finished=_count(reply, "finished", self),
        )

    def schedule(
        self,
        source: str,
        *,
        job: str,
        args: Mapping[str, str] | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> str:
        """Queue `scrapy crawl SOURCE` as job `job`; the job id Scrapyd confirms."""
        params: list[tuple[str, str]] = [("project", PROJECT), ("spider", source), ("jobid", job)]
        params += [(name, str(value)) for name, value in (args or {}).items()]
        params += [("setting", f"{name}={value}") for name, value in (settings or {}).items()]
        reply = self._call("schedule.json", params, timeout=max(self.timeout, SCHEDULE_TIMEOUT))
        return str(reply.get("jobid", job))

    def job_state(self, job: str) -> JobState | None:
        """Where the job is on this node; None if the node does not know it (any more)."""
        reply = self._call(f"listjobs.json?project={PROJECT}")
        for state in ("running", "pending", "finished"):
            entries = reply.get(state)
            if not isinstance(entries, list):
                raise NodeError(f"node {self.name}: listjobs.json without {state!r}")
            if any(isinstance(entry, dict) and entry.get("id") == job for entry in entries):
                return state
        return None

    def cancel(self, job: str, signal: str = "INT") -> str | None:
        """Stop the job; its previous state (pending, running) or None if it had none.

        SIGINT (the default) lets Scrapy close the spider and record its run; KILL
        is for a crawl that did not close in time.
        """
        params = [("project", PROJECT), ("job", job), ("signal", signal)]
        reply = self._call("cancel.json", params)
        prev = reply.get("prevstate")
        return str(prev) if prev else None

    def log_url(self, source: str, job: str) -> str:
        return f"{self.base}/logs/{PROJECT}/{source}/{job}.log"

    # -- plumbing --------------------------------------------------------------------

    def _call(
        self,
        endpoint: str,
        params: Sequence[tuple[str, str]] | None = None,
        timeout: float | None = None,
    ) -> dict:
        """GET (no params) or POST one endpoint; its JSON object, or NodeError."""
        data = urllib.parse.urlencode(list(params)).encode() if params is not None else None
        request = urllib.request.Request(f"{self.base}/{endpoint}", data=data)
        parts = urllib.parse.urlsplit(self.url)
        if parts.username is not None:  # Scrapyd's basic auth (username/password in its conf)
            user = urllib.parse.unquote(parts.username)
            pair = f"{user}:{urllib.parse.unquote(parts.password or '')}"
            request.add_header("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
        what = endpoint.split("?")[0]
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                body = response.read(1_000_000)
        except urllib.error.HTTPError as exc:
            raise NodeError(f"node {self.name}: {what} answered HTTP {exc.code}") from None
        except (OSError, urllib.error.URLError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NodeError(f"node {self.name} is unreachable ({what}): {reason}") from None
        try:
            reply = json.loads(body)
        except ValueError:
            raise NodeError(f"node {self.name}: {what} answered something not JSON") from None
        if not isinstance(reply, dict):
            raise NodeError(f"node {self.name}: {what} answered JSON that is not an object")
        if reply.get("status") == "error":
            message = " ".join(str(reply.get("message", "")).split())
            refused = NotDeployed if _NOT_DEPLOYED.match(message) else NodeError
            raise refused(f"node {self.name}: {what} refused: {message}")
        return reply


def _count(reply: Mapping[str, Any], key: str, node: Node) -> int:
    value = reply.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise NodeError(f"node {node.name}: daemonstatus.json without a count of {key!r}")
    return value


def parse_nodes(text: str, *, capacity: int = 0, timeout: float = DEFAULT_TIMEOUT) -> list[Node]:
    """`URL,URL…` as nodes (at least one, no repeats); ValueError with one line if not."""
    nodes = [Node.parse(part, timeout=timeout, capacity=capacity) for part in text.split(",")]
    names = [node.name for node in nodes]
    repeated = {name for name in names if names.count(name) > 1}
    if repeated:
        raise ValueError(f"--nodes: {sorted(repeated)[0]} is named twice")
    return nodes


@dataclass
class NodePicker:
    """Chooses the node for the next job: up, not busy, least loaded, equals in turn.

    Busy means running + pending ≥ capacity, or anything pending at all (Scrapyd
    only queues when its own slots are taken). Pick and schedule under `.lock`
    (`Dispatcher` does): a job just scheduled shows in the node's pending count, so
    the next pick sees it and jobs that fire together spread over the nodes.
    """

    nodes: list[Node]
    lock: threading.Lock = field(default_factory=threading.Lock)
    turn: int = 0
    problems: dict[str, str] = field(default_factory=dict)  # node name → why skipped last

    def pick(self, exclude: Sequence[str] = ()) -> Node | None:
        """The node to use now, or None if every one is down, busy or excluded."""
        return pick_node(
            self.nodes, exclude=exclude, start=self._next_turn(), problems=self.problems
        )

    def _next_turn(self) -> int:
        self.turn += 1
        return self.turn


def pick_node(
    nodes: Sequence[Node],
    *,
    exclude: Sequence[str] = (),
    start: int = 0,
    problems: dict[str, str] | None = None,
) -> Node | None:
    """The least loaded node that is up and not busy; ties go round robin from `start`.

    `problems` (if given) gets, per node skipped, the one-line reason.
    """
    candidates: list[tuple[int, int, Node]] = []
    count = len(nodes)
    for offset in range(count):
        index = (start + offset) % count if count else 0
        node = nodes[index]
        if node.name in exclude:
            continue
        try:
            status = node.status()
        except NodeError as exc:
            if problems is not None:
                problems[node.name] = str(exc)
            continue
        if status.pending > 0 or status.load >= node.capacity:
            if problems is not None:
                problems[node.name] = (
                    f"node {node.name} is busy ({status.running} running, {status.pending} queued)"
                )
            continue
        if problems is not None:
            problems.pop(node.name, None)
        candidates.append((status.load, offset, node))
    if not candidates:
        return None
    return min(candidates, key=lambda entry: (entry[0], entry[1]))[2]
