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
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response

from crawler.archive_access import archive_for
from crawler.extraction import continuation_urls, extract_article, fetch_url_for
from crawler.items import FetchedPage
from crawler.sources import Source
from crawler.urls import canonical_url

URL_DATE = re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/")


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

    def __init__(
        self,
        since: str | date | None = None,
        until: str | date | None = None,
        section: str | None = None,
        limit: str | int | None = None,
        refresh: str | bool = False,
        **kwargs,
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

    async def start(self):
        """Discovery requests, unless another crawl of this source holds its lock."""
        if getattr(self, "warta_refused", None):
            return
        for request in self.discovery_requests():
            yield request

    def discovery_requests(self):
        """The first listing requests of this discovery style."""
        raise NotImplementedError

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
        """A nightly run stops walking listings at articles it already holds.

        A backfill (explicit --since) or --refresh walks the whole window instead.
        """
        return not self.refresh and self._since_arg is None

    def in_window(self, day: date | None) -> bool:
        return day is None or self.since <= day <= self.until

    # -- listings ------------------------------------------------------------------

    def follow_listing(self, links: list[str], section: str | None = None):
        """Requests for a listing page's article links, and whether it reached known ones.

        Returns (requests, reached_known): reached_known is True when the page
        lists an article already archived, so a nightly run can stop walking.
        """
        requests, reached_known = [], False
        for link in links:
            url = canonical_url(link)
            if not self.source.owns_url(url):
                continue
            if self.is_archived(url):
                reached_known = True
                if not self.refresh:
                    self.crawler.stats.inc_value("warta/articles_already_archived")
                    continue
            request = self.article_request(url, section=section)
            if request is not None:
                requests.append(request)
        return requests, reached_known and self.stop_at_known

    def is_archived(self, url: str) -> bool:
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
            priority=10,  # finish articles before walking further listings
        )

    def parse_article(
        self,
        response: Response,
        listing_url: str,
        section: str | None,
        pages: list[FetchedPage],
        remaining: list[str] | None = None,
    ):
        """Collect an article's pages in order, then extract them as one article."""
        pages = [*pages, page_of(response)]
        if remaining is None:  # the first page says which continuation pages exist
            remaining = continuation_urls(response.body, response.url)
        if remaining:
            yield response.request.replace(
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
        item = self.build_article(pages, listing_url, section)
        if item is not None:
            yield item

    def build_article(self, pages: list[FetchedPage], listing_url: str, section: str | None):
        first, rest = pages[0], pages[1:]
        article = extract_article(first.body, first.url, more_pages=[(p.body, p.url) for p in rest])
        if article is None:
            self.crawler.stats.inc_value("warta/articles_dropped")
            self.crawler.stats.inc_value("warta/dropped/not html")
            self.logger.warning("not an HTML article page: %s", first.url)
            return None
        article.source = self.source.id
        article.fetched_url = listing_url
        article.pages = pages
        if section:
            article.section = section
        if self.section and article.section != self.section:
            return None
        return article

    def article_failed(self, failure):
        request = failure.request
        self.crawler.stats.inc_value("warta/article_errors")
        self.logger.error("article not fetched: %s (%s)", request.url, failure.getErrorMessage())


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
        fetched_at=datetime.now(UTC),
    )
