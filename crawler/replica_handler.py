"""Send the crawl to the offline replica while it keeps the outlets' real URLs.

Installed for http and https in crawler/settings.py; without the
WARTA_REPLICA_URL setting (`warta crawl --replica URL`) it is Scrapy's plain
HTTP/1.1 handler. With it, it sits
at the very bottom of Scrapy's stack, as the download handler for http and
https: every middleware, the dupefilter, robots.txt handling and the spider
see `https://jogja.tribunnews.com/…`; only the bytes travel to
`http://127.0.0.1:PORT/…`, with the outlet's host in the Host header.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response


class ReplicaDownloadHandler(BaseDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.http = HTTP11DownloadHandler(crawler)
        self.replica_netloc = None
        replica = crawler.settings.get("WARTA_REPLICA_URL")
        if replica:
            parts = urlsplit(replica)
            if parts.scheme != "http" or not parts.netloc:
                raise ValueError(f"WARTA_REPLICA_URL must be http://host:port, got {replica!r}")
            self.replica_netloc = parts.netloc

    async def download_request(self, request: Request) -> Response:
        if self.replica_netloc is None:
            return await self.http.download_request(request)
        real = urlsplit(request.url)
        local_url = urlunsplit(("http", self.replica_netloc, real.path or "/", real.query, ""))
        local = request.replace(url=local_url)
        local.headers["Host"] = real.netloc
        response = await self.http.download_request(local)
        return response.replace(url=request.url, request=request)

    async def close(self) -> None:
        await self.http.close()
