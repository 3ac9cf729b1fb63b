"""The replica's request log, and the checks made from it (issue #16).

Every request the replica answers is logged as a `LoggedRequest` (time, host,
target, User-Agent): in memory (`ReplicaServer.request_log`) and, with
`warta replica --request-log FILE` (`ReplicaServer(..., request_log=PATH)`),
as JSON lines `{"t": unix_seconds, "host": ..., "target": ..., "ua": ...}`
appended and flushed one by one, so another process can read the file while
the replica runs.

A crawl node says who it is at the end of its User-Agent (` node/NAME`,
docs/replica-contract.md, "Request log"), so the log tells which node fetched
what, and when:

- `overlaps(entries)`: per outlet, the times two different nodes fetched it
  during overlapping intervals (politeness across machines: one node per
  outlet at a time);
- `fetch_counts(entries)`: how many times each URL was fetched (a distributed
  backfill fetches every article once).

An outlet is a host by default; `outlet_by_sources(sources)` tells outlets
apart by the sources config instead (detik's desks share www.detik.com and
differ by URL prefix).
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol, TextIO

__all__ = [
    "LoggedRequest",
    "LogWriter",
    "Overlap",
    "Session",
    "fetch_counts",
    "node_from_ua",
    "outlet_by_host",
    "outlet_by_sources",
    "overlaps",
    "read_log",
    "url_of",
]

NODE_SUFFIX = re.compile(r" node/(\S+)$")
REPLICA_PATHS = "/_replica/"  # the replica's own endpoints: no outlet's page


class LoggedRequest(NamedTuple):
    """One request the replica answered: when (unix seconds), Host, path-with-query, UA."""

    t: float
    host: str
    target: str
    ua: str

    def as_json(self) -> str:
        return json.dumps(
            {"t": self.t, "host": self.host, "target": self.target, "ua": self.ua},
            ensure_ascii=False,
        )


class LogWriter:
    """Appends JSON lines to a file, one flushed write per request (thread-safe)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: TextIO = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed by close)
        self._lock = threading.Lock()

    def write(self, entry: LoggedRequest) -> None:
        line = entry.as_json() + "\n"
        with self._lock:
            if not self._file.closed:
                self._file.write(line)
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def read_log(path: str | Path) -> list[LoggedRequest]:
    """The entries of a request log file, in file order.

    A last line still being written (no newline yet) is left out; any other
    malformed line is an error naming the file and line.
    """
    entries = []
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    for number, line in enumerate(lines[:-1], 1):  # the part after the last newline: unfinished
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            entries.append(
                LoggedRequest(float(data["t"]), data["host"], data["target"], data.get("ua", ""))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: line {number}: not a request log entry ({exc})") from None
    return entries


def node_from_ua(user_agent: str) -> str | None:
    """The node named by a User-Agent's ` node/NAME` suffix; None for a non-node crawl."""
    found = NODE_SUFFIX.search(user_agent)
    return found.group(1) if found else None


def url_of(entry: LoggedRequest) -> str:
    """The outlet URL a request asked for, as the crawler knows it (https://host/target)."""
    return f"https://{entry.host}{entry.target}"


def outlet_by_host(entry: LoggedRequest) -> str | None:
    """The outlet of a request: its host (None for the replica's own endpoints)."""
    return None if entry.target.startswith(REPLICA_PATHS) else entry.host


class _SourceLike(Protocol):
    @property
    def id(self) -> str: ...  # read-only: crawler.sources.Source is a frozen dataclass

    def owns_url(self, url: str) -> bool: ...


def outlet_by_sources(sources: Mapping[str, _SourceLike]) -> Callable[[LoggedRequest], str | None]:
    """The outlet of a request by the sources config: the source owning its URL, or None.

    A URL of a shared host that no source owns by its prefix (www.detik.com/robots.txt)
    belongs to no one outlet, and is left out of the checks.
    """
    # a prefix is more specific than a whole domain: try sources with one first
    ordered = sorted(sources.values(), key=lambda s: getattr(s, "url_prefix", None) is None)

    def outlet_of(entry: LoggedRequest) -> str | None:
        if entry.target.startswith(REPLICA_PATHS):
            return None
        url = url_of(entry)
        return next((source.id for source in ordered if source.owns_url(url)), None)

    return outlet_of


@dataclass(frozen=True)
class Session:
    """A node's fetches of one outlet: from `first` to `last` (unix seconds), `count` of them."""

    node: str
    first: float
    last: float
    count: int


@dataclass(frozen=True)
class Overlap:
    """Two nodes fetching one outlet at overlapping times."""

    outlet: str
    one: Session
    other: Session


def _sessions(times: list[float], node: str, gap: float) -> list[Session]:
    """Sorted fetch times of one node on one outlet, split where they pause over `gap` s."""
    sessions: list[Session] = []
    start = previous = times[0]
    count = 0
    for moment in times:
        if moment - previous > gap:
            sessions.append(Session(node, start, previous, count))
            start, count = moment, 0
        previous = moment
        count += 1
    sessions.append(Session(node, start, previous, count))
    return sessions


def overlaps(
    entries: Iterable[LoggedRequest],
    node_of: Callable[[str], str | None] = node_from_ua,
    outlet_of: Callable[[LoggedRequest], str | None] = outlet_by_host,
    gap: float = float("inf"),
) -> dict[str, list[Overlap]]:
    """For every outlet fetched by a node: the pairs of nodes that fetched it at once.

    A node's fetches of an outlet form one session from its first to its last
    (or, with `gap`, sessions split where the node paused longer than `gap`
    seconds: a later night's crawl of the same outlet). Two sessions of
    different nodes on one outlet overlap when their time spans intersect.
    `node_of` names the node of a User-Agent (None: not a node, left out);
    `outlet_of` names the outlet of a request (None: left out).
    An outlet crawled politely has an empty list.
    """
    times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        node, outlet = node_of(entry.ua), outlet_of(entry)
        if node is not None and outlet is not None:
            times[outlet][node].append(entry.t)
    found: dict[str, list[Overlap]] = {}
    for outlet, by_node in sorted(times.items()):
        sessions = [
            session
            for node, moments in sorted(by_node.items())
            for session in _sessions(sorted(moments), node, gap)
        ]
        found[outlet] = [
            Overlap(outlet, one, other)
            for index, one in enumerate(sessions)
            for other in sessions[index + 1 :]
            if one.node != other.node and one.first <= other.last and other.first <= one.last
        ]
    return found


def fetch_counts(
    entries: Iterable[LoggedRequest],
    outlet_of: Callable[[LoggedRequest], str | None] = outlet_by_host,
) -> Counter[str]:
    """How many times each outlet URL (https://host/target) was fetched.

    The replica's own endpoints (and whatever `outlet_of` leaves out) are not counted.
    """
    return Counter(url_of(entry) for entry in entries if outlet_of(entry) is not None)
