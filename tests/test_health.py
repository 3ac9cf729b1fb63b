"""Source health from crawl runs and extraction provenance."""

from __future__ import annotations

import pytest

from storage.archive import Archive, body_hash
from storage.health import source_health, worst


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "warta.db") as opened:
        yield opened


def record_run(archive, status="ok", new=5, pages=20, errors=0, articles=(), layer="rule:tribun@1"):
    run_id = archive.runs.start("tribunjogja")
    for n in articles:
        body = f"Isi berita nomor {n} yang cukup panjang untuk diarsipkan dengan benar."
        archive.store(
            {
                "url": f"https://jogja.tribunnews.com/2025/11/07/a{n}",
                "source": "tribunjogja",
                "title": f"Berita {n}",
                "body": body,
                "body_hash": body_hash(body),
                "extraction": {"body": layer},
            }
        )
    archive.flush()
    archive.runs.finish(run_id, status, {"articles_new": new, "pages": pages, "errors": errors})


def test_never_crawled_is_failing(archive):
    health = source_health(archive, "tribunjogja")
    assert health.status == "failing" and health.reasons == ["never crawled"]


def test_usual_runs_are_ok(archive):
    for night in range(3):
        record_run(archive, articles=[night])
    health = source_health(archive, "tribunjogja")
    assert health.status == "ok", health.reasons
    assert health.usual_new_articles == 5 and health.fallback_share == 0


def test_zero_new_articles_when_usually_some_is_degraded(archive):
    record_run(archive)
    record_run(archive, new=0)
    assert source_health(archive, "tribunjogja").status == "degraded"


def test_layout_change_shows_as_fallback_share(archive):
    record_run(archive, articles=[1])
    archive.conn.execute("UPDATE articles SET last_seen_at = '2025-11-01T00:00:00Z'")  # last night
    record_run(archive, articles=[2, 3, 4], layer="generic")
    health = source_health(archive, "tribunjogja")
    assert health.status == "degraded"
    assert health.fallback_share == 1.0
    assert "layout" in health.reasons[0]


def test_failed_last_run_is_failing_and_worst_wins(archive):
    record_run(archive)
    record_run(archive, status="failed")
    failing = source_health(archive, "tribunjogja")
    assert failing.status == "failing"
    assert worst([failing, source_health(archive, "tribunjogja")]) == "failing"


def test_high_error_rate_is_degraded(archive):
    record_run(archive, errors=5, pages=20)
    assert source_health(archive, "tribunjogja").status == "degraded"
