"""What a hostile or misconfigured site can make a crawl store: header floods, bad TLS.

Real crawls through a small proxy in front of the replica: one that floods article
responses with headers, and one that serves the replica over HTTPS with a
self-signed certificate on 127.0.0.1 (made with the openssl CLI).
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import subprocess
import threading
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.sources import REPO_SOURCES
from storage.archive import Archive
from tests.conftest import run_warta
from warta.crawling import replica_clock

ARTICLE_PATH = re.compile(r"/\d{4}/\d{2}/\d{2}/")
HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive"}


class Proxy(ThreadingHTTPServer):
    """Forwards GETs to the replica; `flood` headers on article pages; optional TLS."""

    daemon_threads = True

    def __init__(self, replica: str, flood: int = 0, host: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.replica = urlsplit(replica).netloc
        self.upstream = replica
        self.served: list[str] = []
        self.flood = flood
        self.host = host  # the outlet host to ask the replica for (TLS mode)
        self.base = ""

    @property
    def port(self) -> int:
        return self.server_address[1]


class ProxyHandler(BaseHTTPRequestHandler):
    server: Proxy

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        host = self.server.host or self.headers["Host"]
        upstream = http.client.HTTPConnection(self.server.replica, timeout=30)
        upstream.request("GET", self.path, headers={"Host": host})
        response = upstream.getresponse()
        body = response.read()
        self.server.served.append(self.path)
        if self.server.host:  # the replica's absolute links lead back here
            body = body.replace(f"https://{host}".encode(), self.server.base.encode())
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        if self.server.flood and ARTICLE_PATH.search(self.path):
            for number in range(self.server.flood):
                self.send_header(f"X-Junk-{number}", "x" * 40)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        upstream.close()


def serving(proxy: Proxy) -> Iterator[Proxy]:
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()


@pytest.fixture
def flooding_proxy(crawl_server) -> Iterator[Proxy]:
    yield from serving(Proxy(crawl_server.base_url, flood=150_000))


def test_a_header_flood_is_refused_and_recorded_not_stored(tmp_path, flooding_proxy):
    db = tmp_path / "warta.db"
    base = f"http://127.0.0.1:{flooding_proxy.port}"
    result = run_warta("crawl", "tribunjogja", "--replica", base, "--limit", "3", db=db)
    assert "Traceback" not in result.stderr, result.stderr
    with Archive(db, readonly=True) as archive:
        stored = archive.conn.execute("SELECT count(*) FROM raw_pages").fetchone()[0]
        reasons = archive.conn.execute(
            "SELECT reason, detail FROM crawl_errors WHERE url LIKE '%/2025/%'"
        ).fetchall()
    assert stored == 0
    assert reasons and all(reason == "too_large" for reason, _ in reasons), reasons
    assert "response headers too large" in reasons[0][1]
    assert db.stat().st_size < 2_000_000  # was 52 MB for three tiny articles


def test_headers_are_stored_compressed_and_old_rows_still_read(tmp_path, crawl_server):
    db = tmp_path / "warta.db"
    result = run_warta(
        "crawl", "tribunjogja", "--replica", crawl_server.base_url, "--limit", "2", db=db
    )
    assert result.returncode == 0, result.stderr
    with Archive(db) as archive:
        article_id, stored = archive.conn.execute(
            "SELECT article_id, headers FROM raw_pages ORDER BY id LIMIT 1"
        ).fetchone()
        assert isinstance(stored, bytes)  # a zlib BLOB
        headers = json.loads(zlib.decompress(stored))
        assert headers["Content-Type"].startswith("text/html")
        # a page archived before compression: the JSON text
        archive.conn.execute(
            "UPDATE raw_pages SET headers = ? WHERE article_id = ?",
            (json.dumps(headers), article_id),
        )
        assert archive.raw_headers(article_id)[0] == headers  # old and new rows alike
    reparse = run_warta("reparse", db=db)  # reads old and new rows alike
    assert reparse.returncode == 0, reparse.stderr


# -- TLS -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={TEST_HOST}",
         "-addext", f"subjectAltName=DNS:{TEST_HOST}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


HOST = "jogjapolitan.harianjogja.com"
# Outlet domains may not be IP literals or local names: the test outlet gets a name that
# tests/loopback_resolver.py resolves to 127.0.0.1.
TEST_HOST = "harianjogja-tls.test"
LOOPBACK_DNS = ("-s", "DNS_RESOLVER=tests.loopback_resolver.LoopbackResolver")


@pytest.fixture
def https_outlet(crawl_server, certificate) -> Iterator[Proxy]:
    """Harian Jogja's replica served over HTTPS at 127.0.0.1 with a self-signed certificate."""
    proxy = Proxy(crawl_server.base_url, host=HOST)
    proxy.base = f"https://{TEST_HOST}:{proxy.port}"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    proxy.socket = context.wrap_socket(proxy.socket, server_side=True)
    yield from serving(proxy)


def local_config(folder: Path, base: str, verify: bool) -> Path:
    """sources.toml with Harian Jogja at the local HTTPS outlet (and verify_tls as given)."""
    text = REPO_SOURCES.read_text(encoding="utf-8")
    text = text.replace(
        f'domains = ["{HOST}"]',
        f'domains = ["{TEST_HOST}"]' + ("" if verify else "\nverify_tls = false"),
    ).replace(f"https://{HOST}", base)
    path = folder / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def crawl_live(db: Path, config: Path, replica: str) -> subprocess.CompletedProcess:
    # a live crawl's window ends today; the replica's days end at its own clock
    now = date.fromisoformat(replica_clock(replica)[:10])
    window = ["--since", str(now - timedelta(days=14)), "--until", str(now)]
    return run_warta(
        "crawl", "harianjogja", "--sources", str(config), "--limit", "3", *window,
        "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0", *LOOPBACK_DNS, db=db, timeout=180,
    )  # fmt: skip


def test_a_self_signed_certificate_is_refused_and_recorded(tmp_path, https_outlet):
    db = tmp_path / "warta.db"
    config = local_config(tmp_path, https_outlet.base, verify=True)
    result = crawl_live(db, config, https_outlet.upstream)
    assert result.returncode == 1, result.stderr  # (Scrapy logs the robots.txt failure)
    with Archive(db, readonly=True) as archive:
        assert archive.conn.execute("SELECT count(*) FROM raw_pages").fetchone() == (0,)
        errors = archive.conn.execute("SELECT reason, detail FROM crawl_errors").fetchall()
    assert errors and {reason for reason, _ in errors} == {"tls_error"}, errors


def test_verify_tls_false_fetches_it_and_the_run_says_so(tmp_path, https_outlet):
    db = tmp_path / "warta.db"
    config = local_config(tmp_path, https_outlet.base, verify=False)
    crawl_live(db, config, https_outlet.upstream)
    with Archive(db, readonly=True) as archive:
        (run,) = archive.runs.latest()
        tls_errors = archive.conn.execute(
            "SELECT count(*) FROM crawl_errors WHERE reason = 'tls_error'"
        ).fetchone()[0]
    # the sitemaps came over TLS (the article URLs it lists lose the test port when the
    # crawler canonicalizes them, so only the sitemaps are this outlet's)
    assert "/sitemap.xml" in https_outlet.served and run["pages"] >= 2
    assert tls_errors == 0
    assert "TLS certificates not verified (verify_tls = false)" in run["message"]


def test_verify_tls_must_be_a_boolean(tmp_path):
    config = local_config(tmp_path, f"https://{TEST_HOST}:1", verify=False)
    config.write_text(config.read_text().replace("verify_tls = false", 'verify_tls = "no"'))
    result = run_warta("sources", "--sources", str(config))
    assert result.returncode != 0
    assert "verify_tls" in result.stderr and "Traceback" not in result.stderr


def test_certificates_are_verified_unless_the_source_opts_out(tmp_path):
    from crawler.sources import load_sources
    from crawler.spiderloader import spider_class_for

    config = local_config(tmp_path, f"https://{TEST_HOST}:1", verify=False)
    sources = load_sources(config)
    assert not sources["harianjogja"].verify_tls and sources["tribunjogja"].verify_tls
    settings = {s: spider_class_for(sources[s]).custom_settings for s in sources}
    assert settings["harianjogja"]["DOWNLOAD_VERIFY_CERTIFICATES"] is False
    assert settings["tribunjogja"]["DOWNLOAD_VERIFY_CERTIFICATES"] is True
