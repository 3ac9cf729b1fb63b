"""Night after night against the replica: incremental crawls, --refresh and revisions."""

from __future__ import annotations

import pytest

from benchmarks.incremental_night import classify
from crawler.sources import REPO_SOURCES, load_sources
from replica.generator import build_site
from replica.server import ReplicaServer
from storage.archive import Archive
from tests.conftest import run_warta

NEW, EDITS = 12, 4


@pytest.fixture(scope="module")
def nights():
    base = dict(articles=60, seed=5, new_per_night=NEW, edits_per_night=EDITS, syndication=True)
    return build_site(night=0, **base), build_site(night=1, **base)


@pytest.fixture(scope="module")
def second_night(tmp_path_factory, nights):
    night0, night1 = nights
    db = tmp_path_factory.mktemp("nights") / "warta.db"
    with ReplicaServer(night0) as server:
        first = run_warta("crawl", "--replica", server.base_url, db=db)
        assert first.returncode == 0, first.stderr
        server.site = night1
        server.requests.clear()
        second = run_warta("crawl", "--replica", server.base_url, db=db)
        assert second.returncode == 0, second.stderr
        requests = list(server.requests)
    return db, requests


def test_second_night_fetches_exactly_the_new_articles(second_night, nights):
    db, requests = second_night
    _, night1 = nights
    article_requests, listing_requests = classify(requests, night1)
    new_urls = set(night1.new_urls(0))
    assert len(new_urls) == NEW
    fetched = {target.split("?")[0] for target in article_requests}
    assert fetched == {"/" + url.split("/", 3)[3] for url in new_urls}
    # Each listing walk stops within two pages of the newest (today's page, then the page
    # where it meets known articles), plus the sitemap index.
    sources = load_sources(REPO_SOURCES)
    walks = sum(len(s.sections) if s.style == "section_hubs" else 1 for s in sources.values())
    assert len(listing_requests) <= 2 * walks + 1
    with Archive(db, readonly=True) as archive:
        assert archive.count() == len(night1.articles)
        latest = archive.runs.latest(limit=6)
    assert sum(r["articles_new"] for r in latest) == NEW


def test_refresh_keeps_revised_articles_old_versions(second_night, nights, tmp_path):
    import sqlite3

    db, _ = second_night
    _, night1 = nights
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with ReplicaServer(night1) as server:
        refreshed = run_warta("crawl", "--refresh", "--replica", server.base_url, db=copy)
        assert refreshed.returncode == 0, refreshed.stderr
        again = run_warta("crawl", "--refresh", "--replica", server.base_url, db=copy)
        assert again.returncode == 0, again.stderr
    edited = set(night1.edited_urls(1))
    assert len(edited) == EDITS
    truth = {a.url: a.truth() for a in night1.articles}
    with Archive(copy, readonly=True) as archive:
        versioned = {
            r["url"]
            for r in archive.db.query(
                "SELECT DISTINCT a.url FROM article_versions v "
                "JOIN articles a ON a.id = v.article_id"
            )
        }
        rows = {r["url"]: r for r in archive.articles()}
        one = archive.versions(archive.article_id_for(sorted(edited)[0]))
    assert versioned == edited  # unchanged re-crawls (and the second refresh) add nothing
    for url in edited:
        assert rows[url]["title"] == truth[url]["title"]
        assert rows[url]["body"] == truth[url]["body"]
    assert len(one) == 2 and one[0]["reason"] == "recrawl"
    assert one[0]["fetched_at"] < one[1]["fetched_at"]
    assert one[0]["body"] != one[1]["body"] or one[0]["title"] != one[1]["title"]


def test_history_prints_versions_with_a_diff(second_night, nights, tmp_path):
    import sqlite3

    db, _ = second_night
    _, night1 = nights
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    url = sorted(night1.edited_urls(1))[0]
    with ReplicaServer(night1) as server:
        refreshed = run_warta("crawl", "--refresh", "--replica", server.base_url, db=copy)
        assert refreshed.returncode == 0, refreshed.stderr
    history = run_warta("history", url, db=copy)
    assert history.returncode == 0, history.stderr
    assert "version 1" in history.stdout and "version 2" in history.stdout
    assert "\n+" in history.stdout and "\n-" in history.stdout
    missing = run_warta("history", "https://jogja.tribunnews.com/none", db=copy)
    assert missing.returncode != 0 and "not in the archive" in missing.stderr
