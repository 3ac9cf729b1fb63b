"""Researchers read while the crawl writes: searches in other processes, in a loop,
during a full crawl of the replica, see the archive grow and never an error
("database is locked" included). WAL, a busy timeout and short write batches are
what make this work (storage/core.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from storage.archive import Archive
from tests.conftest import REPO, run_warta

# One reader process: a loop of what a researcher runs (ranked search, count, a plain
# query), each time through a freshly opened archive or the one kept open, until the
# stop file appears; one JSON line per round, errors included.
READER = r"""
import json, os, sys, time, traceback
from storage.archive import Archive
from storage.query import Query

db, stop = sys.argv[1], sys.argv[2]
kept = Archive(db, readonly=True)
round = 0
while True:
    last = os.path.exists(stop)  # one more round after the crawl ended
    round += 1
    try:
        archive = kept if round % 2 else Archive(db, readonly=True)
        hits = archive.search(Query("warga"), limit=5)
        matching = archive.count(Query("warga OR kota"))
        total = archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finished = archive.conn.execute(
            "SELECT count(*) FROM crawl_runs WHERE status != 'running'").fetchone()[0]
        if archive is not kept:
            archive.close()
        print(json.dumps({"total": total, "matching": matching, "hits": len(hits),
                          "finished": finished}), flush=True)
    except BaseException as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}",
                          "trace": traceback.format_exc()}), flush=True)
    if last:
        break
    time.sleep(0.05)
"""


@pytest.fixture(scope="module")
def big_server():
    """A replica large enough that a full crawl takes a few seconds."""
    from replica.generator import build_site
    from replica.server import ReplicaServer

    site = build_site(articles=300, seed=11, syndication=True)
    with ReplicaServer(site) as server:
        yield server, site


def test_readers_see_the_archive_grow_without_errors_during_a_crawl(tmp_path, big_server):
    server, site = big_server
    db = tmp_path / "warta.db"
    stop = tmp_path / "stop"
    Archive(db).close()  # the researchers' archive exists before tonight's crawl
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(db), str(stop)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(1)
    ]
    cli_results: list[subprocess.CompletedProcess] = []

    def cli_reader() -> None:  # `warta search` as a researcher types it, again and again
        while not stop.exists():
            cli_results.append(run_warta("search", "warga", "--count", db=db, timeout=120))

    cli = threading.Thread(target=cli_reader)
    cli.start()
    try:
        crawl = run_warta("crawl", "--replica", server.base_url, "--progress", "0", db=db)
    finally:
        stop.touch()
        cli.join(timeout=120)
        outputs = [reader.communicate(timeout=120) for reader in readers]

    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    with Archive(db, readonly=True) as archive:
        final = archive.count()
        statuses = {run["status"] for run in archive.runs.latest()}
    assert final == len(site.articles) and statuses == {"ok"}

    for (stdout, stderr), reader in zip(outputs, readers, strict=True):
        rounds = [json.loads(line) for line in stdout.splitlines()]
        errors = [r for r in rounds if "error" in r]
        assert reader.returncode == 0 and not stderr.strip(), stderr
        assert errors == [], errors[0]["trace"] if errors else None
        totals = [r["total"] for r in rounds]
        # commits only add rows: a reader never sees the archive shrink…
        assert totals == sorted(totals)
        # …and it sees it grow batch by batch while the crawls run, not when they end
        assert len(set(totals)) >= 3, totals
        assert any(r["total"] and not r["finished"] for r in rounds), rounds
        assert totals[-1] == final
    assert cli_results and all(r.returncode == 0 for r in cli_results), [
        r.stderr for r in cli_results if r.returncode
    ]
    assert not [r for r in cli_results if "locked" in r.stderr or "Traceback" in r.stderr]
    assert int(cli_results[-1].stdout) > 0
