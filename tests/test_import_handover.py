"""Work a WARC import's worker process does ahead for the writing process (the one that
runs the pipeline chain and writes the archive): the chain finds it in its caches and
does not do it again, and the archived row is the one the chain makes on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

import crawler.urls
from crawler.extraction import text
from crawler.sources import load_sources
from crawler.urls import canonical_url, configured_hosts, learn_canonical
from storage import neardup, stemming
from storage.archive import Archive
from storage.stemming import learn_stemmed, stem_text
from tests.test_warc_import import HTML, news_page, write_records
from warta import importing
from warta.importing import ImportReport, Index, index_file

SOURCES = load_sources()
HOSTS = configured_hosts(SOURCES)
URL = "https://jogja.tribunnews.com/2025/11/07/banjir-sleman"
# what the writing process is handed: canonical URLs, cleaned bodies, stemmed texts,
# signatures
HANDOVERS = (
    crawler.urls._handed_over,
    text._handed_over,
    stemming._handed_over,
    neardup._handed_over,
)


@pytest.fixture
def empty_caches():
    """The writing process's caches as a fresh process has them."""

    def clear() -> None:
        for handover in HANDOVERS:
            handover.clear()

    clear()
    yield
    clear()


def first_capture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> importing.Capture:
    """An article page of a configured outlet, indexed as a worker process sees it."""
    warc = tmp_path / "one.warc.gz"
    write_records(warc, [(URL, HTML, news_page("Banjir Sleman", 8))])
    index = Index()
    list(index_file(warc, ImportReport(), index))
    monkeypatch.setattr(importing, "_WORKER_INDEX", index.pages)
    monkeypatch.setattr(importing, "_WORKER_HOSTS", HOSTS)
    monkeypatch.setattr(importing, "_WORKER_STEMS", None)  # stems computed here, not shared
    return index.pages[URL][0]


def store(extracted: importing._Extracted, db: Path) -> dict:
    assert extracted.article is not None
    with Archive(db) as archive:
        importing._store(extracted.article, SOURCES["tribunjogja"], archive, HOSTS, ImportReport())
        archive.flush()
        [row] = archive.articles()
    return {k: v for k, v in row.items() if k not in ("first_seen_at", "last_seen_at")}


def test_the_chain_uses_what_the_worker_did_and_stores_the_same_row(
    tmp_path, monkeypatch, empty_caches
):
    capture = first_capture(tmp_path, monkeypatch)
    on_its_own = store(importing._assemble_in_worker(capture), tmp_path / "own.db")

    done = importing._assemble_in_worker(capture)
    done.learn()
    assert all(len(handover) for handover in HANDOVERS)
    canonicalised: list[str] = []
    real = crawler.urls.canonicalize_url  # w3lib's: what canonical_url does its work with

    def counted(url: str, **options: object) -> str:
        canonicalised.append(url)
        return real(url, **options)

    monkeypatch.setattr(crawler.urls, "canonicalize_url", counted)
    handed_over = store(done, tmp_path / "handed.db")

    assert handed_over == on_its_own
    assert canonicalised == []  # the fetched and the declared URL: both learned
    assert len(text._handed_over) == 0  # the body was cleaned once, in the worker
    assert len(stemming._handed_over) == 0  # title and body stemmed there too
    assert len(neardup._handed_over) == 0  # and signed


def test_an_import_leaves_no_worker_state_behind(tmp_path):
    """The workers' stem log is deleted with its pool: a later import (or a worker's
    function called in this process) must not find it set."""
    warc = tmp_path / "two.warc.gz"
    pages = [(URL, HTML, news_page("Banjir Sleman", 8))]
    pages.append((URL.replace("banjir", "longsor"), HTML, news_page("Longsor Bantul", 8)))
    write_records(warc, pages)
    with Archive(tmp_path / "two.db") as archive:
        report = importing.import_warcs(archive, [warc], sources=SOURCES, jobs=2)
    assert report.outcomes["new"] == 2
    assert importing._WORKER_STEMS is None and not importing._WORKER_INDEX


def test_a_learned_canonical_form_is_kept_for_a_second_ask_and_is_per_hosts(empty_caches):
    learn_canonical("https://m.example.org/a?page=2", HOSTS, "https://example.org/worked-out")
    assert (
        canonical_url("https://m.example.org/a?page=2", HOSTS) == "https://example.org/worked-out"
    )
    assert (
        canonical_url("https://m.example.org/a?page=2", HOSTS) == "https://example.org/worked-out"
    )
    # other hosts: another config, worked out here
    assert canonical_url("https://m.example.org/a?page=2", frozenset()) == "https://m.example.org/a"


def test_a_learned_stemmed_text_is_taken_once(empty_caches):
    learn_stemmed("pelayanan warga", "worked out elsewhere")
    assert stem_text("pelayanan warga") == "worked out elsewhere"
    assert stem_text("pelayanan warga") == "layan warga"  # taken: computed here now


def test_a_learned_cleaned_body_is_taken_once(empty_caches):
    text.learn_clean_paragraphs("Satu  dua\n\nTiga", "cleaned elsewhere")
    assert text.clean_paragraphs("Satu  dua\n\nTiga") == "cleaned elsewhere"
    assert text.clean_paragraphs("Satu  dua\n\nTiga") == "Satu dua\n\nTiga"


def test_learned_caches_are_bounded(empty_caches):
    for n in range(10_001):
        learn_stemmed(f"kata {n}", f"kata {n}")
        learn_canonical(f"https://example.org/{n}", HOSTS, f"https://example.org/{n}")
        text.learn_clean_paragraphs(f"paragraf {n}", f"paragraf {n}")
    assert all(len(handover) <= 10_000 for handover in HANDOVERS[:3])


def test_a_handed_over_none_is_a_result_and_missing_is_not():
    from crawler.handover import MISSING, Handover

    taken: Handover[str, str | None] = Handover()
    taken.learn("too short to sign", None)
    assert taken.get("too short to sign") is None  # handed over: None is the result
    assert taken.get("too short to sign") is MISSING  # taken by the first ask
    kept: Handover[str, str] = Handover(keep=True, limit=2)
    kept.learn("a", "1")
    assert kept.get("a") == kept.get("a") == "1"
    kept.learn("b", "2")
    kept.learn("c", "3")  # past the limit: the older results go
    assert kept.get("a") is MISSING and kept.get("c") == "3"
