"""Downloader middleware: retries that wait, as a polite crawler should.

Scrapy's RetryMiddleware re-queues a failed request at once. `BackoffRetryMiddleware`
(which replaces it in crawler/settings.py) waits first:

- after a 429 or 503 with `Retry-After` (seconds or an HTTP date), that long — up
  to WARTA_RETRY_AFTER_MAX (5 minutes). An outlet asking for longer is not
  retried in this run: the URL is recorded as failed (crawler/errors.py) and the
  next run tries it again.
- otherwise (other retried codes, timeouts, resets) an exponential backoff:
  WARTA_RETRY_BACKOFF × 2^(retry − 1) seconds, ±50 % jitter, at most
  WARTA_RETRY_BACKOFF_MAX.

The wait holds the request, not the reactor: other downloads go on meanwhile.

`HeaderLimitMiddleware` refuses a response with more header lines or header
bytes than WARTA_MAX_HEADERS / WARTA_MAX_HEADER_BYTES: every archived page keeps
its headers, so a hostile site could otherwise fill the disk with them. The
URL is recorded as `too_large` (crawler/errors.py).
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor, task

log = logging.getLogger(__name__)

RETRY_AFTER_CODES = (429, 503)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks to wait (delta-seconds or HTTP-date), or None
    when absent or unreadable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("WARTA_RETRY_BACKOFF", 1.0)
        self.backoff_max = settings.getfloat("WARTA_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("WARTA_RETRY_AFTER_MAX", 300.0)

    def backoff_delay(self, retry: Request) -> float:
        """The exponential backoff before the retry `retry` (its retry_times is ≥ 1)."""
        attempt = retry.meta.get("retry_times", 1)
        delay = self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
        return min(delay, self.backoff_max)

    # Scrapy (2.13+) awaits a coroutine from these hooks, which RetryMiddleware's stub
    # types as plain methods: the override is async on purpose, to wait without blocking.
    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = None
        if response.status in RETRY_AFTER_CODES:
            asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is not None and asked > self.retry_after_max:
            log.warning(
                "%s asks to retry after %.0f s, more than the %.0f s we wait: not retried now",
                request.url,
                asked,
                self.retry_after_max,
            )
            return response  # HttpErrorMiddleware fails it; the errback records it
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await _sleep(asked if asked is not None else self.backoff_delay(retry))
        return retry

    async def process_exception(  # type: ignore[override]  # async on purpose, as above
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await _sleep(self.backoff_delay(retry))
        return retry


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        await maybe_deferred_to_future(task.deferLater(reactor, seconds))


MAX_HEADERS = 200  # header lines of one response; a news page sends 10 to 40
MAX_HEADER_BYTES = 64 * 1024  # names and values together; a page's cookies stay well under


class HeaderLimitMiddleware:
    """Downloader middleware: a response whose headers exceed the limits is not archived."""

    def __init__(self, max_headers: int, max_bytes: int) -> None:
        self.max_headers = max_headers
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            settings.getint("WARTA_MAX_HEADERS", MAX_HEADERS),
            settings.getint("WARTA_MAX_HEADER_BYTES", MAX_HEADER_BYTES),
        )

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        lines = size = 0
        for name, values in response.headers.items():
            lines += len(values)
            size += sum(len(name) + len(value) for value in values)
        if lines > self.max_headers or size > self.max_bytes:
            # the message names the limit: crawler/errors.py classifies it as too_large
            raise IgnoreRequest(
                f"response headers too large: {lines} lines, {size} bytes "
                f"(limits {self.max_headers} lines, {self.max_bytes} bytes)"
            )
        return response
