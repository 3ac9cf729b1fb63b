"""Real saved outlet pages (tests/fixtures/realpages/): every field of the extraction right.

One test per article page, from its NAME.truth.json (see the README there): title
exact; authors and editors as lists; the publication instant with the outlet's own
offset; the dateline place; the body's first and last words; no junk string in body,
title, people or place; the whole body where the truth has it. The checks are
benchmarks/realpages.py's, which scores trafilatura on the same pages.

That every configured source has a real page here (of its hosts, and read by its
rule), or is listed with the reason, is tests/test_outlet_rules.py's to check.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from benchmarks.realpages import STRICT, check, describe, load_page, truth_files
from benchmarks.realpages import warta_fields as extract

TRUTH_FILES = truth_files()


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
