"""Bad input that used to end in a traceback or, worse, be accepted.

- Values past what the code can compute with: days outside 1900–2999, integers
  of 2^63 and more (SQLite's limit), non-UTF-8 bytes in an argument, a Scrapy
  setting of the wrong type, an interval of 1e300 seconds, a port of 99999:
  each is one line and a non-zero exit.
- Config that would send a crawl somewhere it should not go: IP literals and
  local names as domains, URL templates whose host parsers disagree on
  (user info, backslashes), a cron that never fires.
- A redirect to a subdomain the config does not name is not followed (the
  crawl against the replica checks which hosts were really requested).

docs/reliability-input.md lists these cases.
"""

from __future__ import annotations

import pytest

from crawler.sources import ConfigError, load_sources
from storage.archive import Archive
from tests.conftest import run_warta
from tests.test_archive import row
from tests.test_cli_bad_input import NOWHERE, one_line_error
from tests.test_sources_config import GOOD, write

BIG = str(2**63)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("input") / "warta.db"
    with Archive(path) as archive:
        archive.store(row())
    return path


OUT_OF_RANGE = [
    (["search", "banjir", "--to", "9999-12-31"], "--to: 9999-12-31 is out of range"),
    (["search", "banjir", "--from", "0001-01-01"], "--from: 0001-01-01 is out of range"),
    (["export", "--from", "0001-01-01", "-o", "-"], "--from: 0001-01-01 is out of range"),
    (["export", "--to", "9999-12-31", "-o", "-"], "--to: 9999-12-31 is out of range"),
    (["stats", "--to", "9999-12-31"], "--to: 9999-12-31 is out of range"),
    (["stats", "--from", "0001-01-01", "--by", "week"], "--from: 0001-01-01 is out of range"),
    (["search", "banjir", "--limit", BIG], "Invalid value for '--limit'"),
    (["search", "banjir", "--offset", BIG], "Invalid value for '--offset'"),
    (["search", "banjir", "--count", "--offset", BIG], "Invalid value for '--offset'"),
    (["stats", "--top", BIG], "Invalid value for '--top'"),
    (["runs", "--errors", BIG], "Invalid value for '--errors'"),
    (["runs", "--limit", BIG], "Invalid value for '--limit'"),
    (["search", "banj\udcffir"], "is not valid UTF-8"),
    (["search", "banjir", "--source", "\udcc3"], "is not valid UTF-8"),
    (["export", "banjir", "-o", "out\udcff.jsonl"], "is not valid UTF-8"),
]


@pytest.mark.parametrize(
    ("args", "message"),
    OUT_OF_RANGE,
    ids=lambda v: " ".join(v)[:60] if isinstance(v, list) else None,
)
def test_values_out_of_range_are_one_line(db, args, message):
    line = one_line_error([*args, "--db", str(db)])
    assert message in line, line


def test_the_largest_sqlite_integer_is_still_accepted(db):
    from tests.test_cli_bad_input import invoke

    code, stdout, stderr = invoke(["search", "banjir", "--offset", str(2**63 - 1), "--db", str(db)])
    assert code == 0 and "no matches" in stdout, stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "-s", "DOWNLOAD_TIMEOUT=abc", *NOWHERE], "-s DOWNLOAD_TIMEOUT=abc: expected"),
        (["crawl", "-s", "RETRY_TIMES=2.5", *NOWHERE], "-s RETRY_TIMES=2.5: expected int"),
        (["crawl", "-s", "ROBOTSTXT_OBEY=maybe", *NOWHERE], "-s ROBOTSTXT_OBEY=maybe: expected"),
        (["crawl", "--limit", BIG, *NOWHERE], "Invalid value for '--limit'"),
        (["crawl", "--since", "0001-01-01", *NOWHERE], "--since: 0001-01-01 is out of range"),
        (["scheduler", "--every", "1e300", "--list"], "Invalid value for '--every'"),
        (["scheduler", "--every", "nan", "--list"], "not a finite number"),
        (["scheduler", "--time-limit", "inf", "--list"], "Invalid value for '--time-limit'"),
        (["scheduler", "--stop-grace", "1e300", "--list"], "Invalid value for '--stop-grace'"),
        (["crawl", "--progress", "1e300", *NOWHERE], "Invalid value for '--progress'"),
    ],
    ids=lambda v: " ".join(v)[:50] if isinstance(v, list) else None,
)
def test_bad_crawl_and_scheduler_values_are_one_line(db, tmp_path, args, message):
    target = tmp_path / "w.db"
    line = one_line_error([*args, "--db", str(target)])
    assert message in line, line
    assert not target.exists()


def test_replica_port_out_of_range_is_one_line():
    line = one_line_error(["replica", "--port", "99999"])
    assert "Invalid value for '--port'" in line


def test_a_non_utf8_argument_in_a_real_process(db):
    import subprocess
    import sys

    from tests.conftest import REPO

    result = subprocess.run(
        [sys.executable, "-m", "warta", "search", b"banj\xffir", "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        b"Error: argument 'banj\xef\xbf\xbdir' is not valid UTF-8"
    ]


# -- config: where a crawl may go -----------------------------------------------------------

HOSTILE_CONFIG = [
    (('domains = ["one.example"]', 'domains = ["127.0.0.1"]'), "domains", "loopback"),
    (('domains = ["one.example"]', 'domains = ["169.254.169.254"]'), "domains", "link-local"),
    (('domains = ["one.example"]', 'domains = ["10.1.2.3"]'), "domains", "private"),
    (('domains = ["one.example"]', 'domains = ["8.8.8.8"]'), "domains", "IP address"),
    (('domains = ["one.example"]', 'domains = ["127.1"]'), "domains", "IP address"),
    (('domains = ["one.example"]', 'domains = ["0x7f.0.0.1"]'), "domains", "IP address"),
    (('domains = ["one.example"]', 'domains = ["db.localhost"]'), "domains", "local host"),
    (('domains = ["one.example"]', 'domains = ["printer.local"]'), "domains", "local host"),
    (
        ("https://one.example/sitemap.xml", "http://127.0.0.1:18830\\\\@one.example/sitemap.xml"),
        "discovery.sitemap_url",
        "backslashes",
    ),
    (
        ("https://one.example/sitemap.xml", "http://evil.example@one.example/sitemap.xml"),
        "discovery.sitemap_url",
        "user info",
    ),
    (
        ("https://one.example/sitemap.xml", "http://127.0.0.1@one.example/sitemap.xml"),
        "discovery.sitemap_url",
        "user info",
    ),
    (
        ("https://one.example/sitemap.xml", "https://one.example:99999/sitemap.xml"),
        "discovery.sitemap_url",
        "not a URL",
    ),
    (('schedule = "0 1 * * *"', 'schedule = "0 0 30 2 *"'), "schedule", "never fires"),
    (('schedule = "0 1 * * *"', 'schedule = "0 0 31 4 *"'), "schedule", "never fires"),
]


@pytest.mark.parametrize(("change", "field", "problem"), HOSTILE_CONFIG)
def test_config_refuses_hosts_a_crawl_must_not_fetch(tmp_path, change, field, problem):
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError) as error:
        load_sources(path)
    message = str(error.value)
    assert f"field '{field}'" in message and problem in message, message


def test_a_cron_that_fires_only_in_leap_years_is_accepted(tmp_path):
    path = write(tmp_path, GOOD.replace('schedule = "0 1 * * *"', 'schedule = "0 0 29 2 *"'))
    assert load_sources(path)["one"].schedule == "0 0 29 2 *"


def test_a_hostile_config_stops_the_crawl_before_any_request(tmp_path):
    config = write(tmp_path, GOOD.replace('domains = ["one.example"]', 'domains = ["127.0.0.1"]'))
    result = run_warta("crawl", "--sources", str(config), *NOWHERE, db=tmp_path / "w.db")
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "loopback" in result.stderr
    assert not (tmp_path / "w.db").exists()


# -- redirects stay on the configured hosts -------------------------------------------------


def test_a_redirect_to_an_unnamed_subdomain_is_not_followed(tmp_path):
    from replica.faults import parse_fault
    from replica.generator import build_site
    from replica.server import ReplicaServer

    site = build_site(articles=30, seed=3)
    articles = [a for a in site.articles if a.source == "harianjogja" and a.pages == 1][:2]
    evil = "cdn.jogjapolitan.harianjogja.com"  # a subdomain of the domain, not the domain
    faults = [
        parse_fault(f"redirect-offsite:{a.url.split('://', 1)[1]}*:to={evil}") for a in articles
    ]
    db = tmp_path / "warta.db"
    with ReplicaServer(site, faults=faults) as server:
        result = run_warta("crawl", "harianjogja", "--replica", server.base_url, db=db)
        hosts = {host.split(":")[0] for host, _ in server.requests}
    assert evil not in hosts, "the crawl fetched a host the config does not name"
    assert "jogjapolitan.harianjogja.com" in hosts
    with Archive(db, readonly=True) as archive:
        run = archive.runs.latest(limit=1)[0]
        errors = {e["url"]: e for e in archive.runs.errors(run["id"])}
    for article in articles:
        assert errors[article.url]["reason"] == "redirect_offsite", (errors, result.stderr)
        assert evil in errors[article.url]["detail"]
