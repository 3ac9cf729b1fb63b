"""Near-duplicate clusters: syndicated copies share a story, look-alikes do not."""

from __future__ import annotations

import random
from functools import partial

import pytest

from storage.archive import Archive, body_hash
from storage.neardup import day_of, signature
from storage.query import Query

WORDS = (
    "warga desa jalan banjir sungai pemerintah kabupaten bupati dinas sekolah pasar harga "
    "petani panen hujan longsor jembatan polisi kecamatan rumah sakit pelayanan program bantuan "
    "anggaran tahun kegiatan masyarakat wisata pantai gunung kota provinsi camat lurah kepala"
).split()


def story(seed: int, paragraphs: int = 8) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(40)) + "." for _ in range(paragraphs)]


def row(url: str, source: str, published: str, paragraphs: list[str]) -> dict:
    body = "\n\n".join(paragraphs)
    return {
        "url": url,
        "source": source,
        "title": url.rsplit("/", 1)[-1],
        "body": body,
        "body_hash": body_hash(body),
        "published_at": published,
    }


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "warta.db") as opened:
        yield opened


def cluster_of(archive: Archive, url: str) -> int:
    return archive.article_by_url(url)["cluster_id"]


def test_edited_copy_at_another_outlet_joins_the_original(archive):
    original = story(1)
    copy = (
        original[:2] + ["Kalimat tambahan dari redaksi lain tentang kejadian ini."] + original[3:]
    )
    a = archive.store(
        row("https://jogja.tribunnews.com/a", "tribunjogja", "2025-11-07T01:00:00Z", original)
    )
    b = archive.store(
        row("https://jateng.tribunnews.com/b", "tribunjateng", "2025-11-07T03:00:00Z", copy)
    )
    assert b.outcome == "new"
    assert cluster_of(archive, "https://jateng.tribunnews.com/b") == a.article_id
    assert cluster_of(archive, "https://jogja.tribunnews.com/a") == a.article_id


def test_identical_copy_at_another_outlet_keeps_its_row(archive):
    text = story(2)
    archive.store(
        row("https://www.detik.com/jogja/berita/d-1/x", "detikjogja", "2025-11-07T01:00:00Z", text)
    )
    copy = archive.store(
        row("https://regional.kompas.com/read/x", "kompasregional", "2025-11-07T05:00:00Z", text)
    )
    assert copy.outcome == "new" and archive.count() == 2
    assert cluster_of(archive, "https://regional.kompas.com/read/x") == cluster_of(
        archive, "https://www.detik.com/jogja/berita/d-1/x"
    )


def test_shared_boilerplate_paragraph_is_not_a_copy(archive):
    statement = story(99, paragraphs=1)
    first = story(3) + statement
    second = story(4) + statement
    a = archive.store(row("https://a.example/1", "s1", "2025-11-07T01:00:00Z", first))
    b = archive.store(row("https://b.example/2", "s2", "2025-11-07T02:00:00Z", second))
    assert cluster_of(archive, "https://a.example/1") == a.article_id
    assert cluster_of(archive, "https://b.example/2") == b.article_id


def test_an_earlier_copy_found_later_becomes_the_original(archive):
    text = story(5)
    late = archive.store(row("https://a.example/late", "s1", "2025-11-08T01:00:00Z", text))
    archive.store(row("https://b.example/later", "s2", "2025-11-09T01:00:00Z", text[:-1]))
    early = archive.store(row("https://c.example/early", "s3", "2025-11-06T01:00:00Z", text[1:]))
    clusters = {r["url"]: r["cluster_id"] for r in archive.articles()}
    assert set(clusters.values()) == {early.article_id} != {late.article_id}


def test_signatures_are_stable_and_short_texts_have_none():
    text = " ".join(story(6))
    assert (signature(text).values == signature(text).values).all()
    assert signature("terlalu pendek untuk dibandingkan") is None


def test_clusters_survive_reopening(tmp_path):
    text = story(7)
    with Archive(tmp_path / "w.db") as first_night:
        first = first_night.store(row("https://a.example/1", "s1", "2025-11-07T01:00:00Z", text))
    with Archive(tmp_path / "w.db") as next_night:  # another process, another day
        next_night.store(row("https://b.example/2", "s2", "2025-11-08T01:00:00Z", text[1:]))
        assert cluster_of(next_night, "https://b.example/2") == first.article_id


def test_search_counts_stories_once_with_unique_stories(archive):
    text = story(8)
    archive.store(row("https://a.example/1", "s1", "2025-11-07T01:00:00Z", text))
    archive.store(row("https://b.example/2", "s2", "2025-11-07T02:00:00Z", text[1:]))
    archive.store(row("https://c.example/3", "s3", "2025-11-07T03:00:00Z", story(9)))
    archive.flush()
    assert archive.count(Query("warga OR desa OR jalan")) == 3
    stories = Query("warga OR desa OR jalan", unique_stories=True)
    assert archive.count(stories) == 2
    hits = archive.search(stories)
    assert len(hits) == 2 and len({h.url for h in hits}) == 2
    assert all(h.snippet for h in hits)


def test_a_band_shared_by_too_many_articles_is_not_evidence(archive, monkeypatch):
    from storage import neardup

    monkeypatch.setattr(neardup, "MAX_BUCKET", 3)
    text = "\n\n".join(story(7))
    sig = signature(text)
    index = archive.near_duplicates
    day = day_of("2025-11-07")
    for n in range(1, 4):  # three articles in every one of the signature's bands
        archive.store(row(f"https://a.example/{n}", f"src{n}", "2025-11-07T01:00:00Z", story(n)))
        index.add(n, sig, day)
    assert {article_id for article_id, _ in index.matches(sig, day)} == {1, 2, 3}
    archive.store(row("https://a.example/4", "src4", "2025-11-07T01:00:00Z", story(4)))
    index.add(4, sig, day)  # each band holds four now: a stock phrase, skipped at any size
    assert index.matches(sig, day) == []


@pytest.mark.parametrize(
    ("first", "second", "one_story"),
    [
        ("2025-11-07T01:00:00Z", "2025-11-21T23:00:00Z", True),  # 14 days apart: the window
        ("2025-11-21T23:00:00Z", "2025-11-07T01:00:00Z", True),  # an older copy found later
        ("2025-11-01T01:00:00Z", "2025-11-15T01:00:00Z", True),  # across a period boundary
        ("2025-11-07T01:00:00Z", "2025-11-22T01:00:00Z", False),  # 15 days: out of it
        ("2025-11-07T01:00:00Z", "2025-12-20T01:00:00Z", False),  # beyond the next period
    ],
)
def test_copies_are_looked_for_within_the_window_of_their_dates(archive, first, second, one_story):
    text = story(11)
    archive.store(row("https://a.example/1", "s1", first, text))
    archive.store(row("https://b.example/2", "s2", second, text[1:]))
    together = cluster_of(archive, "https://a.example/1") == cluster_of(
        archive, "https://b.example/2"
    )
    assert together is one_story


def test_an_undated_article_is_matched_at_the_day_it_was_first_seen(archive):
    text = story(12)
    original = archive.store(row("https://a.example/1", "s1", "2025-11-07T01:00:00Z", text))
    undated = row("https://b.example/2", "s2", "2025-11-07T01:00:00Z", text[1:])
    undated["published_at"] = None
    archive.store(undated, seen_at="2025-11-08T05:00:00Z")
    assert cluster_of(archive, "https://b.example/2") == original.article_id
    later = row("https://c.example/3", "s3", "2025-11-07T01:00:00Z", text[2:])
    later["published_at"] = None
    archive.store(later, seen_at="2026-03-01T05:00:00Z")
    assert cluster_of(archive, "https://c.example/3") != original.article_id


def _old_archive(path, version: int):
    """A file at schema `version`, as an older warta left it."""
    import sqlite3

    from storage.schema import MIGRATIONS, _apply

    conn = sqlite3.connect(path, isolation_level=None)
    for number, migration in enumerate(MIGRATIONS[:version], start=1):
        _apply(conn, migration, number)
    return conn


def _insert_article(conn, article_id: int, url: str, published: str | None, body: str) -> None:
    conn.execute(
        "INSERT INTO articles(id, url, source, title, body, body_hash, published_at, "
        "first_seen_at, last_seen_at) VALUES (?, ?, 's', 't', ?, ?, ?, "
        "'2025-12-01T00:00:00Z', '2025-12-01T00:00:00Z')",
        (article_id, url, body, body_hash(body), published),
    )
    conn.execute("INSERT INTO url_aliases(url, article_id) VALUES (?, ?)", (url, article_id))


def test_an_archive_from_before_clusters_gets_them_and_dated_bands(tmp_path):
    text = story(21)
    conn = _old_archive(tmp_path / "v4.db", 4)
    _insert_article(conn, 1, "https://a.example/1", "2025-11-07T01:00:00Z", "\n\n".join(text))
    _insert_article(conn, 2, "https://b.example/2", "2025-11-08T01:00:00Z", "\n\n".join(text[1:]))
    _insert_article(conn, 3, "https://c.example/3", "2025-11-08T02:00:00Z", "\n\n".join(story(22)))
    conn.close()
    with Archive(tmp_path / "v4.db") as upgraded:
        assert cluster_of(upgraded, "https://b.example/2") == 1
        assert cluster_of(upgraded, "https://c.example/3") == 3
        days = upgraded.conn.execute("SELECT DISTINCT article_id, day FROM minhash_bands")
        assert sorted(days) == [
            (1, day_of("2025-11-07")),
            (2, day_of("2025-11-08")),
            (3, day_of("2025-11-08")),
        ]


def test_upgrading_keys_the_band_rows_by_date_and_copies_still_meet(tmp_path):
    from storage.neardup import PERIOD_DAYS

    text = story(23)
    body = "\n\n".join(text)
    conn = _old_archive(tmp_path / "v15.db", 15)
    _insert_article(conn, 1, "https://a.example/1", "2025-11-07T01:00:00Z", body)
    _insert_article(conn, 2, "https://b.example/2", None, "\n\n".join(story(24)))
    for article_id, article_body in ((1, body), (2, "\n\n".join(story(24)))):
        sig = signature(article_body)
        conn.execute("INSERT INTO minhash_signatures VALUES (?, ?)", (article_id, sig.to_blob()))
        conn.executemany(
            "INSERT INTO minhash_bands(band_key, article_id) VALUES (?, ?)",
            [(key, article_id) for key in sig.band_keys],
        )
    conn.close()
    with Archive(tmp_path / "v15.db") as upgraded:
        rows = upgraded.conn.execute(
            "SELECT article_id, period, day, count(*) FROM minhash_bands GROUP BY 1, 2, 3"
        ).fetchall()
        first_seen = day_of("2025-12-01")  # the undated article: the day it was first seen
        assert rows == [
            (1, day_of("2025-11-07") // PERIOD_DAYS, day_of("2025-11-07"), 32),
            (2, first_seen // PERIOD_DAYS, first_seen, 32),
        ]
        upgraded.store(row("https://c.example/3", "s3", "2025-11-09T01:00:00Z", text[1:]))
        assert cluster_of(upgraded, "https://c.example/3") == 1


def test_a_day_is_taken_from_the_first_timestamp_with_a_date():
    assert day_of("1970-01-02T00:00:00Z") == 1
    assert day_of(None, "2025-11-07T01:00:00Z") == day_of("2025-11-07")
    assert day_of("kemarin", "1970-01-03") == 2
    assert day_of("kemarin", None) == 0


def band_rows_held(archive: Archive) -> tuple[int, int]:
    """(rows in minhash_bands, rows in minhash_bands_recent)."""
    count = "SELECT count(*) FROM {}"
    main = archive.conn.execute(count.format("minhash_bands")).fetchone()[0]
    recent = archive.conn.execute(count.format("minhash_bands_recent")).fetchone()[0]
    return main, recent


def test_band_rows_move_to_the_main_table_in_bulk_and_are_matched_there(archive, monkeypatch):
    from storage import neardup

    monkeypatch.setattr(neardup, "RECENT_ROWS", 64)  # two articles' band rows
    monkeypatch.setattr(neardup, "RECENT_CHECK_EVERY", 1)
    text = story(31)
    held = partial(band_rows_held, archive)
    original = archive.store(row("https://a.example/1", "s1", "2025-11-07T01:00:00Z", text))
    assert held() == (0, 32)
    archive.store(row("https://b.example/2", "s2", "2025-11-07T02:00:00Z", story(32)))
    assert held() == (64, 0)  # moved together, in one step
    archive.store(row("https://c.example/3", "s3", "2025-11-08T01:00:00Z", text[1:]))
    assert held() == (64, 32)
    assert cluster_of(archive, "https://c.example/3") == original.article_id
    archive.store(row("https://c.example/3", "s3", "2025-11-08T01:00:00Z", text[2:]))  # revised
    assert held() == (64, 32)  # its old rows went, its new ones came


def test_removing_an_article_leaves_no_band_row_in_either_table(archive, monkeypatch):
    from storage import neardup

    monkeypatch.setattr(neardup, "RECENT_ROWS", 32)
    monkeypatch.setattr(neardup, "RECENT_CHECK_EVERY", 1)
    first = archive.store(row("https://a.example/1", "s1", "2025-11-07T01:00:00Z", story(33)))
    monkeypatch.setattr(neardup, "RECENT_ROWS", 10_000)
    second = archive.store(row("https://b.example/2", "s2", "2025-11-07T01:00:00Z", story(34)))
    index = archive.near_duplicates
    for article_id in (first.article_id, second.article_id):
        index.remove(article_id)
    assert band_rows_held(archive) == (0, 0)
    assert archive.conn.execute("SELECT count(*) FROM minhash_signatures").fetchone()[0] == 0


def test_rows_left_by_earlier_processes_move_at_the_first_store_of_the_next(tmp_path, monkeypatch):
    from storage import neardup

    monkeypatch.setattr(neardup, "RECENT_ROWS", 64)  # two articles' band rows
    for night in range(3):  # three short crawls of one article each, each its own process
        with Archive(tmp_path / "w.db") as archive:
            published = f"2025-11-0{night + 1}T01:00:00Z"
            archive.store(row(f"https://a.example/{night}", "s1", published, story(40 + night)))
    with Archive(tmp_path / "w.db") as archive:  # the third night's first store moved two
        assert band_rows_held(archive) == (64, 32)


def test_the_recent_table_is_counted_once_per_check_interval_not_per_store(archive):
    from storage.neardup import RECENT_CHECK_EVERY

    counts: list[str] = []
    archive.conn.set_trace_callback(
        lambda sql: counts.append(sql) if "FROM minhash_bands_recent LIMIT" in sql else None
    )
    for n in range(2 * RECENT_CHECK_EVERY):
        archive.store(row(f"https://a.example/{n}", "s1", "2025-11-07T01:00:00Z", story(n)))
    archive.conn.set_trace_callback(None)
    assert len(counts) == 2  # at the first store, then after RECENT_CHECK_EVERY more
