"""`warta crawl` options against the replica: section, limit, a backfill window."""

from __future__ import annotations

from datetime import date

from storage.archive import Archive
from tests.conftest import run_warta


def archived(db) -> list[dict]:
    with Archive(db, readonly=True) as archive:
        return archive.articles()


def test_section_crawls_only_that_section(tmp_path, crawl_server, crawl_site):
    db = tmp_path / "warta.db"
    result = run_warta(
        "crawl", "tribunjogja", "--section", "sleman", "--replica", crawl_server.base_url, db=db
    )
    assert result.returncode == 0, result.stderr
    expected = {
        a.url for a in crawl_site.articles if a.source == "tribunjogja" and a.section == "sleman"
    }
    assert expected and {r["url"] for r in archived(db)} == expected


def test_limit_caps_the_articles_fetched(tmp_path, crawl_server):
    db = tmp_path / "warta.db"
    result = run_warta(
        "crawl", "harianjogja", "--limit", "4", "--replica", crawl_server.base_url, db=db
    )
    assert result.returncode == 0, result.stderr
    assert len(archived(db)) == 4


def test_since_until_backfills_exactly_those_days(tmp_path, crawl_server, crawl_site):
    db = tmp_path / "warta.db"
    days = (date(2025, 11, 4), date(2025, 11, 5))
    for source in ("kompasregional", "harianjogja", "tribunjogja"):
        result = run_warta(
            "crawl",
            source,
            "--since",
            days[0].isoformat(),
            "--until",
            days[1].isoformat(),
            "--replica",
            crawl_server.base_url,
            db=db,
        )
        assert result.returncode == 0, result.stderr
    expected = {
        a.url
        for a in crawl_site.articles
        if a.source in ("kompasregional", "harianjogja", "tribunjogja")
        and days[0] <= a.published_at.date() <= days[1]
    }
    assert expected and {r["url"] for r in archived(db)} == expected


def test_unreachable_replica_is_a_one_line_error(tmp_path):
    result = run_warta(
        "crawl", "harianjogja", "--replica", "http://127.0.0.1:9", db=tmp_path / "w.db"
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "no replica answering" in result.stderr
