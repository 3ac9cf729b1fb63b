"""Every URL a crawl could not archive, recorded in the run with its reason.

Three ways a URL fails, three hooks, one table (`crawl_errors`, storage/schema.py):

- a download that failed for good (after retries): HTTP errors, timeouts,
  resets, truncated or oversized bodies, robots.txt, redirect loops or
  redirects off the source's domains. Article requests have the spider's
  errback (crawler/spiders/base.py), which calls `record_failure`; listing
  requests get `FailureErrbacks`' errback, added by this spider middleware.
- a page that is not an article: not HTML (a PDF, an image, an empty 200),
  recorded by the spider with `record`;
- an article the validate pipeline drops (no title, no body, mojibake):
  `ErrorRecorder` listens to `item_dropped`.

Two redirects end silently in Scrapy, and `ErrorRecorder` records them from
signals: a loop the duplicate filter cuts (A → B → A: `request_dropped`), and a
redirect off the source's domains, which the offsite middleware drops while
the request is scheduled (`request_scheduled`).
Recording goes through the archive's batched write path, so it costs one row
in the open batch; the URL does not become "known", so the next crawl tries it.
On a crawl node it is an `error` entry on the archive stream (crawler/node_link.py).
"""

from __future__ import annotations

import logging
import sqlite3
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from crawler.archive_access import archive_for
from crawler.extensions import crawl_run
from crawler.node_link import is_node, node_link
from crawler.offsite import on_allowed_host
from crawler.redis_connection import RedisUnavailable
from storage.archive import ArchiveError

log = logging.getLogger(__name__)

# A failed listing page's detail starts so: the next run retries failed articles, and
# walks listings anew rather than fetch one as an article.
LISTING = "listing page: "


def record(
    crawler: Crawler, url: str, reason: str, detail: str | None = None, attempts: int = 1
) -> None:
    """Record that `url` could not be archived in this crawl's run, count it, and log it
    as an error: a run that could not archive a URL is `degraded`, whatever the cause."""
    spider, stats = crawler.spider, crawler.stats
    assert spider is not None  # only a running crawl fails URLs
    run_id = crawl_run(crawler).run_id
    try:
        if is_node(crawler):  # the archive writer records it in the node's run
            entry = {"source": spider.name, "url": url, "reason": reason, "detail": detail}
            node_link(crawler).add("error", {**entry, "attempts": attempts})
        else:
            archive = archive_for(crawler)
            archive.runs.record_error(run_id, spider.name, url, reason, detail, attempts)
    except (ArchiveError, sqlite3.Error, RedisUnavailable) as exc:  # the recorder reports it
        log.error(
            "could not record the failure of %s (%s): %s", url, reason, exc, extra=about(spider)
        )
    stats.inc_value("warta/url_errors")
    stats.inc_value(f"warta/url_errors/{reason}")
    log.error("not archived: %s: %s: %s", url, reason, detail, extra=about(spider))


def about(spider: Spider) -> dict[str, Spider]:
    """Log `extra` naming the spider, so the run recorder counts the error for its run."""
    return {"spider": spider}


def is_listing(detail: str | None) -> bool:
    """Whether a recorded error was a listing page's, not an article's."""
    return detail is not None and detail.startswith(LISTING)


def failed_request(failure: Failure) -> Request:
    """The request an errback's failure is about (Scrapy sets it on the failure)."""
    request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
    return request


def failure_error(failure: Failure) -> BaseException:
    """The exception a failure holds (an errback's failure always holds one)."""
    error = failure.value
    assert error is not None
    return error


def request_of(response: Response) -> Request:
    """The request a callback's response answers (Scrapy sets it before any callback)."""
    request = response.request
    assert request is not None
    return request


def record_failure(crawler: Crawler, failure: Failure, listing: bool = False) -> None:
    """An errback's failure: classify it and record the URL it was for."""
    request = failed_request(failure)
    reason, detail = classify(failure_error(failure), request)
    if listing:
        detail = LISTING + detail
    url = request_url(request)
    if url != request.url:
        detail = f"{detail} (at {request.url})"
    record(crawler, url, reason, detail, attempts=request.meta.get("retry_times", 0) + 1)


def request_url(request: Request) -> str:
    """The URL a failed request stands for: the canonical article URL the listing gave
    (a continuation page or redirect target fails on the article's behalf)."""
    listed = request.cb_kwargs.get("listing_url")
    if listed:
        return listed
    redirected_from = request.meta.get("redirect_urls")
    return redirected_from[0] if redirected_from else request.url


# What a TLS failure's message holds: OpenSSL's verification or protocol errors, or
# service_identity's VerificationError (a certificate for another host name).
TLS_FAILURES = ("certificate verify failed", "SSL routines", "VerificationError")


def classify(error: BaseException, request: Request) -> tuple[str, str]:
    """(reason, detail) for a download failure: a short category and the message."""
    message = str(error) or type(error).__name__
    if isinstance(error, HttpError):
        response = error.response
        detail = f"HTTP {response.status}"
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            detail += f", Retry-After {retry_after.decode('latin-1')}"
        return f"http_{response.status}", detail
    if isinstance(error, IgnoreRequest):
        return _ignored(message, request), message
    if any(sign in message for sign in TLS_FAILURES):
        return "tls_error", message  # a certificate that does not verify, or no TLS at all
    for kinds, reason in _FAILURES:
        if isinstance(error, kinds):
            if reason == "cancelled" and (
                "max size" in message or message == str(type(error).__name__)
            ):
                reason = (
                    "too_large"  # Scrapy cancels a download only when it outgrows DOWNLOAD_MAXSIZE
                )
            return reason, message
    return "download_error", f"{type(error).__name__}: {message}"


_FAILURES: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (DownloadTimeoutError, "timeout"),
    (ResponseDataLossError, "truncated"),
    (DownloadCancelledError, "cancelled"),
    (DownloadConnectionRefusedError, "connection_refused"),
    (CannotResolveHostError, "dns_error"),
    (
        (DownloadFailedError, ResponseNeverReceived, ConnectionLost, ConnectionDone),
        "connection_reset",
    ),
    (ConnectError, "connection_failed"),
    ((OSError, zlib.error), "decode_error"),  # a corrupt gzip stream (HttpCompressionMiddleware)
)


def _ignored(message: str, request: Request) -> str:
    if "robots.txt" in message:
        return "robots_disallowed"
    if "max redirections" in message:
        return "redirect_loop"
    if "offsite" in message.lower():
        return "redirect_offsite" if request.meta.get("redirect_urls") else "offsite"
    if "DOWNLOAD_MAXSIZE" in message or "response headers too large" in message:
        return "too_large"  # decompressed past the limit, or headers past theirs
    if "not html" in message.lower():
        return "not_html"
    return "ignored"


class FailureErrbacks:
    """Spider middleware: requests without an errback (listings) get one that records.

    Without it a failed listing page is only a log line: its articles would be
    missing from the run with nothing saying so.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def listing_failed(self, failure: Failure) -> None:
        record_failure(self.crawler, failure, listing=True)

    def _with_errback(self, result: Any) -> Any:
        if isinstance(result, Request) and result.errback is None:
            result.errback = self.listing_failed
        return result

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for result in start:
            yield self._with_errback(result)

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterator[Any]:
        for item in result:
            yield self._with_errback(item)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Spider | None = None
    ) -> AsyncIterator[Any]:
        async for item in result:
            yield self._with_errback(item)


class ErrorRecorder:
    """Extension: records articles the pipelines reject as invalid, and redirect loops
    the duplicate filter cut short."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def item_dropped(
        self, item: Any, response: Response, exception: BaseException, spider: Spider | None = None
    ) -> None:
        reason = getattr(exception, "reason", None)  # pipelines.validate.InvalidArticle
        if reason is None:
            return  # a duplicate, not an error
        url = getattr(item, "fetched_url", None) or getattr(item, "url", None) or response.url
        record(self.crawler, url, reason, str(exception))

    def request_dropped(self, request: Request, spider: Spider | None = None) -> None:
        # A redirect to a URL fetched earlier in its own chain is a loop; to one another
        # request fetched, a duplicate (that URL is archived on its own).
        if request.url in request.meta.get("redirect_urls", ()):
            chain = " → ".join([*request.meta["redirect_urls"], request.url])
            record(
                self.crawler,
                request_url(request),
                "redirect_loop",
                f"redirected back to a URL already fetched: {chain}",
                attempts=request.meta.get("redirect_times", 1),
            )

    def request_scheduled(self, request: Request, spider: Spider | None = None) -> None:
        # The same test as crawler/offsite.py's middleware, which drops the request next.
        spider = self.crawler.spider
        if not request.meta.get("redirect_urls") or request.dont_filter:
            return
        if not on_allowed_host(request, spider):
            record(
                self.crawler,
                request_url(request),
                "redirect_offsite",
                f"redirected off the source's domains to {request.url}",
                attempts=request.meta.get("redirect_times", 1),
            )
