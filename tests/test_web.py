"""`warta serve` in a real headless browser: the replica crawled into an archive, served by
Datasette in a subprocess, and used the way a researcher would (Debian's chromium via
Playwright; no downloaded browsers).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from crawler.sources import load_sources
from storage.archive import Archive
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process

SEED_TITLE = "Pemkot Magelang Gelar Retreat Diikuti Puluhan Pejabat ASN"
SEED_URL = "https://jogja.tribunnews.com/2025/11/07/pemkot-magelang-gelar-retreat-diikuti-puluhan-pejabat-asn"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory, crawl_server) -> Path:
    db = tmp_path_factory.mktemp("web") / "warta.db"
    crawl = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    return db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(archive, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [sys.executable, "-m", "warta", "serve", "--db", str(archive), "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/-/versions.json", process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"warta serve exited:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"warta serve did not answer in {timeout}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def query(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_missing_archive_is_a_one_line_error(tmp_path):
    result = warta_in_process("serve", "--port", "1", db=tmp_path / "none.db")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "archive not found" in result.stderr and "Traceback" not in result.stderr


def test_exact_search_and_column_descriptions(page, server):
    page.goto(f"{server}/warta/articles")
    page.click("details.warta-columns summary")
    descriptions = page.locator("dl.column-descriptions").inner_text()
    assert "ISO-8601 UTC ending in Z" in descriptions
    assert "published_tz" in descriptions and "+07:00" in descriptions
    page.fill("input[name=_search]", "retreat Magelang")
    page.press("input[name=_search]", "Enter")
    page.wait_for_url("**_search=retreat*")
    assert page.get_by_role("link", name=SEED_URL).count() == 1
    assert SEED_TITLE in page.locator("table.rows-and-columns").inner_text()
    # the huge body column is left out of the list, but not out of its CSV export
    assert page.locator("th.col-body").count() == 0
    csv_link = page.locator(".export-links a", has_text="CSV").get_attribute("href")
    header = page.request.get(server + csv_link).text().splitlines()[0]
    assert "body" in header.split(",")
    shot = os.environ.get("WARTA_WEB_SCREENSHOT")
    if shot:
        page.screenshot(path=shot, full_page=False)


def test_stemmed_search_finds_inflected_words_and_links_the_archived_copy(page, server, archive):
    page.goto(f"{server}/warta/search")
    page.fill("input[name=q]", "pelayanan")
    page.click("input[type=submit]")
    page.wait_for_url("**q=pelayanan*")
    results = page.locator("table.rows-and-columns")
    assert SEED_TITLE in results.inner_text()
    assert page.locator("td.col-snippet mark").count() > 0
    stemmed = {int(t.split("#")[1]) for t in page.locator("a.warta-archived").all_inner_texts()}
    exact = {
        r[0]
        for r in query(
            archive, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'pelayanan'"
        )
    }
    assert exact < stemmed  # every exact hit, and articles saying only melayani/layanan/...
    only_stemmed = ", ".join(str(i) for i in stemmed - exact)
    words = {
        word
        for (text,) in query(
            archive, f"SELECT body || ' ' || title FROM articles WHERE id IN ({only_stemmed})"
        )
        for word in re.findall(r"\w+", text.lower())
    }
    assert words & {"melayani", "dilayani", "layanan", "layani"}

    seed_id = query(archive, "SELECT id FROM articles WHERE url = ?", [SEED_URL])[0][0]
    page.click(f"a.warta-archived:text-is('archived #{seed_id}')")
    page.wait_for_url(f"**/warta/articles/{seed_id}")
    assert "dilayani" in page.locator("dd.col-body").inner_text()
    original = page.locator("a.warta-original").first
    assert original.get_attribute("href") == SEED_URL


def test_stemmed_search_filters(page, server):
    page.goto(f"{server}/warta/search?q=pelayanan&source=detikjogja")
    sources = set(page.locator("td.col-source").all_inner_texts())
    assert sources <= {"detikjogja"}
    page.goto(f"{server}/warta/search?q=pelayanan&source=tribunjogja&from=2025-11-07&to=2025-11-07")
    assert SEED_TITLE in page.locator("table.rows-and-columns").inner_text()
    page.goto(f"{server}/warta/search?q=pelayanan&from=2030-01-01")
    assert page.locator("td.col-title").count() == 0


def test_source_facet_count_matches_the_archive(page, server, archive):
    page.goto(f"{server}/warta/articles")
    page.click("#facet-source a:text-is('tribunjogja')")
    page.wait_for_url("**source=tribunjogja*")
    (expected,) = query(archive, "SELECT count(*) FROM articles WHERE source = 'tribunjogja'")[0]
    assert page.locator("h3").first.inner_text().startswith(f"{expected} rows")
    for facet in ("section", "authors", "tags", "published_date_wib"):
        assert page.locator(f"#facet-{facet}").count() == 1


def test_bookkeeping_tables_are_hidden(server):
    """Tables the crawler keeps for itself are not offered as research data."""
    with urllib.request.urlopen(f"{server}/warta.json") as response:
        tables = {table["name"]: table for table in json.load(response)["tables"]}
    for name in (
        "crawl_locks",
        "minhash_signatures",
        "minhash_bands",
        "minhash_bands_recent",
        "warc_captures",
    ):
        assert tables[name]["hidden"], name
    assert not tables["articles"]["hidden"]


def test_publication_day_facet_counts_wib_days(server, archive):
    with urllib.request.urlopen(f"{server}/warta/articles.json?_size=0") as response:
        facets = json.load(response)["facet_results"]
    facet = facets.get("published_date_wib") or facets["results"]["published_date_wib"]
    shown = {item["value"]: item["count"] for item in facet["results"]}
    wib = dict(
        query(
            archive,
            "SELECT date(published_at, '+7 hours') AS d, count(*) FROM articles "
            "WHERE published_at IS NOT NULL GROUP BY d",
        )
    )
    utc = dict(query(archive, "SELECT date(published_at), count(*) FROM articles GROUP BY 1"))
    assert wib != utc, "the replica publishes late in the evening too: the days differ"
    assert {day: shown[day] for day in shown} == {day: wib[day] for day in shown}
    assert len(shown) == min(len(wib), 30)  # Datasette shows 30 facet values at most


def test_canned_queries_run(page, server, archive):
    seed_id = query(archive, "SELECT id FROM articles WHERE url = ?", [SEED_URL])[0][0]
    for path in (
        "articles_per_day",
        f"copies?article_id={seed_id}",
        f"revisions?article_id={seed_id}",
        "recent_runs",
    ):
        page.goto(f"{server}/warta/{path}")
        assert page.locator("table.rows-and-columns tbody tr").count() > 0, path
    assert page.locator("td.col-source").first.inner_text() in load_sources()


def test_raw_html_is_not_dumped(page, server):
    page.goto(f"{server}/warta/raw_pages")
    assert page.locator("th.col-html").count() == 0
    assert page.locator("td.col-status").count() > 0
    assert "<html" not in page.content().split("<body", 1)[1]


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM articles",
        "WITH x AS (SELECT 1) DELETE FROM articles",
        "UPDATE articles SET title = 'x'",
    ],
)
def test_writes_are_refused(page, server, archive, sql):
    before = query(archive, "SELECT count(*), min(title) FROM articles")
    page.goto(f"{server}/warta?sql={urllib.parse.quote(sql)}")
    text = page.locator("body").inner_text()
    # Datasette refuses anything but a SELECT; a write hidden in one hits the read-only file
    assert "Statement must be a SELECT" in text or "attempt to write a readonly database" in text
    assert query(archive, "SELECT count(*), min(title) FROM articles") == before


def test_sees_what_a_crawl_writes_while_serving(page, server, archive):
    # The archive is served live (not immutable): a nightly crawl writes while researchers read.
    page.goto(f"{server}/warta/recent_runs")
    with Archive(archive) as writer:
        run_id = writer.runs.start("tribunjogja")
        writer.runs.finish(run_id, "ok", {"pages": 3}, "written while serving")
    page.goto(f"{server}/warta/recent_runs?source=tribunjogja")
    assert "written while serving" in page.locator("table.rows-and-columns").inner_text()


def test_even_datasettes_write_connection_cannot_write(archive):
    from warta.web import build_datasette

    database = build_datasette(archive, load_sources()).get_database("warta")
    # its own thread: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        attempt = pool.submit(asyncio.run, database.execute_write("DELETE FROM crawl_runs"))
        with pytest.raises(sqlite3.OperationalError, match="readonly|read-only"):
            attempt.result(timeout=30)
    assert query(archive, "SELECT count(*) FROM crawl_runs")[0][0] > 0


def test_canned_search_pages_through_every_hit(server, archive):
    def page_of(number: int) -> list[int]:
        params = urllib.parse.urlencode(
            {"q": "yang", "source": "", "from": "", "to": "", "page": number, "per_page": 25}
        )
        url = f"{server}/warta/search.json?{params}&_shape=array"
        with urllib.request.urlopen(url) as response:
            return [row["archived"] for row in json.load(response)]

    (matches,) = query(
        archive, "SELECT count(*) FROM articles_fts_stem WHERE articles_fts_stem MATCH 'yang'"
    )[0]
    pages = [page_of(n) for n in range(1, matches // 25 + 2)]
    assert [len(hits) for hits in pages[:-1]] == [25] * (len(pages) - 1) and len(pages) > 2
    every = [hit for hits in pages for hit in hits]
    assert len(every) == len(set(every)) == matches
