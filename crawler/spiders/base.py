"""The part every source spider shares: the crawl window, and article pages.

A discovery style (section hubs, daily index, news sitemap) subclasses
`SourceSpider` and only says how to find listing pages, handing each page's
links to `follow_listing()`. Fetching an article, following its continuation
pages, and extracting it happen here, the same for every outlet.

Spider arguments (`scrapy crawl SOURCE -a since=2025-11-01 -a limit=50`):
since, until (dates, inclusive), section, limit (articles), refresh (re-fetch
articles already archived).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import scrapy
from lxml.html import HtmlElement
from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import errors
from crawler.archive_access import archive_failure, archive_for
from crawler.extensions import CrawlRun, RunRecorder, crawl_run
from crawler.extraction import continuation_urls, extract_article, fetch_url_for
from crawler.extraction.decode import parse_html
from crawler.items import Article, FetchedPage, WarcPointer
from crawler.node_entries import ledger_from, walk_data
from crawler.node_link import is_node, node_link
from crawler.redis_connection import RedisUnavailable, gave_up_on_redis
from crawler.redis_locks import give_up_on_redis
from crawler.sources import Source
from crawler.urls import canonical_url
from crawler.warc_capture import ARTICLE_PAGE, FETCHED_META
from crawler.warc_capture import META_KEY as WARC_META
from storage import coverage
from storage.archive import Archive

URL_DATE = re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/")
# What an article page may be served as; no Content-Type at all is sniffed instead.
HTML_TYPES = ("text/html", "application/xhtml+xml")
# A day's listing is taken as final this long after the day ended (late items, caches).
SETTLE = timedelta(hours=1)


class SpiderArgumentError(ValueError):
    """A spider argument (since, until, limit…) has a value we cannot use."""


def parse_day(value: str | date | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SpiderArgumentError(
            f"{name}: expected a date like 2025-11-07, got {value!r}"
        ) from None


def date_in_url(url: str) -> date | None:
    """The publication day written in article URLs like /2025/11/07/slug."""
    match = URL_DATE.search(url)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


class SourceSpider(scrapy.Spider):
    """Base of every source's spider; `source` is set by the spider loader."""

    source: Source
    walk: coverage.Walk  # what this run walked, from open_ledger() on
    walk_since: date
    ledger: coverage.Ledger

    def __init__(
        self,
        since: str | date | None = None,
        until: str | date | None = None,
        section: str | None = None,
        limit: str | int | None = None,
        refresh: str | bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._since_arg = parse_day(since, "since")
        self._until_arg = parse_day(until, "until")
        if section is not None and self.source.sections and section not in self.source.sections:
            known = ", ".join(self.source.sections)
            raise SpiderArgumentError(
                f"section: {self.source.id} has no section {section!r} ({known})"
            )
        self.section = section
        try:
            self.limit = int(limit) if limit not in (None, "") else None
        except ValueError:
            raise SpiderArgumentError(f"limit: expected a whole number, got {limit!r}") from None
        self.refresh = str(refresh).lower() in ("1", "true", "yes", "on")
        self.requested_articles = 0

    @property
    def run(self) -> CrawlRun:
        """This crawl's run, as the run recorder opened it (crawler/extensions.py)."""
        return crawl_run(self.crawler)

    async def start(self) -> AsyncIterator[Request]:
        """Discovery requests, unless another crawl of this source holds its lock."""
        if self.run.refused or archive_failure(self.crawler):
            return
        self.open_ledger()
        recorder = self.crawler.get_extension(RunRecorder)
        if recorder is not None:  # the walk goes into the coverage ledger as the run closes
            recorder.on_close(self.close_coverage)
        for request in self.discovery_requests():
            yield request
        for request in self.retry_failed_requests():
            yield request

    def discovery_requests(self) -> Iterator[Request]:
        """The first listing requests of this discovery style."""
        raise NotImplementedError

    def retry_failed_requests(self) -> Iterator[Request]:
        """Article requests for URLs recent runs could not archive (crawl_errors).

        A nightly walk skips days the ledger holds complete, so an article that
        failed on such a day's listing would never be listed to it again.
        """
        for url, detail in self.unresolved_errors():
            if errors.is_listing(detail) or not self.source.owns_url(url):
                continue  # a listing page that failed: the walk itself fetches listings
            request = self.article_request(url)
            if request is None:
                return
            self.crawler.stats.inc_value("warta/retried_failed_urls")
            yield request

    def unresolved_errors(self) -> list[tuple[str, str | None]]:
        """(url, detail) of URLs recent runs could not archive: from the archive, or on a
        node from the archive writer (none when it does not answer: crawler/node_link.py)."""
        if not is_node(self.crawler):
            return archive_for(self.crawler).runs.unresolved_errors(self.source.id)
        question = {"question": "unresolved_errors", "source": self.source.id}
        answer = node_link(self.crawler).ask(question)
        return [] if answer is None else [(url, detail) for url, detail in answer["errors"]]

    # -- the crawl window --------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The crawl's "now" in the source's time zone.

        The WARTA_NOW setting freezes it, e.g. at the replica's simulated clock.
        """
        tz = ZoneInfo(self.source.timezone)
        frozen = self.settings.get("WARTA_NOW")
        if frozen:
            return datetime.fromisoformat(frozen).astimezone(tz)
        return datetime.now(UTC).astimezone(tz)

    @property
    def until(self) -> date:
        return self._until_arg or self.now.date()

    @property
    def since(self) -> date:
        # today so far, plus lookback_days whole days before it
        return self._since_arg or self.until - timedelta(days=self.source.lookback_days)

    @property
    def stop_at_known(self) -> bool:
        """A nightly run skips listings the coverage ledger holds complete.

        A backfill (explicit --since) or --refresh walks the whole window instead,
        and so does the run after one that was killed or failed (`CrawlRun.resume`,
        found by the run recorder).
        """
        return not self.refresh and self._since_arg is None and not self.run.resume

    @property
    def full_run(self) -> bool:
        """Whether this run walks everything a normal night walks: no --limit, no
        --section, a window reaching today and back at least lookback_days. Only
        such a run, ending ok, may mark coverage complete."""
        normal_since = self.now.date() - timedelta(days=self.source.lookback_days)
        return (
            self.limit is None
            and self.section is None
            and self.until >= self.now.date()
            and self.since <= normal_since
        )

    def in_window(self, day: date | None) -> bool:
        return day is None or self.walk_since <= day <= self.until

    # -- the coverage ledger ---------------------------------------------------------

    def open_ledger(self) -> None:
        """Read what earlier runs left complete, and where the walk must reach back to
        (`coverage.ledger_at_start`: a nightly run also walks back to recent holes)."""
        if is_node(self.crawler):
            self.ledger, self.walk_since = self.node_ledger()
        else:
            self.ledger, self.walk_since = coverage.ledger_at_start(
                archive_for(self.crawler),
                self.source.id,
                self.since,
                self.until,
                stop_at_known=self.stop_at_known,
            )
        sections = self.listing_sections()
        self.walk = coverage.Walk(sections=sections, since=self.walk_since, until=self.until)

    def node_ledger(self) -> tuple[coverage.Ledger, date]:
        """The ledger as the archive writer answers it; an empty one (walk everything)
        when it does not answer in time."""
        question = {
            "question": "ledger",
            "source": self.source.id,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "stop_at_known": self.stop_at_known,
        }
        answer = node_link(self.crawler).ask(question)
        if answer is None:
            return coverage.Ledger(set(), []), self.since
        return ledger_from(answer)

    def listing_sections(self) -> list[str]:
        """The ledger's sections this run walks: '' for a listing of the whole outlet."""
        return [""]

    def is_complete(self, section: str, day: date) -> bool:
        """Whether a nightly run may skip this day's listing: the ledger holds it whole."""
        return self.stop_at_known and self.ledger.is_complete(section, day)

    def listed(self, section: str, day: date | None, links: list[str]) -> list[str]:
        """Note a listing page's links for `day` in the ledger; return them canonical."""
        urls = [canonical_url(link, self.source.config_domains) for link in links]
        owned = [url for url in urls if self.source.owns_url(url)]
        if day is not None:
            self.walk.list_urls(section, day, owned)
        return owned

    def listing_fetched(self, response: Response) -> None:
        """A listing page was read: it resolves its URL's earlier failures."""
        request = errors.request_of(response)
        redirected_from = request.meta.get("redirect_urls")
        self.walk.fetched.add(redirected_from[0] if redirected_from else request.url)
        self.crawler.stats.inc_value("warta/listing_pages")

    def listing_request(
        self,
        url: str,
        callback: Callable[..., Any],
        section: str,
        day: date | None,
        /,
        **kwargs: Any,
    ) -> Request:
        """A listing request whose failure the ledger records (and crawl_errors, as before).

        A listing that failed last time goes first (Scrapy's queue would otherwise take
        the last one yielded first): its day or section is the likeliest hole."""
        retry = url in self.ledger.failed_urls or (section, day) in self.ledger.failed_units
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.listing_failed,
            cb_kwargs=kwargs,
            meta={"warta_listing": (section, day)},
            priority=1 if retry else 0,
        )

    def listing_failed(self, failure: Failure) -> None:
        errors.record_failure(self.crawler, failure, listing=True)
        request = errors.failed_request(failure)
        section, day = request.meta.get("warta_listing", ("", None))
        reason, _ = errors.classify(errors.failure_error(failure), request)
        self.walk.fail(request.url, section, day, reason)
        self.crawler.stats.inc_value("warta/listing_failures")

    def close_coverage(
        self, archive: Archive | None, run_id: int | None, status: str, message: str | None
    ) -> tuple[str, str | None]:
        """Called by the run recorder as the run closes (`start` registers it once the
        walk is open): record the walk in the ledger.

        Returns the run's (status, message): a run whose every listing page failed
        walked nothing, and is `failed`, not `degraded`.
        """
        walk = self.walk
        if archive_failure(self.crawler):
            return status, message
        if walk.failed and not walk.fetched and status != "refused":
            status = "failed"
            message = f"every listing page failed ({len(walk.failed)}): {walk.failed[0][3]}"
        settled = (self.now - SETTLE).date()  # days before it are over
        certify = status == "ok" and self.full_run
        if self.settings.getbool("WARTA_DISTRIBUTED"):
            # A node of a distributed backfill walked only its share of the listings
            # (crawler/frontier.py): it adds the URLs it listed, and claims no day
            # walked whole, let alone complete. A later normal run certifies them.
            walk.ended.clear()
            certify = False
        if archive is None or run_id is None:  # a node: the archive writer records it
            entry: dict[str, object] = {"source": self.source.id, "walk": walk_data(walk)}
            entry.update(certify=certify, settled=settled.isoformat())
            node_link(self.crawler).add("walk", entry)
            return status, message
        coverage.record_walk(
            archive, self.source.id, run_id, walk, certify=certify, settled=settled
        )
        return status, message

    # -- listings ------------------------------------------------------------------

    def follow_listing(self, urls: list[str], section: str | None = None) -> list[Request]:
        """Requests for a listing page's canonical article URLs not archived yet."""
        requests = []
        for url in urls:
            if self.is_archived(url) and not self.refresh:
                self.crawler.stats.inc_value("warta/articles_already_archived")
                continue
            request = self.article_request(url, section=section)
            if request is not None:
                requests.append(request)
        return requests

    def is_archived(self, url: str) -> bool:
        if is_node(self.crawler):
            if gave_up_on_redis(self.crawler):  # stopping: no second wait for Redis
                return True
            try:
                return node_link(self.crawler).has_url(url)
            except RedisUnavailable as exc:  # one line, the crawl stops; nothing requested
                give_up_on_redis(self.crawler, exc)
                return True
        return archive_for(self.crawler).has_url(url)

    def limit_reached(self) -> bool:
        return self.limit is not None and self.requested_articles >= self.limit

    # -- articles ------------------------------------------------------------------

    def article_request(self, url: str, section: str | None = None) -> scrapy.Request | None:
        """A request for a canonical article URL of this source, or None over the limit."""
        if self.limit_reached():
            return None
        self.requested_articles += 1
        return scrapy.Request(
            fetch_url_for(url),
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"listing_url": url, "section": section, "pages": []},
            meta={ARTICLE_PAGE: True},  # its continuation pages' requests copy the meta
            priority=10,  # finish articles before walking further listings
        )

    def parse_article(
        self,
        response: Response,
        listing_url: str,
        section: str | None,
        pages: list[FetchedPage],
        remaining: list[str] | None = None,
    ) -> Iterator[Request | Article]:
        """Collect an article's pages in order, then extract them as one article."""
        refused = not_an_article(response)
        if refused:
            self.crawler.stats.inc_value("warta/articles_dropped")
            errors.record(self.crawler, listing_url, *refused)
            return
        pages = [*pages, page_of(response)]
        tree = None
        if remaining is None:  # the first page says which continuation pages exist
            tree = parsed(response.body)  # parsed once: continuation links, then extraction
            remaining = continuation_urls(response.body if tree is None else tree, response.url)
        if remaining:
            yield errors.request_of(response).replace(
                url=remaining[0],
                callback=self.parse_article,
                cb_kwargs={
                    "listing_url": listing_url,
                    "section": section,
                    "pages": pages,
                    "remaining": remaining[1:],
                },
            )
            return
        item = self.build_article(pages, listing_url, section, first_tree=tree)
        if item is not None:
            yield item

    def build_article(
        self,
        pages: list[FetchedPage],
        listing_url: str,
        section: str | None,
        first_tree: HtmlElement | None = None,
    ) -> Article | None:
        first, rest = pages[0], pages[1:]
        html = first.body if first_tree is None else first_tree
        article = extract_article(html, first.url, more_pages=[(p.body, p.url) for p in rest])
        if article is None:
            self.crawler.stats.inc_value("warta/articles_dropped")
            self.crawler.stats.inc_value("warta/dropped/not html")
            self.logger.warning("not an HTML article page: %s", first.url)
            errors.record(self.crawler, listing_url, "not_html", "not an HTML document")
            return None
        article.source = self.source.id
        article.fetched_url = listing_url
        article.pages = pages
        if section:
            article.section = section
        if self.section and article.section != self.section:
            return None
        return article

    def article_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("warta/article_errors")
        errors.record_failure(self.crawler, failure)  # and logs it as an error


def not_an_article(response: Response) -> tuple[str, str] | None:
    """(reason, detail) when a response cannot be an article page, before extracting:
    an empty body, a declared type that is not HTML (a PDF, an image), a cut body."""
    if not response.body.strip():
        return "empty", f"HTTP {response.status} with an empty body"
    declared = (response.headers.get("Content-Type") or b"").decode("latin-1")
    media_type = declared.split(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        return "not_html", f"Content-Type {media_type} ({len(response.body)} bytes)"
    # Without a Content-Length the connection's close ends the body, and a cut
    # connection looks the same: a page that stops before its </html> was cut short.
    if b"Content-Length" not in response.headers and b"</html" not in response.body[-2048:].lower():
        return "truncated", f"no Content-Length and no </html>: {len(response.body)} bytes"
    return None


def page_of(response: Response) -> FetchedPage:
    headers = {
        key.decode("latin-1"): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }
    return FetchedPage(
        url=response.url,
        status=response.status,
        headers=headers,
        body=response.body,
        fetched_at=fetched_at(response),
        warc=warc_pointer(response),
    )


def fetched_at(response: Response) -> datetime:
    """When the response was fetched: its WARC record's date when captured (so an import
    of the crawl's WARC reads the same time), else now."""
    request = response.request
    captured = None if request is None else request.meta.get(FETCHED_META)
    return captured if isinstance(captured, datetime) else datetime.now(UTC)


def warc_pointer(response: Response) -> WarcPointer | None:
    """The response's WARC record, as the capture middleware (crawler/warc_capture.py)
    noted it; none for a response built outside a crawl (warta import), without request."""
    request = response.request
    return None if request is None else request.meta.get(WARC_META)


def parsed(body: bytes) -> HtmlElement | None:
    """The page's lxml tree (None when it is not HTML); never raises."""
    try:
        return parse_html(body)
    except Exception:  # extraction reports it when it parses the page itself
        return None
