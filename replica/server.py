"""The replica's HTTP server: every outlet host on one loopback port, routed by Host.

`ReplicaServer` serves a `Site` from a background thread (tests, the demo);
`serve_forever` is `warta replica` in the foreground. Pages are rendered per
request from the site built at start; `server.site = other` swaps it while
running (the next night, say: docs/replica-contract.md, "Nights"). Requests
are recorded in `server.requests` as (host, path-with-query), and not logged
unless asked.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from replica.generator import build_site
from replica.model import Site
from replica.pages.common import HTML, Page
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
        self.server.requests.append((host, target))
        # One read of the reference: the whole response comes from one site, even when
        # another thread swaps `server.site` meanwhile.
        site = self.server.site
        try:
            page = route(site, host, target)
        except Exception:  # a rendering bug: answer 500, show it, keep serving
            traceback.print_exc()
            page = Page(500, HTML, b"<!DOCTYPE html><title>500</title><h1>500</h1>")
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(page.body)

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

    def log_message(self, format: str, *args) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # open keep-alive connections never block shutdown
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: Site, verbose: bool) -> None:
        self.site = site
        self.verbose = verbose
        self.requests: deque[tuple[str, str]] = deque(maxlen=MAX_RECORDED)
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up mid-response is normal for a crawler; stay quiet.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class ReplicaServer:
    """Serves `site` on host:port in a background thread; a context manager.

    with ReplicaServer(site) as server:
        urlopen(Request(server.base_url + "/robots.txt",
                        headers={"Host": "jogja.tribunnews.com"}))
    """

    def __init__(
        self, site: Site, host: str = "127.0.0.1", port: int = 0, verbose: bool = False
    ) -> None:
        self._httpd = _Server((host, port), site, verbose)
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
    def host(self) -> str:
        return self._httpd.server_address[0]

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
            self._httpd.server_close()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
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
) -> None:
    """`warta replica`: build the site, serve it in the foreground until Ctrl-C.

    `night`, `new_per_night`, `edits_per_night`: serve the site that many nights on
    (build_site); `syndication`: with Tribun Jateng and the copies (build_site).
    Raises OSError when the port cannot be bound (the CLI reports it).
    """
    site = build_site(
        articles=articles,
        seed=seed,
        night=night,
        new_per_night=new_per_night,
        edits_per_night=edits_per_night,
        syndication=syndication,
    )
    server = ReplicaServer(site, host=host, port=port)
    later = ""
    if syndication:
        later += f", syndication: {len(site.clusters)} clusters, {len(site.traps)} traps"
    if night:
        later += (
            f", night {night}: {len(site.new_urls(0))} new, "
            f"{len(site.edited_since(0))} revised, clock {site.now.isoformat()}"
        )
    print(
        f"replica: {len(site.articles)} articles ({articles} generated + the seed article, "
        f"seed {seed}{later}) at {server.base_url} (Ctrl-C to stop)",
        flush=True,
    )
    server.run()
