"""WARC files of real HTTP fetches from the running replica, for the replay and WACZ tests.

Written with warcio the way a capturing crawler writes them (WARC/1.1, gzip per
record, request + response linked by WARC-Concurrent-To), from the bytes the
replica actually sent: these tests do not depend on warta's own capture.
"""

from __future__ import annotations

import http.client
import io
import os
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import REPO

# pywb's own environment (`warta replay --setup`; .ci/run makes it)
PYWB_VENV = Path(os.environ.get("WARTA_PYWB_VENV") or REPO / ".venv-pywb")


def pywb_program(name: str) -> str:
    """A program of pywb's environment, which these tests need (no skipping)."""
    program = PYWB_VENV / "bin" / name
    assert program.exists(), f"{program} missing: run `warta replay --setup` first"
    return str(program)


@dataclass(frozen=True)
class Captured:
    """One fetched page: what the replica sent, and where its response record lies."""

    url: str
    status: int
    body: bytes
    path: Path
    offset: int
    length: int
    date: str  # the record's WARC-Date


def fetch(base_url: str, url: str) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """GET `url` from the replica (which routes by Host): status, reason, headers, body."""
    parts = urlsplit(url)
    server = urlsplit(base_url)
    conn = http.client.HTTPConnection(server.hostname, server.port, timeout=30)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", target, headers={"Host": parts.netloc})
        response = conn.getresponse()
        return response.status, response.reason, response.getheaders(), response.read()
    finally:
        conn.close()


def stamp(date: str) -> str:
    """A WARC-Date as pywb's 14-digit timestamp."""
    return "".join(ch for ch in date if ch.isdigit())[:14]


def capture(base_url: str, urls: list[str], warc: Path) -> list[Captured]:
    """Fetch each URL and append its request and response records to `warc`."""
    captured = []
    with warc.open("ab") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for url in urls:
            status, reason, headers, body = fetch(base_url, url)
            # http.client has de-chunked the body: the record must not claim chunking
            headers = [(k, v) for k, v in headers if k.lower() != "transfer-encoding"]
            response = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1"),
            )
            request = writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=StatusAndHeaders(
                    f"GET {urlsplit(url).path} HTTP/1.1",
                    [("Host", urlsplit(url).netloc)],
                    is_http_request=True,
                ),
            )
            start = fh.tell()
            writer.write_record(response)
            end = fh.tell()
            request.rec_headers.add_header(
                "WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID")
            )
            writer.write_record(request)
            date = response.rec_headers.get_header("WARC-Date")
            captured.append(Captured(url, status, body, warc, start, end - start, date))
    return captured


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    """GET: status and body, also of an error page; status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, b""  # nothing listening (yet)
