"""Researcher exports and statistics, against a real crawl of the replica,
compared with the replica's truth; and the SQL examples of the researcher's guide.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from storage.archive import Archive, iso_utc
from storage.export import EXPORT_COLUMNS
from storage.query import Filters, Query
from storage.stats import period_range
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process

WIB = ZoneInfo("Asia/Jakarta")
GUIDE = REPO / "docs" / "researcher-guide.md"
# The filter the export tests use: one source over three WIB days.
SOURCE, FIRST, LAST = "tribunjogja", date(2025, 11, 4), date(2025, 11, 6)
FILTER_ARGS = ("--source", SOURCE, "--from", FIRST.isoformat(), "--to", LAST.isoformat())
PAGE_QUERY = "SELECT a.id, a.url"  # how export_rows' page queries start


def cli(*args: str, db) -> Result:
    """Run a warta command in this process (a subprocess costs a second of imports)."""
    from warta.cli import main

    result = CliRunner().invoke(main, [*args, "--db", str(db)])
    # a handled error exits through SystemExit; anything else would be a traceback
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory, crawl_server):
    db = tmp_path_factory.mktemp("research") / "warta.db"
    crawl = run_warta("crawl", "--replica", crawl_server.base_url, db=db)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    return db


@pytest.fixture(scope="module")
def truths(crawl_site):
    return [article.truth() for article in crawl_site.articles]


def wib_day(truth: dict) -> str:
    return truth["published_at"].astimezone(WIB).date().isoformat()


def expected(truth: dict) -> dict:
    """The export row the truth implies (id and seen times come from the crawl)."""
    modified = truth["modified_at"]
    return {
        "url": truth["url"],
        "source": truth["source"],
        "section": truth["section"],
        "title": truth["title"],
        "description": truth["description"],
        "summary": truth["summary"],
        "authors": truth["authors"],
        "editors": truth["editors"],
        "tags": truth["tags"],
        "published_at": iso_utc(truth["published_at"]),
        "published_tz": truth["published_at"].isoformat()[-6:],
        "modified_at": iso_utc(modified) if modified else None,
        "location": truth["location"],
        "body": truth["body"],
        "language": truth["language"],
    }


def in_filter(truth: dict) -> bool:
    return truth["source"] == SOURCE and FIRST.isoformat() <= wib_day(truth) <= LAST.isoformat()


def read_export(path, fmt: str) -> tuple[list[str], list[dict]]:
    """The column names and rows of an export file, lists as lists."""
    if fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return (list(rows[0]) if rows else []), rows
    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            rows = [_from_csv(row) for row in reader]
            return list(reader.fieldnames), rows
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return table.column_names, table.to_pylist()


def _from_csv(row: dict) -> dict:
    decoded = {k: (v if v != "" else None) for k, v in row.items()}
    for column in ("authors", "editors", "tags"):
        decoded[column] = row[column].split("; ") if row[column] else []
    decoded["id"] = int(row["id"])
    return decoded


# -- export ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_matches_the_truth(archive_db, truths, tmp_path, fmt):
    output = tmp_path / f"out.{fmt}"
    result = cli("export", "--format", fmt, "--output", str(output), *FILTER_ARGS, db=archive_db)
    assert result.exit_code == 0, result.stderr
    columns, rows = read_export(output, fmt)
    wanted = {t["url"]: expected(t) for t in truths if in_filter(t)}
    assert len(wanted) >= 5, "the filter should select a fair sample"
    assert columns == list(EXPORT_COLUMNS)
    assert f"{len(wanted)} articles written" in result.stderr
    assert sorted(r["url"] for r in rows) == sorted(wanted)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    mismatches = [
        (row["url"], key, row[key], value)
        for row in rows
        for key, value in wanted[row["url"]].items()
        if row[key] != value
    ]
    assert mismatches == []
    assert all(row["first_seen_at"].endswith("Z") and row["last_seen_at"] for row in rows)
    assert not list(tmp_path.glob("*.part"))


def test_export_with_a_query_is_the_search_matches(archive_db, tmp_path):
    output = tmp_path / "warga.jsonl"
    result = cli("export", "warga", "-o", str(output), "--source", SOURCE, db=archive_db)
    assert result.exit_code == 0, result.stderr
    _, rows = read_export(output, "jsonl")
    with Archive(archive_db, readonly=True) as archive:
        expected_count = archive.count(Query("warga", Filters(sources=[SOURCE])))
        stemmed = sum(1 for _ in archive.export_rows(Query("pelayanan")))
        literal = sum(1 for _ in archive.export_rows(Query("pelayanan", exact=True)))
        assert stemmed == archive.count(Query("pelayanan"))
        assert literal == archive.count(Query("pelayanan", exact=True))
    assert len(rows) == expected_count > 0
    assert {row["source"] for row in rows} == {SOURCE}


@pytest.mark.parametrize("query", [None, "warga"])
def test_export_streams_page_by_page_in_id_order(archive_db, query):
    with Archive(archive_db, readonly=True) as archive:
        everything = list(archive.export_rows(Query(query)))
        statements: list[str] = []
        archive.conn.set_trace_callback(statements.append)
        rows = archive.export_rows(Query(query), page_size=3)
        first = next(rows)  # a generator: the first row comes before the rest is read
        pages_so_far = sum(s.startswith(PAGE_QUERY) for s in statements)
        paged = [first, *rows]
        archive.conn.set_trace_callback(None)
    assert pages_so_far == 1
    assert paged == everything
    assert [r["id"] for r in paged] == sorted(r["id"] for r in paged)
    assert sum(s.startswith(PAGE_QUERY) for s in statements) == len(everything) // 3 + 1
    assert all(list(row) == list(EXPORT_COLUMNS) for row in paged)


def test_export_to_stdout(archive_db):
    result = warta_in_process(
        "export", "-o", "-", "--format", "csv", "--source", "detikjateng", db=archive_db
    )
    assert result.returncode == 0, result.stderr
    lines = list(csv.reader(result.stdout.splitlines()))
    assert lines[0] == list(EXPORT_COLUMNS) and len(lines) > 1


# -- stats ----------------------------------------------------------------------------


def test_stats_per_day_per_source_match_the_truth(archive_db, truths):
    result = cli("stats", "--by", "day", "--format", "json", "--top", "5", db=archive_db)
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.stdout)
    truth_counts = Counter((wib_day(t), t["source"]) for t in truths)
    assert {(c["period"], c["source"]): c["articles"] for c in stats["counts"]} == truth_counts
    assert stats["total"] == len(truths) and stats["undated"] == 0
    assert stats["periods"] == sorted({day for day, _ in truth_counts})
    assert stats["sources"] == sorted({t["source"] for t in truths})
    authors = Counter(name for t in truths for name in set(t["authors"]))
    top = stats["top_authors"]
    assert len(top) == 5 and all(row["articles"] == authors[row["author"]] for row in top)
    assert top[-1]["articles"] >= max(
        n for a, n in authors.items() if a not in {r["author"] for r in top}
    )
    sections = Counter((t["source"], t["section"]) for t in truths)
    assert stats["top_sections"][0]["articles"] == max(sections.values())


def test_stats_by_week_and_month_with_a_query_and_filters(archive_db, truths):
    with Archive(archive_db, readonly=True) as archive:
        filters = Filters(sources=[SOURCE], date_from=FIRST)
        weekly = archive.stats(Query("warga", filters), by="week")
        monthly = archive.stats(Query("warga", filters), by="month")
        matches = archive.count(Query("warga", filters))
    assert weekly.total == monthly.total == matches > 0
    assert sum(c["articles"] for c in weekly.counts) == matches
    assert all(date.fromisoformat(c["period"]).weekday() == 0 for c in weekly.counts)
    assert [c["period"] for c in monthly.counts] == ["2025-11"]
    assert set(weekly.sources()) == {SOURCE}


def test_period_range_fills_gaps():
    assert period_range("2025-11-30", "2025-12-02", "day") == [
        "2025-11-30",
        "2025-12-01",
        "2025-12-02",
    ]
    assert period_range("2025-11-24", "2025-12-08", "week") == [
        "2025-11-24",
        "2025-12-01",
        "2025-12-08",
    ]
    assert period_range("2025-11", "2026-02", "month") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_stats_text_and_plot(archive_db, tmp_path):
    plot = tmp_path / "counts.png"
    result = cli("stats", "--by", "day", "--plot", str(plot), *FILTER_ARGS, db=archive_db)
    assert result.exit_code == 0, result.stderr
    assert "per day (WIB)" in result.stdout and "top authors:" in result.stdout
    assert f"{FIRST.isoformat()}  " in result.stdout
    data = plot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (("export", '"unclosed', "-o", "{tmp}/x.jsonl"), "double quote is not closed"),
        (("export", "-o", "{tmp}/missing/x.jsonl"), "cannot write"),
        (("export", "-o", "-", "--format", "parquet"), "Parquet cannot go to standard output"),
        (("export", "-o", "{tmp}/x.csv", "--from", "2025-11-31"), "--from: expected a date"),
        (("stats", "--to", "yesterday"), "--to: expected a date"),
        (("stats", "warga AND"), "cannot parse query"),
        (("stats", "--plot", "{tmp}/missing/p.png"), "cannot write"),
    ],
)
def test_errors_are_one_line(archive_db, tmp_path, args, message):
    result = cli(*(a.replace("{tmp}", str(tmp_path)) for a in args), db=archive_db)
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not list(tmp_path.rglob("*.part"))


def test_error_in_a_real_process_is_one_line(archive_db):
    result = run_warta("export", "warga AND", "-o", "-", db=archive_db)
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: cannot parse query 'warga AND'")


def test_missing_archive_is_one_line(tmp_path):
    for command in ("export", "stats"):
        args = (command, "-o", str(tmp_path / "x.jsonl")) if command == "export" else (command,)
        result = cli(*args, db=tmp_path / "none.db")
        assert result.exit_code != 0 and "archive not found" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


# -- the researcher's guide -------------------------------------------------------------


def guide_sql() -> dict[str, str]:
    """The guide's ```sql blocks, keyed by their first line (a `-- title` comment)."""
    blocks = re.findall(r"```sql\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return {block.splitlines()[0].lstrip("- ").strip(): block for block in blocks}


def run_sql(db, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def test_every_guide_sql_example_runs(archive_db):
    blocks = guide_sql()
    assert len(blocks) >= 5
    for title, sql in blocks.items():
        assert run_sql(archive_db, sql), f"no rows from the guide's example {title!r}"


def test_guide_per_day_counts_in_wib_match_the_truth(archive_db, truths):
    (sql,) = [s for t, s in guide_sql().items() if t.startswith("Articles per WIB day")]
    rows = run_sql(archive_db, sql)
    assert {(day, source): n for day, source, n in rows} == Counter(
        (wib_day(t), t["source"]) for t in truths
    )


def test_guide_authors_and_fts_examples(archive_db, truths):
    blocks = guide_sql()
    (authors_sql,) = [s for t, s in blocks.items() if t.startswith("Most prolific authors")]
    authors = Counter(name for t in truths for name in t["authors"])
    assert all(authors[name] == n for name, n in run_sql(archive_db, authors_sql))
    (fts_sql,) = [s for t, s in blocks.items() if t.startswith("Full-text search")]
    top = run_sql(archive_db, fts_sql)[0]
    assert "Retreat" in top[1]


# -- one article per story -----------------------------------------------------------


def test_unique_stories_export_and_stats_count_each_story_once(archive_db, crawl_site, tmp_path):
    output = tmp_path / "stories.jsonl"
    result = cli("export", "--unique-stories", "-o", str(output), db=archive_db)
    assert result.exit_code == 0, result.stderr
    _, rows = read_export(output, "jsonl")
    _, everything = read_export(_export_all(archive_db, tmp_path), "jsonl")
    stories = {row["cluster_id"] for row in everything}
    assert len(rows) == len(stories) < len(everything)
    # each story by its first archived copy
    first = {}
    for row in everything:
        first.setdefault(row["cluster_id"], row["id"])
    assert sorted(row["id"] for row in rows) == sorted(first.values())
    # every syndicated story the replica made is in the export once
    exported = {row["url"] for row in rows}
    archived = {row["url"] for row in everything}
    for cluster in crawl_site.clusters:
        assert len(exported & set(cluster)) == 1, cluster
        assert set(cluster) <= archived
    stats = cli("stats", "--unique-stories", "--format", "json", db=archive_db)
    assert json.loads(stats.stdout)["total"] == len(stories)


def test_unique_stories_keep_a_copy_whose_original_is_filtered_out(archive_db, tmp_path):
    output = tmp_path / "jateng.jsonl"
    args = ("--source", "tribunjateng", "-o", str(output))
    assert cli("export", *args, db=archive_db).exit_code == 0
    _, jateng = read_export(output, "jsonl")
    assert cli("export", "--unique-stories", *args, db=archive_db).exit_code == 0
    _, unique = read_export(output, "jsonl")
    copies = [row for row in jateng if row["cluster_id"] != row["id"]]
    assert copies, "Tribun Jateng carries syndicated copies of stories first archived elsewhere"
    assert {row["cluster_id"] for row in unique} == {row["cluster_id"] for row in jateng}


def _export_all(db, tmp_path):
    output = tmp_path / "all.jsonl"
    assert cli("export", "-o", str(output), db=db).exit_code == 0
    return output
