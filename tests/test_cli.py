"""The CLI's own behaviour: listings, one-line errors and exit codes.

In this process (Click's runner): none of these commands crawls. The real process's
stderr and exit codes are checked in tests/test_cli_bad_input.py and test_cli_package.py.
"""

from __future__ import annotations

import json

from tests.conftest import REPO
from tests.inprocess import warta_in_process as run_warta

NOWHERE = ["--replica", "http://127.0.0.1:9"]  # a crawl that got through would fetch nothing


def test_sources_lists_names_and_json_settings():
    plain = run_warta("sources")
    assert plain.returncode == 0
    assert plain.stdout.split() == [
        "tribunjogja",
        "kompasregional",
        "detikjogja",
        "detikjateng",
        "harianjogja",
        "tribunjateng",
    ]
    settings = json.loads(run_warta("sources", "--format", "json").stdout)
    tribun = settings[0]
    assert tribun["domains"] == ["jogja.tribunnews.com"]
    assert tribun["politeness"]["download_delay"] > 0
    assert tribun["schedule"]["timezone"] == "Asia/Jakarta"


def one_line_error(result) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_unknown_source(tmp_path):
    line = one_line_error(run_warta("crawl", "nosuch", *NOWHERE, db=tmp_path / "w.db"))
    assert "unknown source 'nosuch'" in line


def test_bad_dates(tmp_path):
    assert "--since" in one_line_error(
        run_warta("crawl", "--since", "7/11/2025", *NOWHERE, db=tmp_path / "w.db")
    )
    window = ["--since", "2025-11-08", "--until", "2025-11-01"]
    line = one_line_error(run_warta("crawl", *window, *NOWHERE, db=tmp_path / "w.db"))
    assert "after" in line


def test_unknown_section(tmp_path):
    line = one_line_error(
        run_warta("crawl", "tribunjogja", "--section", "bali", *NOWHERE, db=tmp_path / "w.db")
    )
    assert "no section 'bali'" in line


def test_missing_archive(tmp_path):
    line = one_line_error(run_warta("search", "banjir", db=tmp_path / "none.db"))
    assert "archive not found" in line


def test_newer_archive(tmp_path):
    import sqlite3

    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    assert "newer" in one_line_error(run_warta("search", "banjir", db=path))


def test_bad_sources_file(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[sources.x]\nname = 3\n", encoding="utf-8")
    line = one_line_error(run_warta("sources", "--sources", str(bad)))
    assert str(bad) in line and "source 'x'" in line


def test_extract_prints_the_seed_article():
    page = REPO / "tests" / "fixtures" / "pages" / "tribun_seed.html"
    url = "https://jogja.tribunnews.com/2025/11/07/pemkot-magelang-gelar-retreat-diikuti-puluhan-pejabat-asn"
    result = run_warta("extract", str(page), "--url", url, "--explain")
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["title"] == "Pemkot Magelang Gelar Retreat Diikuti Puluhan Pejabat ASN"
    assert article["published_at"] == "2025-11-07T15:30:00+07:00"
    assert article["provenance"]["title"]


def test_extract_missing_file(tmp_path):
    line = one_line_error(
        run_warta("extract", str(tmp_path / "nope.html"), "--url", "https://x.id/a")
    )
    assert "nope.html" in line
