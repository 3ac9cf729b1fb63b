"""`warta serve` under hostile queries: a real server process, queried over HTTP.

Each test is a denial of service reproduced against the web view before it was
bounded: warta's SQL functions ignoring the time limit (and quadratic), results
of any size held in memory, and a negative page size lifting the row cap.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from storage.archive import Archive
from tests.conftest import REPO
from tests.inprocess import warta_in_process
from tests.test_archive import row
from tests.test_web import free_port, wait_until_up

ARTICLES = 1100  # more than the canned search's 1,000-hit cap


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("web-limits") / "warta.db"
    with Archive(db) as archive:
        for number in range(ARTICLES):
            archive.store(
                row(
                    url=f"https://a.example/{number}",
                    body=f"Banjir melanda Sleman, laporan nomor {number} hari ini.",
                )
            )
    return db


@pytest.fixture(scope="module")
def server(archive_db, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [sys.executable, "-m", "warta", "serve", "--db", str(archive_db), "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/-/versions.json", process, log)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def get_json(url: str, timeout: float = 60) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def sql(base: str, query: str, timeout: float = 60) -> tuple[int, dict]:
    url = f"{base}/warta.json?" + urllib.parse.urlencode({"sql": query, "_shape": "objects"})
    return get_json(url, timeout)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # the peak: what the server needed at its worst
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


SLOW_STEM = "select length(warta_stem_query(replace(hex(zeroblob(90000)),'00','a ')))"


LETTER = "97 + abs(random()) % 26"


def junk_text(words: int) -> str:
    """SQL for a text of distinct made-up words: each new to the stemmer (about 1 ms each)."""
    return (
        f"with recursive n(i) as (select 1 union all select i + 1 from n where i < {words}) "
        f"select group_concat('me' || char({LETTER}, {LETTER}, {LETTER}, {LETTER}, {LETTER}) "
        "|| 'kan', ' ') from n"
    )


JUNK_TEXT = junk_text(100_000)  # 1.4 MB: 100 s of stemming


def test_a_huge_query_to_the_stemmer_is_a_quick_clear_error(server):
    base, _ = server
    started = time.monotonic()
    status, body = sql(base, SLOW_STEM)
    assert time.monotonic() - started < 10
    assert status == 400
    assert "query too long" in body["error"]


def test_warta_functions_stop_at_the_time_limit(server):
    base, _ = server
    query = f"select length(warta_snippet('banjir', ({JUNK_TEXT}), '', ''))"
    started = time.monotonic()
    status, body = sql(base, query, timeout=120)
    elapsed = time.monotonic() - started
    assert status == 400, body
    assert "time limit" in body["error"]
    assert elapsed < 5 + 4  # the 5 s limit, and a check every few dozen words


def test_warta_functions_refuse_a_text_beyond_their_cap(server):
    base, _ = server
    query = f"select length(warta_snippet('banjir', ({junk_text(200_000)}), '', ''))"
    status, body = sql(base, query)
    assert status == 400
    assert "warta_snippet: a text longer than" in body["error"]


def test_slow_queries_do_not_starve_a_quick_one(server):
    base, _ = server
    query = f"select length(warta_snippet('banjir', ({JUNK_TEXT}), '', ''))"
    with ThreadPoolExecutor(3) as pool:
        slow = [pool.submit(sql, base, query, 120) for _ in range(3)]
        time.sleep(0.5)
        started = time.monotonic()
        status, body = sql(base, "select 1 as one")
        quick = time.monotonic() - started
        for future in slow:
            future.result()
    assert status == 200 and body["rows"] == [{"one": 1}]
    assert quick < 12


def test_a_huge_value_is_refused_without_the_memory(server):
    base, process = server
    status, body = sql(base, "select hex(zeroblob(200000000)) as x")
    assert status == 400
    assert "too big" in body["error"]
    assert rss_kb(process.pid) < 400_000


def test_a_huge_result_is_refused_without_the_memory(server):
    base, process = server
    # each value is under the length limit; together they are 1000 x 16 MB
    query = (
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000) "
        "select hex(zeroblob(8000000)) as x from n"
    )
    status, body = sql(base, query, timeout=120)
    assert status == 400
    assert "result too large" in body["error"]
    assert rss_kb(process.pid) < 400_000


@pytest.mark.parametrize("per_page", ["-5", "0", "abc", "5000", ""])
def test_the_search_page_cap_holds_for_any_per_page(server, per_page):
    base, _ = server
    params = {"q": "banjir", "per_page": per_page, "source": "", "from": "", "to": "", "page": ""}
    params["_shape"] = "objects"
    status, body = get_json(f"{base}/warta/search.json?" + urllib.parse.urlencode(params))
    assert status == 200, body
    expected = 1000 if per_page == "5000" else 100
    assert len(body["rows"]) == expected


def test_a_sane_per_page_is_honoured(server):
    base, _ = server
    params = {"q": "banjir", "per_page": "7", "source": "", "from": "", "to": "", "page": "2"}
    status, body = get_json(
        f"{base}/warta/search.json?" + urllib.parse.urlencode({**params, "_shape": "objects"})
    )
    assert status == 200 and len(body["rows"]) == 7


def test_the_cli_refuses_a_huge_query_in_one_line(archive_db):
    query = " ".join(["banjir"] * 16_000)  # about 100 KB
    started = time.monotonic()
    result = warta_in_process("search", query, db=archive_db)
    assert time.monotonic() - started < 30
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "query too long" in lines[0], result.stderr
