"""The storage API: Archive's one front door, Query, runs and locks, the column lists,
and the researcher guide's Python examples run against a real archive."""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import storage
from benchmarks.archive_builder import generated_rows
from benchmarks.search_latency import bare_where
from crawler.items import Article, FetchedPage
from storage import Archive, Filters, Query, RunStatus
from storage import columns as cols
from storage.search import fts_match
from tests.conftest import REPO

GUIDE = REPO / "docs" / "researcher-guide.md"
ARTICLES = 300


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real archive of generated articles with raw pages, two runs and a failed URL."""
    path = tmp_path_factory.mktemp("api") / "warta.db"
    with Archive(path) as archive:
        archive.claim_origin("replica")
        run_id = archive.runs.start("tribunjogja")
        for row in generated_rows(ARTICLES, seed=5):
            page = FetchedPage(
                row["url"], 200, {"content-type": "text/html"}, b"<html>x</html>", datetime.now(UTC)
            )
            archive.store(row, pages=[page])
        archive.runs.record_error(run_id, "tribunjogja", "http://x/broken", "http_error", "500")
        archive.runs.finish(run_id, RunStatus.DEGRADED, {"pages": ARTICLES, "errors": 1})
        archive.runs.start("harianjogja")  # never finished: its process (us) is alive
    return path


def test_public_names_are_exported() -> None:
    for name in ("Archive", "Query", "Filters", "RunStatus", "SearchError", "ArchiveError"):
        assert name in storage.__all__ and hasattr(storage, name)


def test_query_methods_select_what_plain_sql_says(small_archive: Path) -> None:
    """search, count, export, ids and stats of one Query against hand-written SQL."""
    filters = Filters(date_from=date(2025, 10, 20), date_to=date(2025, 11, 8))
    where, params = bare_where(filters)
    index, match = fts_match("warga")
    with Archive(small_archive, readonly=True) as archive:
        newest_first = [
            row[0]
            for row in archive.conn.execute(
                f"SELECT a.id FROM articles a WHERE a.id IN (SELECT rowid FROM {index} "
                f"WHERE {index} MATCH ?) AND {where} ORDER BY a.published_at DESC, a.id DESC",
                [match, *params],
            )
        ]
        (in_filters,) = archive.conn.execute(
            f"SELECT count(*) FROM articles a WHERE {where}", params
        ).fetchone()
        query = Query("warga", filters, sort="newest")
        hits = archive.search(query, limit=10)
        assert hits and [h.id for h in hits] == newest_first[:10]
        assert archive.count(query) == len(newest_first) > 10
        rows = list(archive.export_rows(query))
        assert [r["id"] for r in rows] == sorted(newest_first) == list(archive.article_ids(query))
        stored = {a["id"]: a for a in archive.articles(sorted(newest_first))}
        assert rows == [{c: stored[r["id"]][c] for c in cols.EXPORT_COLUMNS} for r in rows]
        stats = archive.stats(query, by="week")
        assert stats.total == len(rows) == sum(c["articles"] for c in stats.counts)
        assert archive.count(Query(filters=filters)) == in_filters > len(rows)
        assert archive.count() == ARTICLES


def test_query_refuses_an_unknown_sort() -> None:
    with pytest.raises(ValueError, match="unknown sort"):
        Query("banjir", sort="loudest")  # type: ignore[arg-type]


def test_typed_selectors_replace_sql_fragments(small_archive: Path) -> None:
    with Archive(small_archive, readonly=True) as archive:
        sources = archive.sources()
        assert sources == sorted({r["source"] for r in archive.articles()})
        assert archive.has_source(sources[0]) and not archive.has_source("no-such-outlet")
        counts = archive.source_counts()
        assert list(counts) == sources and len(sources) > 1
        assert counts == Counter(r["source"] for r in archive.articles())
        one = Query(filters=Filters(sources=[sources[0]]))
        ids = list(archive.article_ids(one))
        rows = archive.articles(ids)
        assert [r["id"] for r in rows] == ids and {r["source"] for r in rows} == {sources[0]}
        assert archive.article_by_url(rows[0]["url"])["id"] == ids[0]
        ((html, url),) = archive.latest_pages(ids[0])
        assert html == b"<html>x</html>" and url == rows[0]["url"]


def test_runs_read_and_fail_through_one_api(tmp_path: Path) -> None:
    with Archive(tmp_path / "runs.db") as archive:
        first = archive.runs.start("tribunjogja")
        assert archive.runs.exists(first) and not archive.runs.exists(first + 99)
        assert archive.runs.get(first)["status"] == RunStatus.RUNNING
        second = archive.runs.start("tribunjogja")
        # the holder of the lock closes the source's other running runs, naming their pid
        assert archive.runs.close_abandoned("tribunjogja", second) == 1
        closed = archive.runs.get(first)
        assert closed["status"] == RunStatus.FAILED
        assert closed["message"] == f"interrupted: crawl process {os.getpid()} died"
        assert archive.runs.previous_unfinished("tribunjogja")  # second is still running
        # a killed scheduler child that never recorded its run gets a failed one
        archive.runs.record_killed("harianjogja", 4242, "crawl exceeded its limit")
        (killed,) = [r for r in archive.runs.latest() if r["source"] == "harianjogja"]
        assert (killed["status"], killed["pid"]) == (RunStatus.FAILED, 4242)
        assert [r["id"] for r in archive.runs.with_ids([killed["id"], first])] == [
            first,
            killed["id"],
        ]
        assert archive.runs.with_ids([]) == []
        assert archive.runs.totals()["pages"] == 0 and set(archive.runs.totals()) >= {"errors"}
        with pytest.raises(ValueError):
            archive.runs.mark_failed("no run named")


def test_locks_are_one_api_with_the_fence(tmp_path: Path) -> None:
    with Archive(tmp_path / "locks.db") as archive:
        archive.locks.acquire("tribunjogja")
        assert archive.locks.holds("tribunjogja") and archive.locks.heartbeat("tribunjogja")
        assert archive.locks.fence() is archive.locks.fence()
        run_id = archive.runs.start("tribunjogja")
        archive.locks.set_run("tribunjogja", run_id)
        status = archive.locks.finish_run("tribunjogja", run_id, RunStatus.OK, {"pages": 2}, None)
        assert status == RunStatus.OK and archive.locks.holder_of("tribunjogja") is None
        assert archive.runs.get(run_id)["pages"] == 2
        assert archive.runs.totals()["pages"] == 2


def test_run_sql_lives_in_one_module() -> None:
    """crawl_runs, crawl_errors and crawl_locks are read and written in storage/runs.py only
    (the schema creates them; origin.py asks whether any crawl ever ran)."""
    allowed = {"storage/runs.py", "storage/schema.py", "storage/origin.py"}
    pattern = re.compile(r"(FROM|INTO|UPDATE|JOIN)\s+crawl_(runs|errors|locks)\b", re.I)
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("storage", "crawler", "pipelines", "benchmarks", "warta")
        for path in (REPO / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
        and str(path.relative_to(REPO)) not in allowed
    ]
    # the kill benchmark inspects the file on its own connection, independently of warta
    # (the web view's canned runs query is storage.runs.RECENT_RUNS_SQL)
    assert set(offenders) <= {"benchmarks/kill_stress.py"}, offenders


def test_no_sql_crosses_the_storage_api() -> None:
    """Outside storage/, nothing runs SQL on the archive's connection or builds filter SQL."""
    pattern = re.compile(r"\.conn\b|\.db\.(query|execute)\b|\bfilter_sql\b")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for folder in ("crawler", "pipelines", "benchmarks", "warta")
        for path in (REPO / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_column_lists_follow_the_article_item() -> None:
    names = [f.name for f in dataclasses.fields(Article)]
    stored = [n for n in names if n not in cols.NOT_STORED]
    assert list(cols.ARTICLE_FIELDS) == stored
    # every stored field is content except the key, and the derived columns follow theirs
    assert [c for c in cols.CONTENT_COLUMNS if c in names] == stored[1:]
    assert (
        cols.CONTENT_COLUMNS.index("published_tz") == cols.CONTENT_COLUMNS.index("published_at") + 1
    )
    assert set(cols.JSON_COLUMNS) == {"authors", "editors", "tags", "images", "extraction"}
    assert set(cols.EXPORT_COLUMNS) == {
        *cols.BOOKKEEPING_COLUMNS,
        *cols.ROW_COLUMNS,
    } - set(cols.NOT_EXPORTED) - {cols.EXTRACTION}


def test_every_column_list_names_real_columns(tmp_path: Path) -> None:
    with Archive(tmp_path / "cols.db"):
        pass
    conn = sqlite3.connect(tmp_path / "cols.db")
    articles = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
    versions = {row[1] for row in conn.execute("PRAGMA table_info(article_versions)")}
    conn.close()
    assert set(cols.ROW_COLUMNS) | set(cols.BOOKKEEPING_COLUMNS) == articles
    assert set(cols.CONTENT_COLUMNS) | {cols.EXTRACTION} <= versions
    assert set(cols.EXPORT_COLUMNS) <= articles


def guide_python() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def test_the_guide_shows_the_python_api() -> None:
    code = "\n".join(guide_python())
    for call in ("archive.search(", "archive.count(", "archive.export_rows(", "archive.stats("):
        assert call in code
    assert "archive.runs.latest(" in code and "archive.health(" in code


def test_every_guide_python_example_runs(
    small_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """In order, in one folder holding the archive as warta.db, as a reader would run them."""
    (tmp_path / "warta.db").write_bytes(small_archive.read_bytes())
    monkeypatch.chdir(tmp_path)
    blocks = guide_python()
    assert len(blocks) >= 8
    for block in blocks:
        exec(compile(block, str(GUIDE), "exec"), {"__name__": "guide"})
    assert (tmp_path / "banjir.parquet").exists()
    printed = capsys.readouterr().out
    assert "tribunjogja" in printed and "degraded" in printed


def test_export_columns_keep_the_documented_order() -> None:
    """Researchers' scripts read exports by position: the order the guide documents is the
    order derived from the Article item's fields (reordering the item would break it)."""
    text = " ".join(GUIDE.read_text(encoding="utf-8").split())
    listed = re.search(r"The columns, always in this order: (.*?) \(meanings", text)
    assert listed is not None
    assert re.findall(r"`(\w+)`", listed.group(1)) == list(cols.EXPORT_COLUMNS)
