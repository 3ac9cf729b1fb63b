"""Near-duplicate clusters: syndicated copies share a story, look-alikes do not."""

from __future__ import annotations

import random

import pytest

from storage.archive import Archive, body_hash
from storage.neardup import signature
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
    for n in range(1, 4):  # three articles in every one of the signature's bands
        archive.store(row(f"https://a.example/{n}", f"src{n}", "2025-11-07T01:00:00Z", story(n)))
        index.add(n, sig)
    assert {article_id for article_id, _ in index.matches(sig)} == {1, 2, 3}
    archive.store(row("https://a.example/4", "src4", "2025-11-07T01:00:00Z", story(4)))
    index.add(4, sig)  # now each band holds four: a stock phrase, skipped at any archive size
    assert index.matches(sig) == []
