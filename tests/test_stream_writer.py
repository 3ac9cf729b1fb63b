"""The one archive writer (#16): crawl nodes put their runs on a Redis stream, `warta
writer` stores them, and the archive equals a single-process crawl's, field by field.

Real parts throughout: redis-server (tests/servers.py), the replica over HTTP, node
crawls and writers as `warta` subprocesses, SQLite files compared with
tests/archive_compare.py. The node's --db points into a folder that does not exist:
a node that opened the archive would fail, and the test checks no file appears.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler import node_entries
from storage.archive import Archive
from storage.warc import default_warc_dir
from tests.archive_compare import archive_differences
from tests.conftest import run_warta
from tests.servers import RedisServer
from tests.writer_process import drained, start_writer, stop, unreachable_db


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, crawl_server: Any) -> Path:
    """A single-process crawl of the replica: what every node run must equal."""
    db = tmp_path_factory.mktemp("single") / "warta.db"
    done = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return db


def node_crawl(replica: str, redis_url: str, writer_db: Path, *extra: str) -> Path:
    """A node-mode crawl; its WARC files go where the writer's archive reads them (a
    shared folder, as docs/deploy.md sets nodes up). Returns the --db it was given."""
    unreachable = unreachable_db(writer_db.parent)
    done = run_warta(
        "crawl",
        "--replica",
        replica,
        "--warc-dir",
        str(default_warc_dir(writer_db)),
        "-s",
        f"WARTA_REDIS_URL={redis_url}",
        "-s",
        "WARTA_NODE=node-a",
        *extra,
        db=unreachable,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert not unreachable.parent.exists()  # the node never opened (or created) an archive
    return unreachable


def run_nodes(db: Path) -> list[tuple[Any, ...]]:
    with Archive(db, readonly=True) as archive:
        return [(run["source"], run["node"], run["job"]) for run in archive.runs.latest(limit=100)]


def test_node_crawl_and_writer_equal_a_single_process_crawl(
    reference, crawl_server, redis_server, tmp_path
):
    db = tmp_path / "writer.db"
    writer = start_writer(db, redis_server.url)
    try:
        node_crawl(crawl_server.base_url, redis_server.url, db, "-s", "WARTA_JOB=job-1")
        drained(redis_server.client())
    finally:
        err = stop(writer)
    assert "entries applied" in err
    assert archive_differences(reference, db) == []
    assert {node for _, node, _ in run_nodes(db)} == {"node-a"}
    assert {job for _, _, job in run_nodes(db)} == {"job-1"}
    assert {node for _, node, _ in run_nodes(reference)} == {None}  # a local crawl: NULL


def test_a_second_night_through_nodes_equals_a_local_second_night(
    reference, crawl_server, redis_server, tmp_path
):
    """The second night reads what the first left: known URLs, the coverage ledger, the
    URLs to retry, whether the last run finished. Through nodes, the writer answers."""
    local = tmp_path / "local.db"
    shutil.copy(reference, local)
    shutil.copytree(default_warc_dir(reference), default_warc_dir(local))
    again = run_warta("crawl", "--replica", crawl_server.base_url, db=local)
    assert again.returncode in (0, 1), again.stdout + again.stderr
    db = tmp_path / "writer.db"
    writer = start_writer(db, redis_server.url)
    try:
        for _ in range(2):
            node_crawl(crawl_server.base_url, redis_server.url, db)
        drained(redis_server.client())
    finally:
        stop(writer)
    assert archive_differences(local, db) == []
    with Archive(db, readonly=True) as archive:
        second = archive.runs.latest(limit=6)
    assert sum(run["articles_new"] for run in second) == 0  # every article known already


def captures(db: Path) -> dict[str, str]:
    """The records noted for pages that are not articles' (listing pages...), by URL."""
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT url, warc_record_id FROM warc_captures"))


def page_records(db: Path) -> dict[str, str]:
    """Each article page's record id, by URL."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, warc_record_id FROM raw_pages WHERE warc_file IS NOT NULL")
        return dict(rows)


def responses_and_revisits(files: set[Path]) -> tuple[list[str], dict[str, str]]:
    """The URLs written whole, and each revisit's URL with the record it refers to."""
    whole, revisits = [], {}
    for path in sorted(files):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type == "response":
                    whole.append(uri)
                elif record.rec_type == "revisit":
                    revisits[uri] = record.rec_headers.get_header("WARC-Refers-To")
    return whole, revisits


@pytest.mark.parametrize("writer_restarted", [False, True], ids=["same-writer", "new-writer"])
def test_a_recrawl_through_nodes_writes_revisits_of_unchanged_pages(
    reference, crawl_server, redis_server, tmp_path, writer_restarted
):
    """As a local re-crawl does (test_warc_capture): the node finds each URL's latest
    record in the writer's copy (warta:latest, kept after each commit, or rebuilt by
    a writer starting) and writes a revisit of an unchanged page, not a second copy."""
    db = tmp_path / "writer.db"
    client = redis_server.client()
    writer = start_writer(db, redis_server.url)
    try:
        node_crawl(crawl_server.base_url, redis_server.url, db)
        drained(client)
        first_files = set(default_warc_dir(db).glob("*.warc.gz"))
        articles, listings = page_records(db), captures(db)
        assert set(listings) == set(captures(reference))  # the nodes' listing pages noted
        if writer_restarted:
            stop(writer)
            client.delete("warta:latest")  # Redis lost it (restarted without persistence)
            writer = start_writer(db, redis_server.url)
        node_crawl(crawl_server.base_url, redis_server.url, db, "--refresh")
        drained(client)
    finally:
        stop(writer)
    whole, revisits = responses_and_revisits(
        set(default_warc_dir(db).glob("*.warc.gz")) - first_files
    )
    assert whole == []  # the replica did not change: nothing written twice
    assert set(articles) <= set(revisits) and set(listings) <= set(revisits)
    assert {url: revisits[url] for url in articles} == articles
    assert {url: revisits[url] for url in listings} == listings
    assert page_records(db) == articles  # the pages still point at the original records
    assert client.xlen("warta:stream:dead") == 0  # every capture entry was applied


def test_a_node_that_cannot_read_the_original_record_writes_the_page_whole(
    crawl_server, redis_server, tmp_path
):
    """A node whose WARC folder is its own (not the shared one, as docs/deploy.md asks)
    finds the latest pointers but not their files: it writes whole records, never a
    revisit of a record it could not check, and the crawl goes on."""
    db = tmp_path / "writer.db"
    client = redis_server.client()
    own = tmp_path / "node-b-warc"
    writer = start_writer(db, redis_server.url)
    try:
        node_crawl(crawl_server.base_url, redis_server.url, db)
        drained(client)
        pages = set(page_records(db)) | set(captures(db))
        node_crawl(crawl_server.base_url, redis_server.url, db, "--refresh", "--warc-dir", str(own))
        drained(client)
    finally:
        stop(writer)
    whole, revisits = responses_and_revisits(set(own.glob("*.warc.gz")))
    assert revisits == {}
    assert pages <= set(whole)


def schedule(node: Any, source: str, settings: dict[str, str]) -> str:
    """schedule.json on a Scrapyd node: the crawl of one source, with its settings."""
    pairs = [("project", "warta"), ("spider", source)]
    pairs += [("setting", f"{name}={value}") for name, value in settings.items()]
    data = urllib.parse.urlencode(pairs).encode()
    # schedule.json runs `scrapy list` first: seconds on a loaded machine (warta/nodes.py)
    with urllib.request.urlopen(f"{node.url}/schedule.json", data=data, timeout=60) as reply:
        answer = json.loads(reply.read())
    assert answer["status"] == "ok", answer
    return str(answer["jobid"])


def test_scrapyd_nodes_and_one_writer_equal_a_single_process_crawl(
    reference, crawl_server, redis_server, scrapyd_nodes, tmp_path
):
    """Each source a Scrapyd job on node-a or node-b (as `scrapy crawl` runs it there, no
    `warta` wrapper); one writer; the archive equals the single-process crawl's."""
    from warta.crawling import REPLICA_FAST_SETTINGS, replica_clock

    db = tmp_path / "writer.db"
    unreachable = tmp_path / "no-such-folder" / "node.db"
    common = {
        "WARTA_REDIS_URL": redis_server.url,
        "WARTA_REPLICA_URL": crawl_server.base_url,
        "WARTA_NOW": replica_clock(crawl_server.base_url),
        "WARTA_WARC_DIR": str(default_warc_dir(db)),
        "WARTA_DB": str(unreachable),
        **{name: str(value) for name, value in REPLICA_FAST_SETTINGS.items()},
    }
    with Archive(reference, readonly=True) as archive:
        sources = sorted({run["source"] for run in archive.runs.latest(limit=100)})
    writer = start_writer(db, redis_server.url)
    try:
        for n, source in enumerate(sources):
            node = scrapyd_nodes[n % 2]
            settings = {**common, "WARTA_NODE": node.name, "WARTA_JOB": f"job-{source}"}
            schedule(node, source, settings)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            finished = sum(len(node.jobs()["finished"]) for node in scrapyd_nodes)
            if finished == len(sources):
                break
            time.sleep(1)
        drained(redis_server.client())
    finally:
        stop(writer)
    assert finished == len(sources)
    assert not unreachable.parent.exists()
    assert archive_differences(reference, db) == []
    ran = {source: (node, job) for source, node, job in run_nodes(db)}
    assert ran == {s: (scrapyd_nodes[n % 2].name, f"job-{s}") for n, s in enumerate(sources)}


def test_writer_not_running_while_nodes_crawl_catches_up_later(
    reference, crawl_server, redis_server, tmp_path
):
    db = tmp_path / "writer.db"
    node_crawl(crawl_server.base_url, redis_server.url, db, "-s", "WARTA_WRITER_WAIT=1")
    client = redis_server.client()
    waiting = client.xlen(node_entries.STREAM)
    assert waiting > 80  # every article (and run, error, walk) waits in the stream
    assert not db.exists()
    done = run_warta("writer", "--redis", redis_server.url, "--until-idle", db=db)
    assert done.returncode == 0, done.stderr
    assert client.xlen(node_entries.STREAM) == 0
    assert archive_differences(reference, db) == []


def test_writer_killed_mid_stream_then_restarted_loses_and_repeats_nothing(
    reference, crawl_server, redis_server, tmp_path
):
    db = tmp_path / "writer.db"
    node_crawl(crawl_server.base_url, redis_server.url, db, "-s", "WARTA_WRITER_WAIT=1")
    client = redis_server.client()
    total = client.xlen(node_entries.STREAM)
    writer = start_writer(db, redis_server.url, "--claim-after", "2", "--batch", "3")
    deadline = time.monotonic() + 60
    while client.xlen(node_entries.STREAM) > total * 0.6 and time.monotonic() < deadline:
        time.sleep(0.005)
    writer.kill()  # kill -9, mid-stream
    writer.wait()
    left = client.xlen(node_entries.STREAM)
    assert 0 < left < total
    done = run_warta(
        "writer", "--redis", redis_server.url, "--until-idle", "--claim-after", "2", db=db
    )
    assert done.returncode == 0, done.stderr
    assert client.xlen(node_entries.STREAM) == 0
    assert archive_differences(reference, db) == []


def test_sigterm_during_a_redis_outage_stops_the_writer_at_once_and_loses_nothing(
    reference, crawl_server, tmp_path
):
    """Redis stops mid-stream: the writer waits it out (WARTA_REDIS_PATIENCE), yet a
    SIGTERM ends that wait at once (~1 s; 4 s allowed on a loaded machine), in one
    line. Redis back, the next writer finishes the stream and the archive equals the
    single-process crawl."""
    server = RedisServer.start(tmp_path / "redis-aof", appendonly=True)  # survives a stop
    writer = None
    try:
        db = tmp_path / "writer.db"
        node_crawl(crawl_server.base_url, server.url, db, "-s", "WARTA_WRITER_WAIT=1")
        total = server.client().xlen(node_entries.STREAM)
        writer = start_writer(db, server.url, "--claim-after", "2", "--batch", "3")
        deadline = time.monotonic() + 60
        while server.client().xlen(node_entries.STREAM) > total * 0.6:
            assert time.monotonic() < deadline, "the writer applied nothing"
            time.sleep(0.005)
        server.stop()  # mid-stream
        time.sleep(2)  # the writer is waiting for Redis now
        assert writer.poll() is None
        writer.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        _, err = writer.communicate(timeout=30)
        assert time.monotonic() - asked < 4, err  # patience would be 120 s
        assert writer.returncode == 0, err
        assert "Traceback" not in err
        (line,) = [line for line in err.splitlines() if "stopped while Redis" in line]
        assert "entries not acknowledged stay pending for the next writer" in line
        server.launch()
        left = server.client().xlen(node_entries.STREAM)
        assert 0 < left < total  # applied entries were acknowledged; the rest waited
        done = run_warta(
            "writer", "--redis", server.url, "--until-idle", "--claim-after", "2", db=db
        )
        assert done.returncode == 0, done.stderr
        assert server.client().xlen(node_entries.STREAM) == 0
        assert archive_differences(reference, db) == []
    finally:
        if writer is not None and writer.poll() is None:
            writer.kill()
            writer.communicate()
        server.stop()


def test_a_writer_dead_between_commit_and_ack_has_its_entries_skipped_once(
    reference, crawl_server, redis_server, tmp_path
):
    """The narrowest window: a batch committed, the writer dead before XACK. The next
    writer takes the entries over (XAUTOCLAIM) and skips them: already applied."""
    from warta.writer import ArchiveWriter

    db = tmp_path / "writer.db"
    node_crawl(crawl_server.base_url, redis_server.url, db, "-s", "WARTA_WRITER_WAIT=1")
    client = redis_server.client()
    with Archive(db) as archive:
        dying = ArchiveWriter(archive, client, claim_after=1, consumer="dying/1", batch=40)
        dying.start()
        dying.commit(dying.read(new=True, block_ms=0))  # committed; never acknowledged
    assert client.xpending(node_entries.STREAM, node_entries.GROUP)["pending"] == 40
    done = run_warta(
        "writer", "--redis", redis_server.url, "--until-idle", "--claim-after", "1", db=db
    )
    assert done.returncode == 0, done.stderr
    assert "took over 40 entries" in done.stderr
    assert " 0 repeats skipped" not in done.stderr
    assert client.xpending(node_entries.STREAM, node_entries.GROUP)["pending"] == 0
    assert archive_differences(reference, db) == []


def test_an_entry_delivered_twice_is_applied_once(reference, crawl_server, redis_server, tmp_path):
    db = tmp_path / "writer.db"
    node_crawl(crawl_server.base_url, redis_server.url, db, "-s", "WARTA_WRITER_WAIT=1")
    client = redis_server.client()
    entries = client.xrange(node_entries.STREAM)
    # every entry added a second time (as a node retrying through an outage would)
    for _, fields in entries:
        client.xadd(node_entries.STREAM, fields)
    done = run_warta("writer", "--redis", redis_server.url, "--until-idle", db=db)
    assert done.returncode == 0, done.stderr
    assert "repeats skipped" in done.stderr
    assert archive_differences(reference, db) == []
    # and once more, after it was acknowledged: an article entry read again changes nothing
    article = next(fields for _, fields in entries if fields[b"op"] == b"article")
    client.xadd(node_entries.STREAM, article)
    again = run_warta("writer", "--redis", redis_server.url, "--until-idle", db=db)
    assert again.returncode == 0, again.stderr
    assert archive_differences(reference, db) == []


def test_an_unreadable_entry_is_set_aside_in_one_line(redis_server, tmp_path):
    client = redis_server.client()
    client.xadd(
        node_entries.STREAM, {"v": "1", "op": "article", "run": "x", "seq": "1", "data": "{"}
    )
    done = run_warta("writer", "--redis", redis_server.url, "--until-idle", db=tmp_path / "w.db")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "unreadable stream entry" in done.stderr
    dead = client.xrange("warta:stream:dead")
    assert len(dead) == 1 and dead[0][1][b"data"] == b"{"
    assert client.xlen(node_entries.STREAM) == 0


def test_a_node_without_redis_fails_in_one_line_and_opens_no_archive(crawl_server, tmp_path):
    unreachable = tmp_path / "no-such-folder" / "node.db"
    done = run_warta(
        "crawl",
        "tribunjogja",
        "--replica",
        crawl_server.base_url,
        "-s",
        "WARTA_REDIS_URL=redis://127.0.0.1:1/0",
        "-s",
        "WARTA_REDIS_PATIENCE=1",
        db=unreachable,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "Redis unavailable" in done.stdout + done.stderr
    assert not unreachable.parent.exists()


def test_writer_needs_a_redis_url(tmp_path):
    done = run_warta("writer", "--redis", "http://nope", db=tmp_path / "w.db")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "redis://" in done.stderr


@pytest.mark.parametrize("refusal", ["no such database", "no password", "wrong password"])
def test_a_redis_url_the_server_refuses_ends_writer_and_node_at_once(
    refusal, crawl_server, redis_server, tmp_path
):
    """A URL the server refuses is a setting to fix, not an outage to wait out (the
    patience here is the default two minutes): the writer and a node each stop at once
    with one line naming it, and no traceback."""
    refused = redis_server.url
    if refusal == "no such database":
        refused = redis_server.url.removesuffix("/0") + "/99"
    else:
        redis_server.client().config_set("requirepass", "s3cret")
        if refusal == "wrong password":
            refused = redis_server.url.replace("redis://", "redis://:wrong@")
    started = time.monotonic()
    writer = run_warta("writer", "--redis", refused, "--until-idle", db=tmp_path / "w.db")
    node = run_warta(
        "crawl", "tribunjogja", "--replica", crawl_server.base_url,
        "-s", f"WARTA_REDIS_URL={refused}", db=tmp_path / "no-such-folder" / "node.db",
    )  # fmt: skip
    assert time.monotonic() - started < 60
    for done in (writer, node):
        output = done.stdout + done.stderr
        assert done.returncode == 1 and "Traceback" not in output, output
        assert "Redis refused the connection" in output and "password and database" in output
    assert writer.stderr.strip().count("\n") == 0, writer.stderr


def test_a_full_redis_is_waited_out_then_one_line(crawl_server, redis_server, tmp_path):
    """maxmemory with noeviction (docs/deploy.md) refuses writes: room may be made
    meanwhile, so a node waits it out like an outage, then stops in one line, with no
    traceback."""
    redis_server.client().config_set("maxmemory", "1")  # every write refused
    patience = ["-s", "WARTA_REDIS_PATIENCE=2"]
    node = run_warta(
        "crawl", "tribunjogja", "--replica", crawl_server.base_url, *patience,
        "-s", f"WARTA_REDIS_URL={redis_server.url}", db=tmp_path / "no-such-folder" / "n.db",
    )  # fmt: skip
    output = node.stdout + node.stderr
    assert node.returncode == 1 and "Traceback" not in output, output
    stops = [line for line in node.stderr.splitlines() if "stopping the crawl" in line]
    assert len(stops) == 1 and "maxmemory" in stops[0], node.stderr


def test_entries_round_trip(crawl_site):
    """An article's every field and a walk come back from their stream form unchanged."""
    from crawler.items import Article
    from crawler.node_entries import article_data, article_from

    truth = crawl_site.articles[0].truth()
    item = Article(url=truth["url"], title=truth["title"], published_at=truth["published_at"])
    assert article_from(json.loads(json.dumps(article_data(item)))) == item
