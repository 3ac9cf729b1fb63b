"""Real saved outlet pages (tests/fixtures/realpages/): every field of the extraction right.

One test per article page, from its NAME.truth.json (see the README there): title
exact; authors and editors as lists; the publication instant with the outlet's own
offset; the dateline place; the body's first and last words; no junk string in body,
title, people or place; the whole body where the truth has it. The checks are
benchmarks/realpages.py's, which scores trafilatura on the same pages.

Also: every configured source has a saved real page of its hosts here, or is named
in SOURCES_WITHOUT_REAL_PAGE.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest

from benchmarks.realpages import FIXTURES, STRICT, check, describe, load_page, truth_files
from benchmarks.realpages import warta_fields as extract
from crawler.sources import REPO_SOURCES, load_sources

TRUTH_FILES = truth_files()

# Configured sources for which no real saved page of their hosts was found in public
# repositories (the replica's hand-built pages in tests/fixtures/pages/ cover them).
# A source leaves this list when a real page of it is added to tests/fixtures/realpages/.
SOURCES_WITHOUT_REAL_PAGE: dict[str, str] = {
    "detikjogja": "no saved www.detik.com/jogja page found",
    "detikjateng": "no saved www.detik.com/jateng page found",
    "harianjogja": "no saved harianjogja.com page found",
    "tribunjogja": "no saved jogja.tribunnews.com page found (tribunnews.com 2015 is here)",
    "tribunjateng": "no saved jateng.tribunnews.com page found (tribunnews.com 2015 is here)",
}


def _page_id(truth_file) -> str:
    return f"{truth_file.parent.name}/{truth_file.name.removesuffix('.truth.json')}"


def test_there_are_real_pages():
    assert len(TRUTH_FILES) >= 5
    assert all(f.with_name(f.name.replace(".truth.json", ".html")).exists() for f in TRUTH_FILES)


@pytest.mark.parametrize("truth_file", TRUTH_FILES, ids=[_page_id(f) for f in TRUTH_FILES])
def test_every_field_right(truth_file):
    page = load_page(truth_file)
    got = extract(page)
    checks = check(page.truth, got)
    report = describe(page.truth, got, checks, STRICT)
    if report:  # pytest.fail: the report as written, not pytest's rewrite of a long assert
        pytest.fail(f"{page.id} ({page.url}):\n{report}", pytrace=False)


def test_published_check_wants_the_outlets_own_offset():
    """The same instant in UTC is not enough: the archive keeps the page's own offset."""
    from benchmarks.realpages import Fields

    truth = {"published": "2022-12-10T13:19:56+07:00"}
    utc = datetime.fromisoformat("2022-12-10T06:19:56+00:00")
    wib = datetime.fromisoformat("2022-12-10T13:19:56+07:00")
    assert check(truth, Fields(published=utc))["published_second"] is False
    assert check(truth, Fields(published=utc))["published_minute"] is True
    assert check(truth, Fields(published=wib))["published_second"] is True


def _hosts_with_real_pages() -> set[str]:
    pages = [load_page(f) for f in TRUTH_FILES]
    return {(urlsplit(p.url).hostname or "").lower() for p in pages}


def test_every_configured_source_has_a_real_page_or_is_listed():
    sources = load_sources(REPO_SOURCES)
    hosts = _hosts_with_real_pages()
    missing = [
        sid
        for sid, source in sources.items()
        if not hosts & set(source.domains) and sid not in SOURCES_WITHOUT_REAL_PAGE
    ]
    assert not missing, f"sources with no real page in {FIXTURES} and not listed: {missing}"
    stale = [
        sid
        for sid in SOURCES_WITHOUT_REAL_PAGE
        if sid not in sources or hosts & set(sources[sid].domains)
    ]
    assert not stale, f"SOURCES_WITHOUT_REAL_PAGE: not configured, or a real page exists: {stale}"


def test_a_credited_name_is_junk_only_outside_the_people():
    """Kompas truths list the credit box's names as must-not (they must stay out of the
    body) while naming the same people as author and editor: both can hold."""
    from benchmarks.realpages import Fields, junk_found

    truth = {"authors": ["Nabilla Tashandra"], "must_not_contain": ["Nabilla Tashandra", "Foto"]}
    right = Fields(authors=["Nabilla Tashandra"], body="Isi berita.")
    assert junk_found(truth, right) == []
    assert junk_found(truth, Fields(body="Isi. Penulis: Nabilla Tashandra")) == [
        "Nabilla Tashandra"
    ]
    assert junk_found(truth, Fields(authors=["Foto: Ali"])) == ["Foto"]


def test_body_checks_ignore_invisible_format_characters():
    """A truth copied from the page source keeps its left-to-right marks (U+200E, category
    Cf); the extraction drops them. Both read the same, so the body checks agree."""
    from benchmarks.realpages import Fields

    truth = {
        "body": "Hidup \u200edi Jakarta.",
        "body_first": "Hidup \u200edi",
        "body_last": "Jakarta.",
    }
    checks = check(truth, Fields(body="Hidup di Jakarta."))
    assert checks["body"] and checks["body_first"] and checks["body_last"]
    assert check(truth, Fields(body="Hidup di Bandung."))["body"] is False
