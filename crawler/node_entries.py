"""The entries of the archive stream (`warta:stream`), as a node writes them and the
archive writer (warta/writer.py) reads them.

Every entry is a Redis stream entry with these fields (all strings):

- `v`: the format version, "1".
- `op`: what the entry asks of the writer (below).
- `run`: the run key, a UUID the node makes as its crawl opens (no round trip is
  needed to start a run; the writer maps it to a crawl_runs id).
- `seq`: the entry's number within its run, 1, 2, 3… in the order the node added
  them. The writer applies an entry only if its seq is above the run's last applied
  one, recorded in the same SQLite transaction as the entry's rows
  (storage/stream_runs.py): an entry delivered twice, or added twice, changes
  nothing the second time.
- `data`: JSON, the op's arguments.
- `reply` (questions only): the Redis list the writer pushes its JSON answer on.

The ops, in the order a run sends them:

- `open` (a question): source, node, job, pid, lock (the token of the outlet's
  lock the run holds; null if refused or sent by an older node). The writer
  records the run (its node, job and lock too) and answers {"run_id", "resume"}:
  whether the source's previous run did not finish, computed before this one was
  recorded.
- `claim`: source, lock. The node took the source's lock: runs of the source still
  marked running under another hold (or none recorded) were killed; the writer
  closes them (`StreamRuns.close_abandoned`). Runs opened under the claimer's own
  hold are a backfill's joined peers (crawler/backfill.py), alive: kept.
- `ask` (a question): `{"question": "ledger", ...}` or `"unresolved_errors"`; the
  writer answers from the archive as it stands after every earlier entry.
- `article`: the item after the node's validate and normalise steps (its fields,
  and each raw page with its WARC pointer; a page without one carries its body,
  zlib-compressed). The writer runs the archive steps (dedupe, store: versions,
  clusters, FTS) and counts the outcome for the run.
- `capture`: url, warc (a pointer, as a page's). The response record the node wrote
  whole for a page that is not an article's (a listing page, a sitemap, robots.txt);
  the writer notes it (`Archive.note_capture`), so the page's next unchanged fetch,
  by any node, is a revisit of it.
- `error`: a URL the crawl could not archive (`Runs.record_error`).
- `walk`: the run's coverage walk (storage/coverage.py `record_walk`).
- `finish`: status, message and the counts only the node knows (pages, errors,
  articles dropped before the archive). The writer adds the counts only it knows
  (new, updated, unchanged, duplicates) and closes the run.

Questions carry seq 0: they change nothing, so they are answered every time they
are read.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from crawler.items import Article, FetchedPage, WarcPointer
from storage.coverage import Ledger, Walk

VERSION = "1"
STREAM = "warta:stream"  # crawler.redis_connection.key("stream")
GROUP = "writers"


class BadEntry(ValueError):
    """An entry the writer cannot read (another format, torn JSON, an unknown op)."""


def encode(
    op: str, run: str, seq: int, data: dict[str, Any], reply: str | None = None
) -> dict[str, str]:
    """The stream fields of one entry."""
    entry = {"v": VERSION, "op": op, "run": run, "seq": str(seq), "data": json.dumps(data)}
    if reply is not None:
        entry["reply"] = reply
    return entry


def decode(fields_: dict[bytes, bytes]) -> tuple[str, str, int, dict[str, Any], str | None]:
    """(op, run, seq, data, reply) of a stream entry; BadEntry if it is not one of ours."""
    try:
        text = {key.decode(): value.decode() for key, value in fields_.items()}
        if text.get("v") != VERSION:
            raise BadEntry(f"format version {text.get('v')!r}, expected {VERSION}")
        data = json.loads(text["data"])
        if not isinstance(data, dict):
            raise BadEntry("data is not a JSON object")
        return text["op"], text["run"], int(text["seq"]), data, text.get("reply")
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, BadEntry):
            raise
        raise BadEntry(f"unreadable entry: {exc}") from None


# -- articles ----------------------------------------------------------------------------


def article_data(item: Article) -> dict[str, Any]:
    """The item as JSON-ready data: every field; times as ISO-8601 with their offset."""
    data: dict[str, Any] = {}
    for spec in fields(Article):
        value = getattr(item, spec.name)
        if spec.name == "pages":
            value = [_page_data(page) for page in value]
        elif isinstance(value, datetime):
            value = value.isoformat()
        data[spec.name] = value
    return data


def _page_data(page: FetchedPage) -> dict[str, Any]:
    data: dict[str, Any] = {
        "url": page.url,
        "status": page.status,
        "headers": page.headers,
        "fetched_at": page.fetched_at.isoformat(),
    }
    if page.warc is not None:  # the bytes are in the node's WARC file, fsynced before XADD
        data["warc"] = pointer_data(page.warc)
    else:
        data["zbody"] = base64.b64encode(zlib.compress(page.body, 6)).decode("ascii")
    return data


def article_from(data: dict[str, Any]) -> Article:
    """The Article `article_data` wrote."""
    values = dict(data)
    for name in ("published_at", "modified_at"):
        if values.get(name):
            values[name] = datetime.fromisoformat(values[name])
    values["pages"] = [_page_from(page) for page in values.get("pages", [])]
    try:
        return Article(**values)
    except TypeError as exc:  # a field this warta does not know
        raise BadEntry(f"article: {exc}") from None


def _page_from(data: dict[str, Any]) -> FetchedPage:
    warc = pointer_from(data["warc"]) if data.get("warc") else None
    body = zlib.decompress(base64.b64decode(data["zbody"])) if "zbody" in data else b""
    return FetchedPage(
        url=data["url"],
        status=data["status"],
        headers=data["headers"],
        body=body,
        fetched_at=datetime.fromisoformat(data["fetched_at"]),
        warc=warc,
    )


# -- WARC records -------------------------------------------------------------------------


def pointer_data(pointer: WarcPointer) -> list[Any]:
    """A record's pointer as JSON-ready data: [file, offset, length, record id, digest]."""
    return [getattr(pointer, spec.name) for spec in fields(WarcPointer)]


def pointer_from(data: Any) -> WarcPointer:
    """The pointer `pointer_data` wrote; BadEntry if it is not one."""
    if not isinstance(data, list) or len(data) != len(fields(WarcPointer)):
        raise BadEntry(f"not a WARC pointer: {data!r}")
    return WarcPointer(*data)


def capture_data(url: str, pointer: WarcPointer) -> dict[str, Any]:
    return {"url": url, "warc": pointer_data(pointer)}


def capture_from(data: dict[str, Any]) -> tuple[str, WarcPointer]:
    """(url, pointer) of a `capture` entry."""
    return str(data["url"]), pointer_from(data["warc"])


# -- coverage ----------------------------------------------------------------------------


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def walk_data(walk: Walk) -> dict[str, Any]:
    return {
        "sections": walk.sections,
        "since": walk.since.isoformat(),
        "until": walk.until.isoformat(),
        "listed": [[s, d.isoformat(), sorted(urls)] for (s, d), urls in walk.listed.items()],
        "ended": sorted([s, d.isoformat()] for s, d in walk.ended),
        "fetched": sorted(walk.fetched),
        "failed": [[url, s, _iso(d), reason] for url, s, d, reason in walk.failed],
    }


def walk_from(data: dict[str, Any]) -> Walk:
    walk = Walk(
        sections=list(data["sections"]),
        since=date.fromisoformat(data["since"]),
        until=date.fromisoformat(data["until"]),
    )
    for section, day, urls in data["listed"]:
        walk.listed[(section, date.fromisoformat(day))] = set(urls)
    walk.ended = {(section, date.fromisoformat(day)) for section, day in data["ended"]}
    walk.fetched = set(data["fetched"])
    walk.failed = [(url, s, _day(d), reason) for url, s, d, reason in data["failed"]]
    return walk


def ledger_data(ledger: Ledger, walk_since: date) -> dict[str, Any]:
    failed_units = {(s, _iso(d)) for s, d in ledger.failed_units}
    return {
        "walk_since": walk_since.isoformat(),
        "complete": sorted([s, d.isoformat()] for s, d in ledger.complete),
        "failed_urls": ledger.failed_urls,
        "failed_units": sorted([s, d or ""] for s, d in failed_units),
    }


def ledger_from(data: dict[str, Any]) -> tuple[Ledger, date]:
    """The Ledger and the walk's first day the writer answered with."""
    ledger = Ledger({(s, date.fromisoformat(d)) for s, d in data["complete"]}, [])
    ledger.failed_urls = list(data["failed_urls"])
    ledger.failed_units = {(s, _day(d)) for s, d in data["failed_units"]}
    return ledger, date.fromisoformat(data["walk_since"])
