"""The archive writer's bookkeeping of node runs (warta/writer.py, crawler/node_entries.py).

A crawl node names its run with a key of its own (a UUID) and numbers its stream
entries 1, 2, 3…; `stream_runs` maps the key to its crawl_runs row and keeps the
last entry number applied, and the outcomes of the run's articles (new, updated,
unchanged, duplicates: only the writer sees them). Every write here happens in the
archive's open batch, with the rows of the entry it belongs to: one commit holds
both, so a redelivered entry is recognised and skipped.

The node run's crawl_runs row itself is written by storage/runs.py
(`Runs.start_node_run`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from storage.core import ArchiveCore
from storage.runs import Runs
from storage.warc import WarcPointer

OUTCOMES = ("new", "updated", "unchanged", "duplicate")
ABANDONED = "interrupted: crawl process {pid} died"  # as Runs.close_abandoned says


@dataclass
class StreamRun:
    run_id: int
    resume: bool
    last_seq: int
    fenced: bool = False  # closed by another hold's claim: its later entries are not applied


class StreamRuns:
    """`stream_runs` of one archive; every write joins the archive's open batch."""

    def __init__(self, archive: ArchiveCore) -> None:
        self.archive = archive
        self.conn = archive.conn

    def get(self, run_key: str) -> StreamRun | None:
        row = self.conn.execute(
            "SELECT run_id, resume, last_seq, fenced FROM stream_runs WHERE run_key = ?",
            (run_key,),
        ).fetchone()
        return StreamRun(row[0], bool(row[1]), row[2], bool(row[3])) if row else None

    def open(
        self,
        run_key: str,
        source: str,
        node: str | None,
        job: str | None,
        pid: int | None,
        lock: str | None = None,
    ) -> StreamRun:
        """Record a node's run: its crawl_runs row (with the answer to "did the previous
        run finish?", asked first), its key and the token of the lock it holds."""
        self.archive._begin()
        resume = Runs(self.archive).previous_unfinished(source)
        run_id = Runs(self.archive).start_node_run(source, node, job, pid)
        self.conn.execute(
            "INSERT INTO stream_runs(run_key, run_id, resume, lock_token) VALUES (?, ?, ?, ?)",
            (run_key, run_id, int(resume), lock),
        )
        return StreamRun(run_id, resume, 0)

    def close_abandoned(self, source: str, current_run: int, lock: str | None) -> int:
        """The claim of a run that took the source's lock: close the source's other runs
        still "running", but those opened under the same hold `lock` (a backfill's
        joined peers, alive); how many were closed. A run of another hold (or of none
        recorded) cannot be alive: the claimer holds the lock now.

        A closed run that held a lock is also fenced: whatever it sends after this
        claim, it sent after its lock was gone (a node paused past the lock's TTL that
        has not noticed yet), so the writer applies none of it but its end, recorded
        as lost_lock, as `Fence` does for a local crawl (storage/runs.py)."""
        self.archive._begin()
        runs = Runs(self.archive)
        same_hold = {
            run_id
            for (run_id,) in self.conn.execute(
                "SELECT run_id FROM stream_runs WHERE lock_token = ?", (lock,)
            )
        }
        ids = [i for i in runs.running_ids(source, current_run) if i not in same_hold]
        for run_id in ids:
            runs.mark_failed(ABANDONED, run_id=run_id)
            self.conn.execute(
                "UPDATE stream_runs SET fenced = 1 WHERE run_id = ? AND lock_token IS NOT NULL",
                (run_id,),
            )
        return len(ids)

    def advance(self, run_key: str, seq: int) -> None:
        """Entry `seq` of the run is applied (in the batch that applies it)."""
        self.archive._begin()
        self.conn.execute("UPDATE stream_runs SET last_seq = ? WHERE run_key = ?", (seq, run_key))

    def count(self, run_key: str, outcome: str) -> None:
        """One more article of the run came out `outcome` (new, updated…)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown store outcome {outcome!r}")
        self.archive._begin()
        self.conn.execute(
            f"UPDATE stream_runs SET articles_{outcome} = articles_{outcome} + 1 WHERE run_key = ?",
            (run_key,),
        )

    def tallies(self, run_key: str) -> dict[str, int]:
        """The run's article outcomes so far: {"new": …, "updated": …, …}."""
        columns = ", ".join(f"articles_{outcome}" for outcome in OUTCOMES)
        row = self.conn.execute(
            f"SELECT {columns} FROM stream_runs WHERE run_key = ?", (run_key,)
        ).fetchone()
        return dict(zip(OUTCOMES, row or (0,) * len(OUTCOMES), strict=True))


def known_urls(archive: ArchiveCore, chunk: int = 10_000) -> Iterator[list[str]]:
    """Every URL that led to an archived article (url_aliases), in chunks."""
    cursor = archive.conn.execute("SELECT url FROM url_aliases")
    while rows := cursor.fetchmany(chunk):
        yield [url for (url,) in rows]


def latest_pointers(
    archive: ArchiveCore, chunk: int = 10_000
) -> Iterator[list[tuple[str, WarcPointer]]]:
    """Every URL's latest WARC record as `latest_warc_pointer` finds it (a noted capture,
    else the newest raw page with a record), in chunks: the writer's copy for nodes."""
    cursor = archive.conn.execute(
        "SELECT url, warc_file, warc_offset, warc_length, warc_record_id, warc_digest "
        "FROM warc_captures UNION ALL "
        "SELECT page.url, page.warc_file, page.warc_offset, page.warc_length, "
        "page.warc_record_id, page.warc_digest FROM raw_pages AS page "
        "WHERE page.warc_digest IS NOT NULL AND page.id = ("
        "  SELECT max(id) FROM raw_pages WHERE url = page.url AND warc_digest IS NOT NULL) "
        "AND NOT EXISTS (SELECT 1 FROM warc_captures WHERE url = page.url)"
    )
    while rows := cursor.fetchmany(chunk):
        yield [(url, WarcPointer(*pointer)) for url, *pointer in rows]
