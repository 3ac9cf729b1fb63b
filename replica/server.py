"""The replica's HTTP server: every outlet host on one loopback port, routed by Host.

`ReplicaServer` serves a `Site` from a background thread (tests, the demo);
`serve_forever` is `warta replica` in the foreground. Pages are rendered per
request from the site built at start; `server.site = other` swaps it while
running (the next night, say: docs/replica-contract.md, "Nights"). Requests
are recorded in `server.requests` as (host, path-with-query), and with their
time and User-Agent in `server.request_log` (replica/request_log.py), also
appended to a JSON-lines file when one is given (`request_log=PATH`); they are
not printed unless asked. `server.faults` (replica/faults.py) makes chosen URLs
misbehave: errors, hangs, resets, broken bodies, odd content; it can be swapped
while running too.
"""

from __future__ import annotations

import re
import socket
import struct
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from replica.faults import Fault, first_fault, robots_disallows, transform, with_disallows
from replica.generator import build_site
from replica.model import Site
from replica.pages.common import HTML, Page
from replica.request_log import LoggedRequest, LogWriter
from replica.routes import route

MAX_RECORDED = 200_000  # a long-running server keeps only the latest requests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: crawlers reuse connections
    server_version = "replica/1.0"
    disable_nagle_algorithm = True  # headers and body go out without a delayed-ACK stall
    timeout = 30  # an idle keep-alive connection is closed after this many seconds
    server: _Server

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        host, target = self._host_and_target()
        self.server.record(host, target, self.headers.get("User-Agent", ""))
        # One read of each reference: the whole response comes from one site and one
        # fault list, even when another thread swaps `server.site` or `.faults` meanwhile.
        site, faults = self.server.site, self.server.faults
        fault = None
        if faults and not target.startswith("/_replica/"):
            fault = first_fault(faults, host + target)
        if fault is not None and self._misbehave_before_routing(fault, host, target):
            return
        try:
            page = route(site, host, target)
        except Exception:  # a rendering bug: answer 500, show it, keep serving
            traceback.print_exc()
            page = Page(500, HTML, b"<!DOCTYPE html><title>500</title><h1>500</h1>")
        headers: dict[str, str] = {}
        if faults and target == "/robots.txt" and page.status == 200:
            page = replace(page, body=with_disallows(page.body, robots_disallows(faults, host)))
        if fault is not None:
            page, headers = transform(fault, page)
            if self._misbehave_while_sending(fault, page, send_body):
                return
        self._send(page, send_body, headers)

    def _send(self, page: Page, send_body: bool, headers: dict[str, str] | None = None) -> None:
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(page.body)

    # -- faults (replica/faults.py) ------------------------------------------------------

    def _misbehave_before_routing(self, fault: Fault, host: str, target: str) -> bool:
        """Answer for faults that replace the page; False: route it, then see."""
        kind = fault.kind
        if kind == "5xx":
            status = int(fault.number("code"))
            self._send(Page(status, HTML, f"<h1>{status}</h1>".encode()), True)
        elif kind == "retry-after":
            status = int(fault.number("code"))
            body = f"<h1>{status}</h1>".encode()
            self._send(Page(status, HTML, body), True, {"Retry-After": fault.param("after")})
        elif kind == "forbid-ua":
            if fault.param("allow") in self.headers.get("User-Agent", ""):
                return False
            self._send(Page(403, HTML, b"<h1>403 Forbidden</h1>"), True)
        elif kind == "hang":
            self.server.stopping.wait(fault.number("seconds"))  # ends early when stopped
            self.close_connection = True
        elif kind == "reset":
            self._reset()
        elif kind in ("redirect-loop", "redirect-offsite"):
            self._redirect(fault, host, target)
        else:
            return False
        return True

    def _redirect(self, fault: Fault, host: str, target: str) -> None:
        path, _, query = target.partition("?")
        if fault.kind == "redirect-offsite":
            location, status = f"https://{fault.param('to')}{target}", 301
        else:  # A -> A?loop=1 -> A (pingpong), or A?loop=n -> A?loop=n+1 for ever (endless)
            params = [p for p in query.split("&") if p and not p.startswith("loop=")]
            found = re.search(r"loop=(\d+)", query)
            loop = int(found.group(1)) if found else 0
            if fault.param("mode") == "endless" or loop == 0:
                params.append(f"loop={loop + 1}")
            location = f"https://{host}{path}" + (f"?{'&'.join(params)}" if params else "")
            status = 302
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0) before answering: "connection reset by peer"."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _misbehave_while_sending(self, fault: Fault, page: Page, send_body: bool) -> bool:
        """Send the page the way `fault` breaks the connection; False: send it normally."""
        kind = fault.kind
        if kind not in ("trickle", "truncate", "huge") or not send_body:
            return False
        self.close_connection = True
        if kind == "huge":
            self._send_huge(fault, page)
            return True
        declared = kind == "trickle" or fault.param("length") == "declared"
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        if declared:
            self.send_header("Content-Length", str(len(page.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if kind == "truncate":
            self.wfile.write(page.body[: int(len(page.body) * fault.number("keep"))])
            return True
        chunk, interval = int(fault.number("chunk")) or 1, fault.number("interval")
        for start in range(0, len(page.body), chunk):
            self.wfile.write(page.body[start : start + chunk])
            self.wfile.flush()
            if self.server.stopping.wait(interval):
                break
        return True

    def _send_huge(self, fault: Fault, page: Page) -> None:
        """mb megabytes of HTML, generated as it is sent (the server never holds it)."""
        size = int(fault.number("mb") * 1024 * 1024)
        filler = b"<p>" + b"Berita panjang sekali. " * 40 + b"</p>\n"
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        if fault.param("length") == "declared":
            self.send_header("Content-Length", str(size))
        self.send_header("Connection", "close")
        self.end_headers()
        head = page.body[: page.body.find(b"<body")] or b"<!DOCTYPE html><html><head></head>"
        self.wfile.write(head + b"<body>")
        sent = len(head) + 6
        while sent < size:
            piece = filler[: size - sent]
            self.wfile.write(piece)
            sent += len(piece)

    def _host_and_target(self) -> tuple[str, str]:
        """The outlet host (lowercase, no port) and the path with its query."""
        target = self.path
        host = self.headers.get("Host", "")
        if "://" in target:  # absolute-form request target, as sent to a proxy
            parts = urlsplit(target)
            host = parts.netloc
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        host = host.strip().lower()
        if host.startswith("["):  # [::1]:8800
            host = host.split("]")[0] + "]"
        else:
            host = host.split(":")[0]
        return host, target or "/"

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # open keep-alive connections never block shutdown
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a crawl opening dozens of connections
    # at once overflows it, and each dropped handshake stalls a request for seconds.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        site: Site,
        verbose: bool,
        faults: list[Fault],
        log_writer: LogWriter | None = None,
    ) -> None:
        self.site = site
        self.verbose = verbose
        self.faults = faults
        self.stopping = threading.Event()  # wakes hanging and trickling handlers on stop
        self.requests: deque[tuple[str, str]] = deque(maxlen=MAX_RECORDED)
        self.request_log: deque[LoggedRequest] = deque(maxlen=MAX_RECORDED)
        self.log_writer = log_writer
        # Called with each logged request before it is answered, on the handler's thread:
        # a test can hold one crawl's requests until another's arrive (ReplicaServer.hold).
        self.hold: Callable[[LoggedRequest], None] | None = None
        self._recording = threading.Lock()  # the log file lists requests in memory's order
        super().__init__(address, _Handler)

    def record(self, host: str, target: str, user_agent: str) -> None:
        """Note a request as it arrives: (host, target), and its time and User-Agent."""
        with self._recording:
            self.requests.append((host, target))
            entry = LoggedRequest(time.time(), host, target, user_agent)
            self.request_log.append(entry)
            if self.log_writer is not None:
                self.log_writer.write(entry)
        hold = self.hold
        if hold is not None:  # outside the lock: a held request must not stop the others
            hold(entry)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        # A client that hangs up mid-response is normal for a crawler (and what the
        # hang, trickle and huge faults provoke); stay quiet.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class ReplicaServer:
    """Serves `site` on host:port in a background thread; a context manager.

    with ReplicaServer(site) as server:
        urlopen(Request(server.base_url + "/robots.txt",
                        headers={"Host": "jogja.tribunnews.com"}))
    """

    def __init__(
        self,
        site: Site,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        faults: list[Fault] | None = None,
        request_log: str | Path | None = None,
    ) -> None:
        """`request_log`: a file to append every request to, as JSON lines (request_log.py).

        Raises OSError when the port cannot be bound or the log file cannot be opened.
        """
        writer = LogWriter(request_log) if request_log is not None else None
        try:
            self._httpd = _Server((host, port), site, verbose, list(faults or []), writer)
        except OSError:
            if writer is not None:
                writer.close()
            raise
        self._thread: threading.Thread | None = None

    @property
    def site(self) -> Site:
        """The site being served."""
        return self._httpd.site

    @site.setter
    def site(self, site: Site) -> None:
        """Serve `site` from now on; requests in flight finish with the site they started with.

        Rebinding one attribute is atomic under the GIL and each request reads it
        once, so no lock is needed.
        """
        self._httpd.site = site

    @property
    def faults(self) -> list[Fault]:
        """The faults applied to requests, first match wins (replica/faults.py)."""
        return self._httpd.faults

    @faults.setter
    def faults(self, faults: list[Fault]) -> None:
        """Apply these faults from now on (a new list: requests in flight keep the old one)."""
        self._httpd.faults = list(faults)

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT: where the crawler sends requests (with the outlet's Host)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def requests(self) -> deque[tuple[str, str]]:
        """(host, path-with-query) of every request served, oldest first."""
        return self._httpd.requests

    @property
    def request_log(self) -> deque[LoggedRequest]:
        """(time, host, target, user_agent) of every request served, oldest first."""
        return self._httpd.request_log

    @property
    def hold(self) -> Callable[[LoggedRequest], None] | None:
        """Called with each request as it is logged, before it is answered (None: off).

        It runs on the request's own handler thread, so blocking in it delays only that
        response: tests use it to make two crawls' fetches overlap for certain.
        """
        return self._httpd.hold

    @hold.setter
    def hold(self, hold: Callable[[LoggedRequest], None] | None) -> None:
        self._httpd.hold = hold

    def start(self) -> ReplicaServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="replica-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def run(self) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C), then close the socket."""
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self._httpd.stopping.set()
            self._close()

    def stop(self) -> None:
        self._httpd.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._close()

    def _close(self) -> None:
        self._httpd.server_close()
        if self._httpd.log_writer is not None:
            self._httpd.log_writer.close()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_forever(
    port: int = 8800,
    articles: int = 300,
    seed: int = 1,
    host: str = "127.0.0.1",
    *,
    night: int = 0,
    new_per_night: int = 10,
    edits_per_night: int = 0,
    syndication: bool = False,
    faults: list[Fault] | None = None,
    outlets: int = 0,
    outlet_articles: int = 20,
    request_log: str | Path | None = None,
    write_sources: str | Path | None = None,
) -> None:
    """`warta replica`: build the site, serve it in the foreground until Ctrl-C.

    `night`, `new_per_night`, `edits_per_night`: serve the site that many nights on
    (build_site); `syndication`: with Tribun Jateng and the copies (build_site);
    `outlets`, `outlet_articles`: that many generated regional outlets (build_site);
    `faults`: misbehave as they say (replica/faults.py); `request_log`: append every
    request to that file as JSON lines; `write_sources`: first write a sources config
    covering the configured and the generated outlets there (replica/sources_file.py).
    Raises OSError when the port cannot be bound or the log opened, ValueError for
    too many outlets, crawler.sources.ConfigError when the sources file cannot be written.
    """
    site = build_site(
        articles=articles,
        seed=seed,
        night=night,
        new_per_night=new_per_night,
        edits_per_night=edits_per_night,
        syndication=syndication,
        outlets=outlets,
        outlet_articles=outlet_articles,
    )
    if write_sources is not None:
        from replica.sources_file import write_sources as write  # only when asked: crawler config

        write(write_sources, site)
    server = ReplicaServer(site, host=host, port=port, faults=faults, request_log=request_log)
    later = ""
    if outlets:
        later += f", {outlets} generated outlets of {outlet_articles} articles"
    if syndication:
        later += f", syndication: {len(site.clusters)} clusters, {len(site.traps)} traps"
    if night:
        later += (
            f", night {night}: {len(site.new_urls(0))} new, "
            f"{len(site.edited_since(0))} revised, clock {site.now.isoformat()}"
        )
    for fault in faults or []:
        later += f", fault {fault.spec()}"
    print(
        f"replica: {len(site.articles)} articles ({articles} generated + the seed article, "
        f"seed {seed}{later}) at {server.base_url} (Ctrl-C to stop)",
        flush=True,
    )
    server.run()
