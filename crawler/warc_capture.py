"""Capture every request and response of a crawl as WARC/1.1 records (storage/warc.py).

A downloader middleware at priority 900: above HttpCompressionMiddleware (590) and
RedirectMiddleware (600), so it sees every response, redirects and retried errors
included, with the body still as it came over the wire (matching its
Content-Encoding). What Scrapy does not keep is reconstructed and said so:

- the reason phrase (Scrapy keeps the status code only): http.HTTPStatus's phrase;
- the body is de-chunked by Scrapy: a `Transfer-Encoding: chunked` header is dropped
  and the body's Content-Length given instead (Twisted's client, under Scrapy 2.19,
  already drops the header: the record then has the headers the server sent, less it);
- header names are as Scrapy normalises them (Title-Case); every value of a
  repeated header is kept, in order;
- the request's headers are those Scrapy's middlewares set, plus Host.

Each response is written with its request (`WARC-Concurrent-To`) as whole gzip
members, appended to the run's open file. The response record's pointer goes to the
spider in `response.meta["warc"]` and from there into the archive. A response whose
payload digest equals the URL's latest archived record is written as a `revisit`
(identical-payload-digest, with `WARC-Refers-To`), and the page points at the
original response. That holds for every page, not only articles': a listing page, a
sitemap or robots.txt written whole is noted in the archive (`warc_captures`), so an
unchanged daily index re-walked the next night is a revisit too. Before the archive
commits a batch its records are fsynced (`Archive.before_commit`): no committed row
points at a record a crash can lose. On a crawl node they are fsynced before the
entries pointing at them go on the archive stream (crawler/node_link.py
`before_push`). A node has no archive to look the URL's latest record up in: it asks
the writer's copy in Redis (`NodeLink.latest_pointer`) and reads the original from
the nodes' shared WARC folder; it sends the records of other pages it wrote whole
to the writer (`NodeLink.capture`), which notes them. An original it cannot read
(a node whose WARC folder is its own) means the response is written whole.

One file per run (never two runs in a file), rolled at WARTA_WARC_MAX_BYTES. On
opening, files a killed crawl left torn are repaired first (`recover_open_files`).
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive_access import archive_for, fail_crawl
from crawler.node_link import NodeLink, is_node, node_link
from storage.archive import Archive, ArchiveError, default_db_path
from storage.warc import (
    DEFAULT_MAX_BYTES,
    OpenWarc,
    WarcPointer,
    default_warc_dir,
    gzip_member,
    payload_digest,
    read_record,
    recover_open_files,
)

META_KEY = "warc"  # response.meta[META_KEY]: the WarcPointer of the page's record
# request.meta[ARTICLE_PAGE]: set by the spiders on an article page's request; its
# record's pointer is kept with the article (raw_pages). Any other page's record written
# whole is noted in the archive (`Archive.note_capture`) for its next revisit check.
ARTICLE_PAGE = "warta_article_page"
FETCHED_META = "warc_date"  # response.meta[FETCHED_META]: the record's WARC-Date (datetime)
logger = logging.getLogger(__name__)


def warc_dir_for(crawler: Crawler) -> Path:
    """The crawl's WARC folder: WARTA_WARC_DIR, else beside the archive."""
    configured = crawler.settings.get("WARTA_WARC_DIR")
    if configured:
        return Path(configured)
    return default_warc_dir(crawler.settings.get("WARTA_DB") or default_db_path())


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date, to the microsecond."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcCapture:
    """Downloader middleware writing each response (and its request) to the run's WARC."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("WARTA_WARC", True):
            raise NotConfigured("WARC capture off (WARTA_WARC=false / --no-warc)")
        self.crawler = crawler
        self.folder = warc_dir_for(crawler)
        self.max_bytes = crawler.settings.getint("WARTA_WARC_MAX_BYTES", DEFAULT_MAX_BYTES)
        self.file: OpenWarc | None = None
        self.serial = 0
        self.archive: Archive | None = None
        self.link: NodeLink | None = None  # on a node: the writer's copy of the pointers
        self.failed = False  # a write failed: the crawl is stopping, write no more
        self.builder = WARCWriter(io.BytesIO(), gzip=True, warc_version="1.1")
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # -- the run's file ------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        for name, cut in recover_open_files(self.folder):
            logger.warning("WARC %s was left by a killed crawl: cut %d torn bytes", name, cut)
        if is_node(self.crawler):  # no archive here: fsync before entries go on the stream
            self.link = node_link(self.crawler)
            self.link.before_push.append(self.sync)
            return
        try:
            self.archive = archive_for(self.crawler)
        except ArchiveError:  # the run recorder reports it and stops the crawl
            return
        self.archive.warc_dir = self.folder
        self.archive.before_commit.append(self.sync)

    def spider_closed(self, spider: Spider) -> None:
        if self.archive is not None and self.sync in self.archive.before_commit:
            self.archive.before_commit.remove(self.sync)
        if self.file is not None:
            self.file.close()
            self.file = None

    def sync(self) -> None:
        """Make the records written so far durable (before the archive commits)."""
        if self.file is not None:
            self.file.sync()

    def _file(self) -> OpenWarc:
        if self.file is not None and self.file.size >= self.max_bytes:
            self.file.close()
            self.file = None
        if self.file is None:
            self.file = OpenWarc(self.folder, self.serial)
            self.serial = self.file.serial + 1
        return self.file

    # -- middleware -----------------------------------------------------------------

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        request.meta.pop(META_KEY, None)  # a redirect or retry copies the meta along
        request.meta.pop(FETCHED_META, None)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if self.failed:
            return response
        try:
            request.meta[META_KEY] = self.capture(request, response)
        except OSError as exc:
            # disk full, say: like a failed archive write, the crawl stops, and its
            # pipeline stores nothing more (a page without its record is fetched next run)
            self.failed = True
            fail_crawl(self.crawler, f"cannot write WARC records to {self.folder}: {exc}")
        except ArchiveError as exc:  # noting the capture failed: as any archive write
            self.failed = True
            fail_crawl(self.crawler, exc)
        return response

    def capture(self, request: Request, response: Response) -> WarcPointer:
        """Write the response (or a revisit) and its request; the page's pointer."""
        fetched = datetime.now(UTC)
        date = warc_date(fetched)
        request.meta[FETCHED_META] = fetched  # the page's fetched_at: an import reads this date
        digest = payload_digest(response.body)
        original = self._unchanged(response.url, digest)
        http_headers = response_headers(response)
        if original is not None:
            record = self._revisit(response.url, digest, original, http_headers, date)
        else:
            record = self.builder.create_warc_record(
                response.url,
                "response",
                payload=io.BytesIO(response.body),
                length=len(response.body),
                http_headers=http_headers,
                # computed once above: warcio then skips hashing the payload again
                warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": digest},
            )
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        req = self.builder.create_warc_record(
            response.url,
            "request",
            payload=io.BytesIO(request.body),
            length=len(request.body),
            http_headers=request_headers(request, response.url),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        data = gzip_member(record)
        warc = self._file()
        offset = warc.append(data + gzip_member(req))
        if original is not None:
            return original[0]  # the page's bytes are in the original response record
        pointer = WarcPointer(warc.name, offset, len(data), record_id, digest)
        if not request.meta.get(ARTICLE_PAGE):  # an article's record goes with the article
            if self.archive is not None:
                self.archive.note_capture(response.url, pointer)  # committed after warc.sync
            elif self.link is not None:
                self.link.capture(response.url, pointer)  # sent after warc.sync
        return pointer

    def _latest(self, url: str) -> WarcPointer | None:
        """The newest record the archive points at for the URL: from the archive, or on
        a node from the writer's copy."""
        if self.archive is not None:
            return self.archive.latest_warc_pointer(url)
        return self.link.latest_pointer(url) if self.link is not None else None

    def _unchanged(self, url: str, digest: str) -> tuple[WarcPointer, str, str] | None:
        """The URL's latest archived record, its target URI and date, when its payload
        is this one and it still reads (else the response is written whole again)."""
        try:
            latest = self._latest(url)
            if latest is None or latest.digest != digest:
                return None
            headers = read_record(self.folder, latest).rec_headers
        except ArchiveError:  # WarcError included: a lost file is no original to refer to
            return None
        return latest, headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date")

    def _revisit(
        self,
        url: str,
        digest: str,
        original: tuple[WarcPointer, str, str],
        http_headers: StatusAndHeaders,
        date: str,
    ) -> ArcWarcRecord:
        """A revisit record of `original` (warcio writes no WARC-Refers-To: we add it)."""
        pointer, refers_uri, refers_date = original
        return self.builder.create_revisit_record(
            url,
            digest,
            refers_uri,
            refers_date,
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": pointer.record_id},
        )


def response_headers(response: Response) -> StatusAndHeaders:
    """The response's status line and headers as received (see the module docstring)."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    headers: list[tuple[str, str]] = []
    dechunked = False
    for key, values in response.headers.items():
        name = key.decode("latin-1")
        if name.lower() == "transfer-encoding":
            rest = [v for v in values if v.strip().lower() != b"chunked"]
            dechunked = len(rest) < len(values)
            values = rest
        headers.extend((name, value.decode("latin-1")) for value in values)
    if dechunked and not any(name.lower() == "content-length" for name, _ in headers):
        headers.append(("Content-Length", str(len(response.body))))
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    return StatusAndHeaders(f"{response.status} {reason}".strip(), headers, protocol=protocol)


def request_headers(request: Request, url: str) -> StatusAndHeaders:
    """The request line (path and query string) and the headers Scrapy sent."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [
        (key.decode("latin-1"), value.decode("latin-1"))
        for key, values in request.headers.items()
        for value in values
    ]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)
