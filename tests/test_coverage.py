"""The coverage ledger (storage/coverage.py): no run leaves a hole that the next night
does not fill, whatever limited it or failed in it (issue #13, item 1).

Every crawl is `warta crawl` against the replica over real HTTP; what should be
in the archive is counted from the replica's own truth (`site.articles`), never
from page markup.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from replica.faults import parse_fault
from replica.generator import build_site
from replica.server import ReplicaServer
from storage.archive import Archive
from tests.conftest import REPO, run_warta

FAST_RETRIES = ("-s", "WARTA_RETRY_BACKOFF=0.05")


def crawl(server, db, *args: str):
    result = run_warta("crawl", "--replica", server.base_url, "--progress", "0", *args, db=db)
    # no traceback through our code (Twisted may log its own timer races on a busy machine)
    ours = [
        line
        for line in result.stderr.splitlines()
        if f'File "{REPO}/' in line and "/.venv/" not in line
    ]
    assert ours == [], result.stderr
    return result


def held(db, expected: set[str]) -> str:
    """'N of M replica articles archived', for an assertion's message."""
    return f"{len(archived(db) & expected)} of {len(expected)} replica articles archived"


def archived(db) -> set[str]:
    with Archive(db, readonly=True) as archive:
        return {row[0] for row in archive.conn.execute("SELECT url FROM articles")}


def truth(site, *sources: str) -> set[str]:
    return {a.url for a in site.articles if not sources or a.source in sources}


def coverage(db, *args: str) -> tuple[int, list[dict]]:
    """(exit code, holes); checked by the caller after the crawls, so that a warta without
    the command still shows what its crawls archived."""
    result = run_warta("coverage", "--format", "json", *args, db=db)
    if result.returncode not in (0, 1):
        return result.returncode, [result.stderr]
    return result.returncode, json.loads(result.stdout)


def statuses(db, runs: int) -> dict[str, str]:
    with Archive(db, readonly=True) as archive:
        return {run["source"]: run["status"] for run in archive.runs.latest(limit=runs)}


# --- runs that walk less than a night: limited, sectioned, windowed ------------------------


def test_a_limited_run_leaves_no_hole_after_the_next_night(crawl_server, crawl_site, tmp_path):
    db = tmp_path / "warta.db"
    assert crawl(crawl_server, db, "--limit", "3").returncode == 0
    code_after_limit, holes_after_limit = coverage(db)
    assert crawl(crawl_server, db).returncode == 0
    assert archived(db) == truth(crawl_site), held(db, truth(crawl_site))
    # the limited run's holes were shown, with listed > archived, and the night filled them
    assert code_after_limit == 1
    assert {hole["source"] for hole in holes_after_limit} == {a.source for a in crawl_site.articles}
    assert any(h["listed"] and h["archived"] < h["listed"] for h in holes_after_limit)
    assert coverage(db) == (0, [])
    text = run_warta("coverage", db=db)
    assert text.returncode == 0 and "no holes" in text.stdout


def test_a_sectioned_run_leaves_no_hole_after_the_next_night(crawl_server, crawl_site, tmp_path):
    db = tmp_path / "warta.db"
    sources = ("tribunjogja", "harianjogja")
    assert crawl(crawl_server, db, *sources, "--section", "sleman").returncode == 0
    _, holes = coverage(db, "harianjogja")
    assert crawl(crawl_server, db, *sources).returncode == 0
    assert archived(db) == truth(crawl_site, *sources), held(db, truth(crawl_site, *sources))
    # the sitemap's days listed other sections' articles the sectioned run did not keep
    assert holes and all(h["source"] == "harianjogja" for h in holes)
    assert coverage(db) == (0, [])


def test_a_windowed_run_leaves_no_hole_after_the_next_night(crawl_server, crawl_site, tmp_path):
    db = tmp_path / "warta.db"
    last = crawl_site.last_day
    window = ("--since", str(last - timedelta(days=1)), "--until", str(last))
    assert crawl(crawl_server, db, *window).returncode == 0
    in_window = archived(db)
    assert crawl(crawl_server, db).returncode == 0
    assert in_window and in_window < truth(crawl_site)
    assert archived(db) == truth(crawl_site), held(db, truth(crawl_site))
    assert coverage(db) == (0, [])


def test_a_hole_older_than_the_next_window_is_still_filled(kompas_server, tmp_path):
    """The next night's window starts a day later; the limited run's holes on the day
    that left it are filled all the same (a night walks back to its oldest hole)."""
    db = tmp_path / "warta.db"
    night0 = kompas_server.site
    night1 = build_site(articles=80, seed=7, syndication=False, night=1)
    sources = sorted({a.source for a in night0.articles})  # no Tribun Jateng on this site
    try:
        assert crawl(kompas_server, db, *sources, "--limit", "3").returncode == 0
        kompas_server.site = night1
        assert crawl(kompas_server, db, *sources).returncode == 0
    finally:
        kompas_server.site = night0
    assert night0.first_day < night1.now.date() - timedelta(days=7)  # outside the window
    assert archived(db) == truth(night1), held(db, truth(night1))
    assert coverage(db) == (0, [])


# --- listing pages that fail for a night ------------------------------------------------------

FAILING = {
    # a Tribun section hub's second page, a Kompas index day, a Harian Jogja sitemap day: each
    # fails four times (the first try and three retries), then recovers
    "tribunjogja": "5xx:jogja.tribunnews.com/sleman?page=2*:times=4",
    "kompasregional": "5xx:indeks.kompas.com/?site=regional&date=2025-11-05*:times=4",
    "harianjogja": "5xx:jogjapolitan.harianjogja.com/sitemap-news-2025-11-05.xml*:times=4",
}


@pytest.fixture(scope="module")
def failing_listings(tmp_path_factory):
    """Night 1 with FAILING on, then a normal night 2 on the same (recovered) replica."""
    site = build_site(articles=300, seed=1, syndication=False)
    db = tmp_path_factory.mktemp("failing") / "warta.db"
    faults = [parse_fault(spec) for spec in FAILING.values()]
    with ReplicaServer(site, faults=faults) as server:
        first = crawl(server, db, *FAILING, *FAST_RETRIES)
        night1 = {
            "archived": archived(db),
            "statuses": statuses(db, 3),
            "coverage": coverage(db),
            "health": json.loads(run_warta("health", "--format", "json", db=db).stdout),
        }
        server.requests.clear()
        second = crawl(server, db, *FAILING, *FAST_RETRIES)
        requests = list(server.requests)
    return site, db, first, night1, second, requests


def test_a_failed_listing_page_loses_nothing_after_the_next_night(failing_listings):
    site, db, first, night1, second, _ = failing_listings
    assert first.returncode == 1  # degraded: the listings failed
    assert set(night1["statuses"].values()) == {"degraded"}
    assert night1["archived"] < truth(site, *FAILING)
    assert second.returncode == 0, second.stdout + second.stderr
    assert archived(db) == truth(site, *FAILING), held(db, truth(site, *FAILING))
    assert statuses(db, 3) == dict.fromkeys(FAILING, "ok")


def test_coverage_shows_the_failed_listings_until_they_are_repaired(failing_listings):
    site, db, _, night1, _, _ = failing_listings
    code, holes = night1["coverage"]
    assert code == 1
    failed = {url for hole in holes for url in hole["failed_urls"]}
    assert failed == {
        "https://jogja.tribunnews.com/sleman?page=2",
        "https://indeks.kompas.com/?site=regional&date=2025-11-05&page=1",
        "https://jogjapolitan.harianjogja.com/sitemap-news-2025-11-05.xml",
    }
    kompas = [h for h in holes if h["source"] == "kompasregional"]
    assert [h["day"] for h in kompas] == ["2025-11-05"]
    sleman = [h for h in holes if h["source"] == "tribunjogja" and h["section"] == "sleman"]
    assert sleman and not any(h["walked"] for h in sleman)  # the days below the failed page
    # a hole the night has not passed over yet does not make the source degraded
    assert not any("coverage" in r for h in night1["health"] for r in h["reasons"])
    assert coverage(db) == (0, [])


def test_failed_listings_are_retried_first(failing_listings):
    *_, requests = failing_listings
    listings = [t for h, t in requests if h == "indeks.kompas.com" and t != "/robots.txt"]
    assert listings[0] == "/?site=regional&date=2025-11-05&page=1"
    sitemaps = [t for h, t in requests if h.startswith("jogjapolitan") and "sitemap-news" in t]
    assert sitemaps[0] == "/sitemap-news-2025-11-05.xml"


# --- failing listings, health -----------------------------------------------------------------


@pytest.fixture(scope="module")
def kompas_server():
    with ReplicaServer(build_site(articles=80, seed=7, syndication=False)) as server:
        yield server


def test_a_run_whose_every_listing_fails_is_failed(kompas_server, tmp_path):
    db = tmp_path / "warta.db"
    kompas_server.faults = [parse_fault("5xx:indeks.kompas.com/*")]
    try:
        result = crawl(kompas_server, db, "kompasregional", "-s", "RETRY_TIMES=0")
    finally:
        kompas_server.faults = []
    assert result.returncode == 1
    with Archive(db, readonly=True) as archive:
        run = archive.runs.latest(limit=1)[0]
    assert run["status"] == "failed" and "every listing page failed" in run["message"]


def test_health_degrades_on_a_hole_a_night_did_not_repair(kompas_server, tmp_path):
    db = tmp_path / "warta.db"

    def hole_reasons() -> list[str]:
        result = run_warta("health", "--sources", "sources.toml", "--format", "json", db=db)
        kompas = next(h for h in json.loads(result.stdout) if h["source"] == "kompasregional")
        return [r for r in kompas["reasons"] if "coverage" in r]

    kompas_server.faults = [parse_fault("5xx:indeks.kompas.com/?site=regional&date=2025-11-05*")]
    try:
        crawl(kompas_server, db, "kompasregional", "-s", "RETRY_TIMES=0")
        fresh = hole_reasons()
        crawl(kompas_server, db, "kompasregional", "-s", "RETRY_TIMES=0")
        stale = hole_reasons()
    finally:
        kompas_server.faults = []
    assert crawl(kompas_server, db, "kompasregional").returncode == 0
    assert fresh == []  # one night old: the next night may still repair it
    assert len(stale) == 1 and "2025-11-05" in stale[0]
    assert hole_reasons() == []
    assert coverage(db, "kompasregional") == (0, [])


def test_coverage_bad_input_is_one_line(tmp_path):
    import sqlite3

    from storage.schema import MIGRATIONS, _apply

    old = tmp_path / "old.db"  # an archive from before the ledger (schema 8)
    conn = sqlite3.connect(old, isolation_level=None)
    for version, migration in enumerate(MIGRATIONS[:8], start=1):
        _apply(conn, migration, version)
    conn.close()
    cases = {
        ("nosuch",): "unknown source 'nosuch'",
        ("--from", "2025-13-01"): "--from: expected a date like 2025-11-07",
        ("--from", "2025-11-07", "--to", "2025-11-01"): "--from 2025-11-07 is after --to",
        (): "has no coverage ledger yet",
    }
    for args, message in cases.items():
        result = run_warta("coverage", *args, db=old)
        assert result.returncode != 0 and result.stdout == "", args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, result.stderr)
    assert sqlite3.connect(old).execute("PRAGMA user_version").fetchone()[0] == 8
