"""The replica's fault model (replica/faults.py) and how its server applies faults,
over real HTTP on loopback; no crawler involved (tests/test_faults.py crawls)."""

from __future__ import annotations

import http.client
import threading
import time

import pytest

from replica.faults import FaultSpecError, parse_fault, parse_faults
from replica.server import ReplicaServer
from tests.conftest import run_warta

HOST = "jogja.tribunnews.com"


@pytest.fixture(scope="module")
def server(small_site):
    with ReplicaServer(small_site) as running:
        yield running


@pytest.fixture(scope="module")
def article_path(small_site) -> str:
    article = next(a for a in small_site.articles if a.source == "tribunjogja" and a.pages == 1)
    return article.url.split(HOST, 1)[1]


def get(server, path: str, host: str = HOST, timeout: float = 5, **headers):
    """(status, headers, body) of one GET, on a fresh connection."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": host, **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_spec_parses_kind_pattern_times_and_options():
    fault = parse_fault("retry-after:www.detik.com/jogja/*:times=2,after=3")
    assert (fault.kind, fault.pattern, fault.times) == ("retry-after", "www.detik.com/jogja/*", 2)
    assert fault.param("after") == "3" and fault.param("code") == "429"  # given, default
    assert parse_fault("status:*/read/*").kind == "5xx"  # alias; no times: always
    assert parse_fault("5xx:*/read/*").times is None
    regex = parse_fault(r"hang:~/read/\d+/:seconds=1")
    assert regex.matches("regional.kompas.com/read/2025/11/07/153000123/x")
    assert not regex.matches("regional.kompas.com/")


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ("bogus:*", "unknown kind 'bogus'"),
        ("5xx", "missing URL pattern"),
        ("5xx:*:times=0", "times must be"),
        ("5xx:*:code=abc", "code='abc'"),
        ("5xx:*:colour=red", "no option 'colour'"),
        ("charset:*:declare=koi8-r", "declare must be one of"),
        ("5xx:~(:times=1", "bad regular expression"),
        ("forbid-ua:*", "needs allow=TEXT"),
    ],
)
def test_a_bad_spec_is_one_line_naming_the_bad_part(spec, names):
    with pytest.raises(FaultSpecError) as error:
        parse_fault(spec)
    assert names in str(error.value) and "\n" not in str(error.value)


def test_warta_replica_refuses_a_bad_fault_in_one_line():
    result = run_warta("replica", "--port", "0", "--faults", "5xx:*:times=zero", timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Error: fault '5xx:*:times=zero': times must be a whole number ≥ 1 or 'always'"
    ]


def test_times_counts_per_url_then_the_url_recovers(server, article_path):
    server.faults = parse_faults(["5xx:jogja.tribunnews.com/2025/*:times=2,code=502"])
    server.requests.clear()
    try:
        statuses = [get(server, article_path)[0] for _ in range(3)]
        assert statuses == [502, 502, 200]
        assert get(server, "/magelang")[0] == 200  # not matched
        assert (HOST, article_path) in server.requests  # the request log still records
        assert len(server.faults[0].hits[HOST + article_path]) == 2
    finally:
        server.faults = []


def test_retry_after_and_forbidden_user_agent(server, article_path):
    server.faults = parse_faults(
        [f"retry-after:{HOST}{article_path}:after=7", f"forbid-ua:{HOST}/magelang:allow=warta"]
    )
    try:
        status, headers, _ = get(server, article_path)
        assert (status, headers["Retry-After"]) == (429, "7")
        assert get(server, "/magelang", **{"User-Agent": "curl/8"})[0] == 403
        assert get(server, "/magelang", **{"User-Agent": "warta/0.1"})[0] == 200
    finally:
        server.faults = []


def test_a_hanging_url_does_not_block_the_others(server, article_path):
    server.faults = parse_faults([f"hang:{HOST}{article_path}:seconds=3"])
    outcome = {}

    def hang() -> None:
        try:
            get(server, article_path, timeout=1)
        except TimeoutError as exc:
            outcome["hang"] = exc

    try:
        waiting = threading.Thread(target=hang)
        waiting.start()
        time.sleep(0.1)
        started = time.monotonic()
        assert get(server, "/magelang")[0] == 200
        assert time.monotonic() - started < 0.5
        waiting.join()
        assert isinstance(outcome.get("hang"), TimeoutError)
    finally:
        server.faults = []


def test_connection_faults(server, article_path):
    full = get(server, article_path)[2]
    server.faults = parse_faults([f"reset:{HOST}{article_path}"])
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        get(server, article_path)
    server.faults = parse_faults([f"truncate:{HOST}{article_path}:keep=0.25"])
    with pytest.raises(http.client.IncompleteRead):  # Content-Length promises the whole page
        get(server, article_path)
    server.faults = parse_faults([f"truncate:{HOST}{article_path}:length=none"])
    status, headers, body = get(server, article_path)
    assert "Content-Length" not in headers and body == full[: len(full) // 2]
    server.faults = parse_faults([f"huge:{HOST}{article_path}:mb=2,length=none"])
    assert len(get(server, article_path)[2]) == 2 * 1024 * 1024
    server.faults = parse_faults([f"trickle:{HOST}{article_path}:interval=0.02,chunk=4096"])
    assert get(server, article_path)[2] == full
    server.faults = []


def test_content_faults(server, article_path):
    server.faults = parse_faults([f"charset:{HOST}{article_path}:declare=none"])
    status, headers, body = get(server, article_path)
    assert headers["Content-Type"] == "text/html" and b"charset" not in body[:500]
    assert "–".encode("cp1252") in body  # the Tribun dateline's en dash, one byte
    server.faults = parse_faults([f"not-html:{HOST}{article_path}:type=png"])
    status, headers, body = get(server, article_path)
    assert headers["Content-Type"] == "image/png" and body.startswith(b"\x89PNG")
    server.faults = parse_faults([f"bad-gzip:{HOST}{article_path}"])
    assert get(server, article_path)[1]["Content-Encoding"] == "gzip"
    server.faults = parse_faults([f"empty:{HOST}{article_path}"])
    assert get(server, article_path)[2] == b""
    server.faults = parse_faults([f"no-title:{HOST}{article_path}"])
    body = get(server, article_path)[2]
    assert b"<h1" not in body and b"<title>" not in body and b'"headline"' not in body
    server.faults = parse_faults([f"layout:{HOST}{article_path}"])
    body = get(server, article_path)[2]
    assert b"txt-article" not in body and b'id="arttitle"' not in body
    server.faults = []


def test_redirects_and_robots(server, article_path):
    server.faults = parse_faults([f"redirect-loop:{HOST}{article_path}*"])
    first = get(server, article_path)[1]["Location"]
    assert first == f"https://{HOST}{article_path}?loop=1"
    assert get(server, article_path + "?loop=1")[1]["Location"] == f"https://{HOST}{article_path}"
    server.faults = parse_faults([f"redirect-offsite:{HOST}{article_path}:to=evil.example"])
    assert get(server, article_path)[1]["Location"] == f"https://evil.example{article_path}"
    server.faults = parse_faults([f"robots:{HOST}/2025/11/07/*"])
    robots = get(server, "/robots.txt")[2].decode()
    assert "Disallow: /2025/11/07/\n" in robots and "Disallow: /search" in robots
    assert "/2025/" not in get(server, "/robots.txt", host="www.detik.com")[2].decode()
    server.faults = []
    assert get(server, article_path)[0] == 200
