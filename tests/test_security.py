"""Security, by behaviour: search text and filters are data, never SQL; the web view
cannot write; a crawl fetches only its sources' domains; nothing is written outside the
data directory."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from crawler.sources import REPO_SOURCES, load_sources
from storage.archive import Archive
from storage.query import Filters, Query
from storage.search import SearchError
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process
from tests.test_archive import row

INJECTIONS = [
    "'; DROP TABLE articles; --",
    '" OR 1=1',
    "x' OR '1'='1",
    "') OR 1=1 --",
    "1; DELETE FROM articles",
    "kemarau\x00' OR 1=1 --",
    "*/ OR 1=1 /*",
]


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("security") / "warta.db"
    with Archive(db) as archive:
        for number in range(5):
            archive.store(
                row(
                    url=f"https://a.example/{number}",
                    body=f"Banjir melanda Sleman, laporan nomor {number} hari ini.",
                )
            )
    return db


def state(db: Path) -> tuple:
    """What must not change: the file's bytes, its schema and its rows."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        rows = conn.execute("SELECT id, url, title, body FROM articles ORDER BY id").fetchall()
    finally:
        conn.close()
    return db.read_bytes(), schema, rows


# -- search text and filters are bound parameters ----------------------------------------


@pytest.mark.parametrize("text", INJECTIONS)
def test_sql_in_the_query_is_a_query_not_sql(archive_db, text):
    before = state(archive_db)
    with Archive(archive_db, readonly=True) as archive:
        try:
            hits = archive.search(Query(text), limit=100)
        except SearchError as error:  # FTS5 could not parse it: a one-line explanation
            assert "\n" not in str(error)
        else:
            assert len(hits) < 5  # `OR 1=1` spliced into SQL would return every article
    assert state(archive_db) == before


@pytest.mark.parametrize("text", INJECTIONS)
@pytest.mark.parametrize("field", ["sources", "sections", "authors", "tags", "locations"])
def test_sql_in_a_filter_matches_nothing(archive_db, field, text):
    before = state(archive_db)
    with Archive(archive_db, readonly=True) as archive:
        filters = Filters(**{field: [text]})
        assert archive.count(Query("banjir")) == 5
        assert archive.count(Query("banjir", filters)) == 0
        assert archive.search(Query("banjir", filters)) == []
    assert state(archive_db) == before


@pytest.mark.parametrize("text", INJECTIONS)
def test_sql_through_the_cli(archive_db, text):
    from warta.cli import main

    before = state(archive_db)
    for args in (
        ["search", text],
        ["search", "banjir", "--count", "--section", text],
        ["search", "banjir", "--count", "--author", text, "--tag", text, "--location", text],
        ["search", "banjir", "--source", text],
        ["export", text, "--output", "-", "--format", "jsonl"],
        ["export", "banjir", "--output", "-", "--format", "jsonl", "--section", text],
        ["stats", text],
        ["history", text],
        ["reparse", "--source", text],
    ):
        result = CliRunner().invoke(main, [*args, "--db", str(archive_db)])
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        if result.exit_code == 0:  # treated as data: no hits
            out = result.stdout.strip()
            assert out in ("0", "no matches", "") or out.startswith("0 articles"), (args, out)
        else:  # or a one-line explanation
            assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
    assert state(archive_db) == before


# -- the web view is read-only ---------------------------------------------------------------

WRITES = [
    "DELETE FROM articles",
    "UPDATE articles SET title = 'x'",
    "DROP TABLE articles",
    "INSERT INTO articles (url) VALUES ('x')",
    "WITH x AS (SELECT 1) DELETE FROM articles",
    "SELECT 1; DELETE FROM articles",
    "PRAGMA user_version = 0",
    "PRAGMA query_only = 0",
    "ATTACH DATABASE '{evil}' AS evil",
    "VACUUM INTO '{evil}'",
    "SELECT load_extension('/tmp/nothing')",
    "CREATE TABLE evil (x)",
]


def test_the_web_view_refuses_every_write(archive_db, tmp_path):
    from warta.web import build_datasette

    evil = tmp_path / "evil.db"
    datasette = build_datasette(archive_db, load_sources(REPO_SOURCES))
    before = state(archive_db)
    canned = datasette.metadata("queries", database="warta") or {}
    assert canned and not any(query.get("write") for query in canned.values())

    async def attempts() -> list[tuple[str, int, str]]:
        await datasette.invoke_startup()
        answers = []
        for sql in WRITES:
            sql = sql.format(evil=evil)
            response = await datasette.client.get(f"/warta.json?sql={quote(sql)}")
            answers.append((sql, response.status_code, response.text))
        for path in (
            "/warta/articles/-/insert",
            "/warta/-/create",
            "/warta/articles/1/-/delete",
            "/warta/articles/-/drop",
            "/warta/search",
            "/warta",
        ):
            response = await datasette.client.post(path, json={"row": {"url": "x"}, "sql": "x"})
            answers.append((f"POST {path}", response.status_code, response.text))
        return answers

    for what, status, body in asyncio.run(attempts()):
        assert status >= 400 or '"ok": false' in body, (what, status, body[:300])
    assert state(archive_db) == before
    assert not evil.exists()


# -- a crawl fetches only its sources' domains ------------------------------------------------


@pytest.fixture(scope="module")
def own_replica():
    from replica.generator import build_site
    from replica.server import ReplicaServer

    with ReplicaServer(build_site(articles=20, seed=3)) as server:
        yield server


def greedy_kompas_config(folder: Path) -> Path:
    """Kompas with `item_links` matching every link of its index pages: the outlet's own
    www.kompas.com navigation included, which is not one of the source's domains."""
    text = REPO_SOURCES.read_text(encoding="utf-8").replace(
        'item_links = "div.articleItem a.article-link::attr(href)"',
        'item_links = "a::attr(href)"',
    )
    path = folder / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_crawl_never_leaves_its_domains(own_replica, tmp_path):
    config = greedy_kompas_config(tmp_path)
    own_replica.requests.clear()
    crawl = run_warta(
        "crawl", "kompasregional", "--sources", str(config), "--replica", own_replica.base_url,
        "--limit", "30", db=tmp_path / "w.db", timeout=120,
    )  # fmt: skip
    # its own section pages are not articles (404 as articles): a degraded run, exit 1
    assert crawl.returncode in (0, 1) and "Traceback" not in crawl.stderr, crawl.stderr
    requested = list(own_replica.requests)
    hosts = {host for host, _target in requested}
    allowed = set(load_sources(config)["kompasregional"].domains)
    assert hosts <= allowed | {own_replica.host}, sorted(hosts - allowed)
    assert any("/read/" in target for _host, target in requested)  # it did crawl articles
    # and the listings it read did offer links elsewhere, which it did not follow
    from replica.routes import route

    index = next(t for h, t in requested if h == "indeks.kompas.com" and "date=" in t)
    listing = route(own_replica.site, "indeks.kompas.com", index).body.decode()
    assert 'href="https://www.kompas.com/' in listing


def test_extract_fetches_nothing(own_replica, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Judul</h1><p>Isi berita.</p></body></html>")
    own_replica.requests.clear()
    url = f"{own_replica.base_url}/2025/11/07/judul"  # a live server: it would see a fetch
    result = warta_in_process("extract", str(page), "--url", url)
    assert result.returncode == 0, result.stderr
    assert list(own_replica.requests) == []


def test_crawl_takes_source_ids_not_urls(own_replica, tmp_path):
    own_replica.requests.clear()
    target = f"{own_replica.base_url}/2025/11/07/judul"
    result = run_warta("crawl", target, "--replica", own_replica.base_url, db=tmp_path / "w.db")
    assert result.returncode != 0 and "unknown source" in result.stderr
    assert list(own_replica.requests) == []
    assert not (tmp_path / "w.db").exists()


# -- nothing written outside the data directory ---------------------------------------------


def test_nothing_is_written_outside_the_data_directory(own_replica, tmp_path):
    cwd, home, temp, data = (tmp_path / name for name in ("cwd", "home", "tmp", "data"))
    for folder in (cwd, home, temp, data):
        folder.mkdir()
    repo_before = set(os.listdir(REPO))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WARTA_", "SCRAPY_"))},
        "HOME": str(home),
        "TMPDIR": str(temp),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONPATH": str(REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    db = data / "warta.db"
    for args in (
        ["crawl", "tribunjogja", "kompasregional", "--replica", own_replica.base_url, "-v"],
        ["scheduler", "--list"],
        ["export", "banjir", "--output", "-"],
        ["stats"],
        ["reparse"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "warta", *args, "--db", str(db)],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert result.returncode in (0, 1, 2), (args, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, (args, result.stderr[-2000:])
    assert list(cwd.iterdir()) == []
    assert list(home.iterdir()) == []
    assert list(temp.iterdir()) == []
    written = sorted(path.name for path in data.iterdir())
    # warta.warc/: the crawl's WARC files, beside the archive (#15)
    allowed = {"warta.db", "warta.db-wal", "warta.db-shm", "warta.db.jobs.db", "warta.warc"}
    allowed.add("warta.db-checked")  # the file as a writer that knew it intact left it
    assert set(written) <= allowed
    assert "warta.db" in written
    new_in_repo = set(os.listdir(REPO)) - repo_before  # other tests may run alongside
    assert not {n for n in new_in_repo if n.startswith((".scrapy", "warta", "httpcache"))}
    shutil.rmtree(data)
