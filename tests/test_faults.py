"""Crawls of a misbehaving replica (replica/faults.py): every recoverable article is
archived exactly, every unrecoverable URL is recorded in the run with its reason,
nothing crashes, no row is wrong, time and memory stay bounded.

One crawl covers every fault: each fault breaks one Tribun Jogja article, the
rest stay healthy, and Harian Jogja's layout changes at the same time. A second
crawl, the faults gone, must archive what the first could not.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from benchmarks.common import crawl_command, wait_measuring
from replica.faults import parse_fault
from replica.generator import build_site
from replica.server import ReplicaServer
from storage.archive import Archive
from storage.health import source_health
from tests.conftest import REPO, run_warta
from tests.inprocess import warta_in_process
from tests.test_crawl_replica import expected_row

# Fault (without its pattern: each gets its own article) -> what the crawl must end with:
# "archived" (recovered: the exact truth row) or the reason recorded in crawl_errors.
FAULTS = {
    "5xx:times=2": "archived",
    "5xx": "http_503",
    "retry-after:times=2,after=1": "archived",
    "retry-after:after=3600": "http_429",
    "forbid-ua:allow=NoSuchBot": "http_403",
    "forbid-ua:allow=warta": "archived",
    "hang:times=1": "archived",
    "hang": "timeout",
    "trickle:interval=1,chunk=512": "timeout",
    "reset:times=1": "archived",
    "reset": "connection_reset",
    "truncate": "truncated",
    "truncate:length=none": "truncated",
    "bad-gzip": "decode_error",
    "huge:mb=50": "too_large",
    "not-html:type=pdf": "not_html",
    "redirect-loop": "redirect_loop",
    "redirect-offsite": "redirect_offsite",
    "empty": "empty",
    "robots": "robots_disallowed",
    "charset:declare=latin-1": "archived",
}
# The content faults need more articles than one source has: a second Tribun crawl would
# cost another Scrapy start, so these go to detikJogja's articles in the same crawl.
CONTENT_FAULTS = {
    "charset:declare=utf-8": "archived",
    "charset:declare=none": "archived",
    "no-title": "no_title",
    "no-body": "no_body",
    "malformed": "archived",
    "huge:mb=50,length=none": "too_large",
    "redirect-loop:mode=endless": "redirect_loop",
    "not-html:type=png": "not_html",
}
SETTINGS = ("DOWNLOAD_TIMEOUT=2", "RETRY_TIMES=2", "WARTA_RETRY_BACKOFF=0.3")
SOURCES = ("tribunjogja", "detikjogja", "harianjogja")


@pytest.fixture(scope="module")
def site():
    return build_site(articles=60, seed=7)


def single_page(site, source: str) -> list:
    return [a for a in site.articles if a.source == source and a.pages == 1]


@pytest.fixture(scope="module")
def plan(site) -> dict[str, tuple[str, str, str]]:
    """Fault -> (article URL, fault spec for that article, expected outcome)."""
    plan = {}
    for source, faults in (("tribunjogja", FAULTS), ("detikjogja", CONTENT_FAULTS)):
        articles = single_page(site, source)
        assert len(articles) >= len(faults), f"the site has too few {source} articles"
        for article, (fault, expected) in zip(articles, faults.items(), strict=False):
            kind, _, options = fault.partition(":")
            pattern = article.url.split("://", 1)[1] + "*"
            spec = f"{kind}:{pattern}" + (f":{options}" if options else "")
            plan[fault] = (article.url, spec, expected)
    return plan


def crawl(server, db, workdir) -> tuple[subprocess.CompletedProcess, float, int]:
    """`warta crawl` of SOURCES in a subprocess: (result, seconds, peak RSS in MB)."""
    settings = [flag for setting in SETTINGS for flag in ("-s", setting)]
    command = crawl_command(server.base_url, db, *SOURCES, *settings)
    out, err = workdir / "stdout", workdir / "stderr"
    started = time.monotonic()
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, cwd=REPO, stdout=stdout, stderr=stderr)
        _, peak_kb, _ = wait_measuring(process)  # the crawl's own peak, not this process's
    seconds = time.monotonic() - started
    result = subprocess.CompletedProcess(
        command, process.returncode, out.read_text(), err.read_text()
    )
    return result, seconds, peak_kb // 1024


@pytest.fixture(scope="module")
def faulty(tmp_path_factory, site, plan):
    """The crawl with every fault on, then the same crawl with none."""
    faults = {fault: parse_fault(spec) for fault, (_, spec, _) in plan.items()}
    layout = parse_fault("layout:jogjapolitan.harianjogja.com/r-*")
    workdir = tmp_path_factory.mktemp("faults")
    db = workdir / "warta.db"
    with ReplicaServer(site, faults=[*faults.values(), layout]) as server:
        first, seconds, peak_mb = crawl(server, db, workdir)
        with Archive(db, readonly=True) as archive:
            rows = {row["url"]: row for row in archive.articles()}
            runs = archive.runs.latest()
            errors = [e for run in runs for e in archive.runs.errors(run["id"])]
            health = source_health(archive, "harianjogja")
        listing = warta_in_process("runs", db=db)
        tribun_run = next(run["id"] for run in runs if run["source"] == "tribunjogja")
        listed = warta_in_process("runs", "--errors", str(tribun_run), "--format", "json", db=db)
        hits = {
            fault: list(faults[fault].hits.get(plan[fault][0].split("://", 1)[1], []))
            for fault in faults
        }
        server.faults = []
        second, _, _ = crawl(server, db, workdir)
        with Archive(db, readonly=True) as archive:
            rows_after = {row["url"]: row for row in archive.articles()}
            last_runs = archive.runs.latest(limit=len(SOURCES))
            errors_after = [e for run in last_runs for e in archive.runs.errors(run["id"])]
    return {
        "first": first,
        "seconds": seconds,
        "peak_mb": peak_mb,
        "rows": rows,
        "runs": runs,
        "errors": {e["url"]: e for e in errors},
        "health": health,
        "listing": listing,
        "listed": listed,
        "hits": hits,
        "second": second,
        "rows_after": rows_after,
        "errors_after": errors_after,
    }


def test_no_crash_and_bounded_time_and_memory(faulty):
    first = faulty["first"]
    assert "Traceback" not in first.stderr
    # not archiving a URL makes a run degraded, never failed; another outlet's
    # failures in the same process do not (errors are counted per spider)
    statuses = {run["source"]: run["status"] for run in faulty["runs"]}
    assert statuses["tribunjogja"] == statuses["detikjogja"] == "degraded"
    assert statuses["harianjogja"] == "ok"
    # three tries of a 2 s timeout, backoff and two 1 s Retry-After waits: under a minute
    # (about 25 s alone; a hang guard, with room for a test run sharing two cores)
    assert faulty["seconds"] < 60
    # a 50 MB page is refused at 20 MB (DOWNLOAD_MAXSIZE), never held whole
    assert faulty["peak_mb"] < 400


@pytest.mark.parametrize("fault", [*FAULTS, *CONTENT_FAULTS])
def test_each_fault_ends_archived_exactly_or_recorded_with_its_reason(fault, faulty, plan, site):
    url, spec, expected = plan[fault]
    truth = next(a for a in site.articles if a.url == url).truth()
    if expected == "archived":
        assert url not in faulty["errors"], faulty["errors"].get(url)
        row = faulty["rows"][url]
        wrong = {k: (row[k], v) for k, v in expected_row(truth).items() if row[k] != v}
        assert wrong == {}, spec
    else:
        assert url not in faulty["rows"], f"{spec}: a row was archived"
        assert faulty["errors"][url]["reason"] == expected, (spec, faulty["errors"][url])


def wrong_fields(row: dict, truth: dict) -> list[str]:
    """Fields of an archived row that differ from the truth. The generic fallback (a
    changed layout) finds no editors and no figures: those may be missing, not wrong."""
    generic = row["extraction"].get("body") == "generic"
    return [
        field
        for field, value in expected_row(truth).items()
        if row[field] != value and not (generic and field in GENERIC_MISSES and not row[field])
    ]


GENERIC_MISSES = ("editors", "images")


def test_every_archived_row_is_the_truth_and_every_missing_url_is_recorded(faulty, site):
    truths = {a.url: a.truth() for a in site.articles if a.source in SOURCES}
    wrong = [(url, wrong_fields(row, truths[url])) for url, row in faulty["rows"].items()]
    assert [(url, fields) for url, fields in wrong if fields] == []
    assert set(truths) - set(faulty["rows"]) == set(faulty["errors"])


def test_retries_back_off(faulty, plan):
    """Two 503s then a page: the retry waited 0.3 s × 2^n ± 50 %, not at once."""
    first, second = faulty["hits"]["5xx:times=2"]
    assert second - first >= 0.15
    assert faulty["errors"][plan["5xx"][0]]["attempts"] == 3  # RETRY_TIMES=2


def test_retry_after_is_honoured_and_capped(faulty, plan):
    """Two 429s asking for 1 s, then the page: each retry waited the second it was asked."""
    first, second = faulty["hits"]["retry-after:times=2,after=1"]
    assert second - first >= 0.95
    assert plan["retry-after:times=2,after=1"][0] in faulty["rows"]
    # an hour is past WARTA_RETRY_AFTER_MAX: recorded at once, retried by the next run
    too_long = faulty["errors"][plan["retry-after:after=3600"][0]]
    assert too_long["attempts"] == 1 and "Retry-After 3600" in too_long["detail"]
    assert len(faulty["hits"]["retry-after:after=3600"]) == 1


def test_layout_change_falls_back_to_generic_and_degrades_health(faulty, site):
    harian = [a.truth() for a in site.articles if a.source == "harianjogja"]
    rows = [faulty["rows"][t["url"]] for t in harian]
    assert {row["extraction"]["body"] for row in rows} == {"generic"}
    assert [row["body"] for row in rows] == [t["body"] for t in harian]
    assert [wrong_fields(row, t) for row, t in zip(rows, harian, strict=True)] == [[]] * len(rows)
    health = faulty["health"]
    assert health.status == "degraded" and health.fallback_share == 1.0
    assert any("layout" in reason for reason in health.reasons)


def test_runs_shows_failed_urls_and_lists_them(faulty):
    listing = faulty["listing"]
    assert listing.returncode == 0 and "failed" in listing.stdout.splitlines()[0]
    listed = json.loads(faulty["listed"].stdout)
    assert {e["reason"] for e in listed} >= {"http_503", "timeout", "too_large"}
    assert all(e["url"].startswith("https://jogja.tribunnews.com/") for e in listed)


def test_a_url_that_failed_is_archived_by_the_next_crawl(faulty, site):
    assert faulty["second"].returncode == 0, faulty["second"].stdout + faulty["second"].stderr
    assert faulty["errors_after"] == []
    truths = {a.url: a.truth() for a in site.articles if a.source in SOURCES}
    assert set(faulty["rows_after"]) == set(truths)
    assert [wrong_fields(faulty["rows_after"][url], truths[url]) for url in faulty["errors"]] == [
        []
    ] * len(faulty["errors"])


def test_bad_setting_is_one_line(tmp_path):
    result = run_warta("crawl", "tribunjogja", "-s", "DOWNLOAD_TIMEOUT", db=tmp_path / "w.db")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Error: -s 'DOWNLOAD_TIMEOUT': expected NAME=VALUE, e.g. -s DOWNLOAD_TIMEOUT=10"
    ]


def test_generic_fallback_on_a_changed_kompas_layout_keeps_only_the_article(site):
    """Kompas without its classes: trafilatura also takes the ad label, the date line
    and the editor credit above the lead; none of them is body text."""
    from urllib.parse import urlsplit

    from crawler.extraction import extract_article, fetch_url_for
    from replica.faults import transform
    from replica.routes import route

    article = next(a for a in site.articles if a.source == "kompasregional" and a.pages == 1)
    url = fetch_url_for(article.url)
    parts = urlsplit(url)
    page = route(site, parts.hostname, f"{parts.path}?{parts.query}")
    changed, _ = transform(parse_fault("layout:*"), page)
    extracted = extract_article(changed.body, url)
    truth = article.truth()
    assert extracted.provenance["body"] == "generic"
    assert extracted.body.split("\n\n")[0] == truth["body"].split("\n\n")[0]
    assert extracted.location == truth["location"]
