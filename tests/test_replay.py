"""`warta replay`: pywb on loopback replays WARC files of replica pages byte for byte.

The WARC files are written with warcio from real fetches of the running replica;
`warta replay` runs as an operator would run it (a subprocess), from the pywb
environment `warta replay --setup` made (.ci/run makes it), and stops on SIGTERM
together with its pywb.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.warc import default_warc_dir
from tests.conftest import REPO, run_warta
from tests.replica_warc import PYWB_VENV, capture, free_port, get, pywb_program, stamp


def wait_for(port: int, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("warta replay did not listen")


def listeners(port: int) -> list[str]:
    """Addresses listening on the port (from /proc): pywb must bind loopback only."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:
                found.append(address)
    return found


def start_replay(db: Path, port: int) -> subprocess.Popen:
    """`warta replay` as an operator runs it, from the pywb environment .ci/run made."""
    pywb_program("wayback")
    env = {**os.environ, "WARTA_PYWB_VENV": str(PYWB_VENV)}
    return subprocess.Popen(
        [sys.executable, "-m", "warta", "replay", "--db", str(db), "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def warc_dir(replica_server, small_site, tmp_path):
    db = tmp_path / "warta.db"
    folder = default_warc_dir(db)
    folder.mkdir()
    urls = [article.url for article in small_site.articles[:4]]
    captured = capture(replica_server.base_url, urls[:2], folder / "warta-1-00000-h.warc.gz")
    captured += capture(replica_server.base_url, urls[2:], folder / "warta-2-00001-h.warc.gz")
    # a file that is not WARC is skipped with a warning; the others still replay
    (folder / "warta-3-00002-h.warc.gz").write_bytes(b"not a WARC file\n")
    return db, folder, captured


def test_replay_serves_archived_articles_byte_for_byte_on_loopback(warc_dir):
    db, folder, captured = warc_dir
    port = free_port()
    process = start_replay(db, port)
    try:
        wait_for(port, process)
        assert listeners(port) == ["0100007F"]  # 127.0.0.1, not 0.0.0.0
        for page in captured:
            assert page.status == 200 and len(page.body) > 1000
            at = stamp(page.date)
            status, body = get(f"http://127.0.0.1:{port}/warta/{at}id_/{page.url}")
            assert status == 200, page.url
            assert body == page.body, page.url
        status, _ = get(f"http://127.0.0.1:{port}/warta/{at}id_/https://not.archived/x")
        assert status == 404
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert b"Traceback" not in err
    assert b"warning: skipped warta-3-00002-h.warc.gz: Unknown archive format" in err
    time.sleep(0.5)
    assert listeners(port) == []  # pywb stopped with warta


def test_replay_without_warc_files_or_pywb_is_one_line(tmp_path, monkeypatch):
    db = tmp_path / "warta.db"
    result = run_warta("replay", "--port", str(free_port()), db=db)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("warta.warc: no such WARC folder")
    assert len(result.stderr.strip().splitlines()) == 1
    default_warc_dir(db).mkdir()
    result = run_warta("replay", db=db)
    assert result.returncode == 1 and "no WARC files" in result.stderr
    (default_warc_dir(db) / "x.warc.gz").write_bytes(b"garbage")
    result = run_warta("replay", db=db)
    assert result.returncode == 1 and "no WARC file in the folder reads" in result.stderr
    (default_warc_dir(db) / "x.warc.gz").write_bytes(b"")
    monkeypatch.setenv("WARTA_PYWB_VENV", str(tmp_path / "nowhere"))
    result = run_warta("replay", db=db)
    assert result.returncode == 1 and "run `warta replay --setup` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_replay_serves_our_crawlers_capture_byte_for_byte(crawl_server, tmp_path):
    """A crawl with capture on (the default), replayed: each sampled article's bytes
    through pywb's `id_` mode are the replica's response to the same request."""
    import http.client
    from urllib.parse import urlsplit

    from storage.archive import Archive

    db = tmp_path / "warta.db"
    crawl = run_warta("crawl", "harianjogja", "--replica", crawl_server.base_url, db=db)
    assert crawl.returncode == 0, crawl.stderr
    with Archive(db, readonly=True) as archive:
        sample = [(row["url"], row["first_seen_at"]) for row in archive.articles()[:3]]
    assert sample
    port = free_port()
    process = start_replay(db, port)
    try:
        wait_for(port, process)
        for url, seen in sample:
            parts = urlsplit(url)
            direct = http.client.HTTPConnection(crawl_server.host, crawl_server.port, timeout=30)
            direct.request("GET", parts.path, headers={"Host": parts.netloc})
            original = direct.getresponse().read()
            direct.close()
            status, body = get(f"http://127.0.0.1:{port}/warta/{stamp(seen)}id_/{url}")
            assert (status, body) == (200, original), url
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert b"Traceback" not in err
