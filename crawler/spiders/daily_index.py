"""Discovery by daily index pages: each day of the walk, page by page to its last.

Days are independent listings: a nightly run skips the days the coverage
ledger holds complete (storage/coverage.py) and walks every other day of its
window whole, the days whose listing failed last time first. A day is walked
to its end when its last page was read; a backfill walks every day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response

from crawler.spiders.base import SourceSpider

PAGE_NUMBER = re.compile(r"[?&]page=(\d+)")


class DailyIndexSpider(SourceSpider):
    def discovery_requests(self) -> Iterator[Request]:
        days = [
            self.until - timedelta(days=n) for n in range((self.until - self.walk_since).days + 1)
        ]
        todo = [day for day in days if not self.is_complete("", day)]
        # a day whose listing failed last time goes first (the engine may send the first
        # start request before it has read the others, so order them, not just prioritise)
        todo.sort(key=lambda day: ("", day) not in self.ledger.failed_units)
        for day in todo:
            yield self.index_request(day, 1)

    def index_request(self, day: date, page: int) -> Request:
        url = index_url(self.source.discovery, day, page)
        return self.listing_request(url, self.parse_index, "", day, day=day, page=page)

    def parse_index(self, response: Response, day: date, page: int) -> Iterator[Request]:
        self.listing_fetched(response)
        discovery = self.source.discovery
        links = item_links(response, discovery)
        yield from self.follow_listing(self.listed("", day, links))
        if page >= last_page(page_links(response, discovery)):
            self.walk.end("", day, day)  # the day's listing was read whole
        elif not self.limit_reached():
            yield self.index_request(day, page + 1)


def index_url(discovery: dict, day: date, page: int) -> str:
    """The index page `page` of `day`, from the source's `index_url` template."""
    return discovery["index_url"].format(
        date=day, page=page, year=day.year, month=day.month, day=day.day
    )


def last_page(hrefs: list[str]) -> int:
    """The highest page number among a listing's pagination links (1 without any)."""
    numbers = [number for href in hrefs if (number := page_number(href)) is not None]
    return max(numbers, default=1)


def page_number(href: str) -> int | None:
    """A pagination link's page: `?page=N` (Kompas), else a numeric last path segment
    (detik's `/indeks/N?date=…`, whose date query holds slashes and digits too)."""
    match = PAGE_NUMBER.search(href)
    if match:
        return int(match.group(1))
    tail = urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def item_links(response: Response, discovery: dict) -> list[str]:
    """The article URLs a listing page holds, in page order (the source's `item_links`)."""
    return [response.urljoin(href) for href in response.css(discovery["item_links"]).getall()]


def page_links(response: Response, discovery: dict) -> list[str]:
    """The pagination links of a listing page, absolute (the source's `page_links`)."""
    return [response.urljoin(href) for href in response.css(discovery["page_links"]).getall()]
