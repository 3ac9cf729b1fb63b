"""Search finds its page of hits several ways (storage/search.py); every way gives the same page.

A date-ordered search either sorts all matches or walks the date index (checking
a list of matching ids, or asking FTS5 row by row), chosen by cost. The archive
here is generated (realistic Indonesian text), and each plan is forced in turn
and compared with plain SQL that states what the answer must be.
"""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks.archive_builder import generated_rows
from benchmarks.search_latency import bare_where
from storage import search as search_module
from storage.archive import Archive
from storage.query import Filters, Query
from storage.search import BM25_WEIGHTS, fts_match

PLANS = {
    "sort": {"COST_SORT_PER_MATCH": 0.0},
    "list": {"COST_LIST_PER_MATCH": 0.0, "COST_WALK_PER_ROW": 0.0},
    "probe": {"COST_PROBE_PER_ROW": 0.0},
}
EXPENSIVE = 1e9


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("plans") / "warta.db"
    with Archive(path) as opened:
        for row in generated_rows(600, seed=4):
            opened.store(row)
    with Archive(path, readonly=True) as reading:
        yield reading


def force(monkeypatch, plan: str) -> None:
    for name in ("COST_SORT_PER_MATCH", "COST_LIST_PER_MATCH", "COST_PROBE_PER_ROW"):
        monkeypatch.setattr(search_module, name, EXPENSIVE)
    for name, value in PLANS[plan].items():
        monkeypatch.setattr(search_module, name, value)


def expected_by_date(archive, query, order, filters, limit, offset, exact=False):
    index, match = fts_match(query, exact)
    where, params = bare_where(filters)  # hand-written, not storage's
    direction = "DESC" if order == "newest" else "ASC"
    sql = (
        f"SELECT a.id FROM articles a WHERE a.id IN (SELECT rowid FROM {index} "
        f"WHERE {index} MATCH ?) AND {where} "
        f"ORDER BY a.published_at {direction}, a.id {direction} LIMIT ? OFFSET ?"
    )
    return [r[0] for r in archive.conn.execute(sql, [match, *params, limit, offset])]


CASES = [
    ("warga", Filters()),  # in nearly every article
    ("sleman", Filters()),
    ("longsor", Filters(sources=["tribunjogja"])),
    ("warga", Filters(date_from=date(2025, 10, 20), date_to=date(2025, 11, 1))),
    ('"kulon progo"', Filters(sources=["kompasregional"], date_from=date(2025, 10, 25))),
    ("banjir OR longsor", Filters(sources=["harianjogja", "detikjogja"])),
]


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("order", ["newest", "oldest"])
@pytest.mark.parametrize(("query", "filters"), CASES)
def test_every_plan_gives_the_same_page(archive, monkeypatch, plan, order, query, filters):
    expected = expected_by_date(archive, query, order, filters, limit=7, offset=3)
    assert expected, "each case must have hits, or it proves nothing"
    force(monkeypatch, plan)
    hits = archive.search(Query(query, filters, sort=order), limit=7, offset=3)
    assert [hit.id for hit in hits] == expected


def test_common_words_walk_the_date_index_and_rare_ones_sort(archive):
    common = search_module._date_plan(
        archive, "warga", *fts_match("warga"), Filters(), "newest", 20
    )
    index, match = fts_match('"kulon progo" AND longsor')
    rare = search_module._date_plan(archive, "q", index, match, Filters(), "newest", 20)
    assert common is not None and "INDEXED BY idx_articles_published" in common[0]
    assert rare is None


def test_relevance_order_is_bm25_with_or_without_filters(archive):
    index, match = fts_match("banjir")
    weights = ", ".join(map(str, BM25_WEIGHTS))
    for filters in (
        Filters(),
        Filters(sources=["tribunjogja"]),
        Filters(date_from=date(2025, 10, 25), date_to=date(2025, 11, 2)),
    ):
        where, params = bare_where(filters)
        expected = [
            r[0]
            for r in archive.conn.execute(
                f"SELECT a.id FROM {index} JOIN articles a ON a.id = {index}.rowid "
                f"WHERE {index} MATCH ? AND {where} ORDER BY bm25({index}, {weights}), a.id "
                "LIMIT 10",
                [match, *params],
            )
        ]
        hits = archive.search(Query("banjir", filters), limit=10)
        assert [hit.id for hit in hits] == expected and len(expected) == 10


def test_count_agrees_with_the_hits(archive):
    for query, filters in CASES:
        everything = archive.search(Query(query, filters), limit=10_000)
        assert archive.count(Query(query, filters)) == len(everything)


def test_snippets_highlight_the_words_searched(archive):
    exact = archive.search(Query("longsor", exact=True, sort="newest"), limit=5)
    stemmed = archive.search(Query("pelayanan", sort="newest"), limit=5)
    assert exact and all("[longsor]" in hit.snippet.lower() for hit in exact)
    # the stemmed search finds other forms of the word and marks them (a hit whose
    # only match is in the title gets the body's opening lines, unmarked)
    marked = {
        hit.snippet.split("[", 1)[1].split("]", 1)[0].lower()
        for hit in stemmed
        if "[" in hit.snippet
    }
    assert marked and marked <= {"layanan", "pelayanan", "melayani", "dilayani", "pelayan"}
