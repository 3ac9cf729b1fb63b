"""`warta probe`: one listing page and a few articles, fetched over HTTP, reported per field.

Against the replica (whose truth we know) and against real saved detik pages
served on loopback at their real URL paths, the way a live outlet would serve
them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.extraction import extract_article
from crawler.probe import EDGE_WORDS
from crawler.sources import load_sources
from tests.conftest import REPO, run_warta

REALPAGES = Path(__file__).parent / "fixtures" / "realpages"
DETIK_ARTICLE = REALPAGES / "detik" / "news-2022-polisi-pistol"
DETIK_INDEX = REALPAGES / "detik" / "indeks-news-2024-10-04"


def probe(*args: str) -> tuple[int, dict]:
    result = run_warta("probe", *args, "--format", "json", timeout=180)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_probe_of_the_replica_reports_its_articles_field_by_field(crawl_server, crawl_site):
    code, report = probe("tribunjogja", "--replica", crawl_server.base_url)
    listed = {article.url for article in crawl_site.source_articles("tribunjogja")}
    assert report["listing"]["links"] and set(report["listing"]["links"]) <= listed
    assert len(report["articles"]) == 3
    for finding in report["articles"]:
        truth = crawl_site.article(finding["url"])
        fields = finding["fields"]
        assert fields["title"]["value"] == truth.title
        assert fields["authors"]["value"] == truth.authors
        assert fields["editors"]["value"] == truth.editors
        assert fields["location"] == {"value": truth.location, "layer": "rule:tribun@1"}
        assert finding["rule"] == "rule:tribun@1"
        words = truth.body.split()
        assert finding["body_first"] == " ".join(words[:EDGE_WORDS])
        assert finding["body_last"] == " ".join(words[-EDGE_WORDS:])
        assert finding["suspicious"] == []
    assert report["warnings"] == 0 and code == 0


class _SavedPages(BaseHTTPRequestHandler):
    """Serves saved pages by URL path, as their outlet did; the clock endpoint fixes "now"."""

    pages: dict[str, bytes] = {}

    def do_GET(self) -> None:
        # detik articles are fetched as ?single=1 (their whole view): the page is the same
        body = self.pages.get(self.path, self.pages.get(self.path.split("?")[0]))
        if self.path == "/_replica/meta":
            body = json.dumps({"now": "2024-10-04T19:45:00+07:00"}).encode()
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def saved_outlet(tmp_path) -> Iterator[tuple[str, Path, dict]]:
    """A loopback server with the real detik index and article, and a sources file for them."""
    article_truth = json.loads(DETIK_ARTICLE.with_suffix(".truth.json").read_text())
    article_path = article_truth["url"].removeprefix("https://news.detik.com")
    pages = {
        "/indeks/1?date=10/04/2024": DETIK_INDEX.with_suffix(".html").read_bytes(),
        article_path: DETIK_ARTICLE.with_suffix(".html").read_bytes(),
    }
    handler = type("Handler", (_SavedPages,), {"pages": pages})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The configured detik selectors, on news.detik.com's own index URL shape.
    detik = load_sources()["detikjogja"].discovery
    sources = tmp_path / "sources.toml"
    sources.write_text(
        (REPO / "sources.toml").read_text().split("\n[sources.")[0]
        + "\n"  # the [defaults] table
        + "[sources.detiknews]\n"
        'name = "detikNews"\n'
        'domains = ["news.detik.com"]\n'
        'sections = ["berita"]\n'
        "[sources.detiknews.discovery]\n"
        'style = "daily_index"\n'
        'index_url = "https://news.detik.com/indeks/{page}?date={date:%m/%d/%Y}"\n'
        f"item_links = {json.dumps(detik['item_links'])}\n"
        f"page_links = {json.dumps(detik['page_links'])}\n"
    )
    try:
        yield f"http://127.0.0.1:{server.server_port}", sources, pages
    finally:
        server.shutdown()
        server.server_close()


def test_probe_of_real_detik_pages_over_http(saved_outlet):
    base_url, sources, pages = saved_outlet
    index_truth = json.loads(DETIK_INDEX.with_suffix(".truth.json").read_text())
    article_truth = json.loads(DETIK_ARTICLE.with_suffix(".truth.json").read_text())
    url = article_truth["url"]
    _, report = probe("detiknews", url, "--replica", base_url, "--sources", str(sources))

    listing = report["listing"]
    assert listing["url"] == "https://news.detik.com/indeks/1?date=10/04/2024"
    assert listing["links"] == index_truth["article_links"]  # video-only items are not ours
    (finding,) = report["articles"]
    assert finding["status"] == 200 and finding["rule"].startswith("rule:detik@")
    # The probe reports exactly what a crawl would extract from the page.
    article = extract_article(DETIK_ARTICLE.with_suffix(".html").read_bytes(), url)
    assert finding["fields"]["title"]["value"] == article.title == article_truth["title"]
    assert finding["fields"]["authors"]["value"] == article.authors
    assert finding["fields"]["published_at"]["value"] == article.published_at.isoformat()
    assert finding["body_first"] == " ".join(article.body.split()[:EDGE_WORDS])


def test_a_probe_writes_nothing_where_it_runs(saved_outlet, tmp_path):
    """No archive and no WARC folder: the probe's fetches are not a crawl's."""
    base_url, sources, _ = saved_outlet
    url = json.loads(DETIK_ARTICLE.with_suffix(".truth.json").read_text())["url"]
    here = tmp_path / "cwd"
    here.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WARTA_", "SCRAPY_"))}
    result = subprocess.run(
        [sys.executable, "-m", "warta", "probe", "detiknews", url, "--replica", base_url,
         "--sources", str(sources), "--format", "json"],
        cwd=here, env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["articles"][0]["status"] == 200
    assert list(here.iterdir()) == []


def test_probe_flags_a_changed_layout(saved_outlet):
    """The outlet renames its body container: the rule no longer matches, and the probe says so."""
    base_url, sources, pages = saved_outlet
    url = json.loads(DETIK_ARTICLE.with_suffix(".truth.json").read_text())["url"]
    path = url.removeprefix("https://news.detik.com")
    pages[path] = pages[path].replace(b"detail__body-text", b"detail__content-text")
    code, report = probe("detiknews", url, "--replica", base_url, "--sources", str(sources))
    (finding,) = report["articles"]
    assert finding["rule"] is None
    assert any("no outlet rule matched" in warning for warning in finding["suspicious"])
    assert code == 1


def test_probe_reports_an_unreachable_listing(saved_outlet):
    base_url, sources, pages = saved_outlet
    pages.clear()  # every page now answers 404
    code, report = probe("detiknews", "--replica", base_url, "--sources", str(sources))
    assert report["listing"]["error"] == "HTTP 404"
    assert "could not be fetched" in report["listing"]["suspicious"][0]
    assert report["articles"] == [] and code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nosuchsource",), "unknown source 'nosuchsource'"),
        (("tribunjogja", "https://example.org/a"), "is not on tribunjogja's domains"),
        (("tribunjogja", "--replica", "ftp://x"), "--replica: expected http://host:port"),
    ],
)
def test_probe_refuses_bad_arguments_in_one_line(args, message):
    result = run_warta("probe", *args)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
