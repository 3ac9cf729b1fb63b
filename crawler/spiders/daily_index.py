"""Discovery by daily index pages: the window's days newest first, each day page by page.

The walk is sequential so that a nightly run can stop at the first listing
page that holds an article already archived; a backfill walks the whole window.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response

from crawler.spiders.base import SourceSpider

PAGE_NUMBER = re.compile(r"[?&]page=(\d+)")


class DailyIndexSpider(SourceSpider):
    def discovery_requests(self):
        yield self.index_request(self.until, 1)

    def index_request(self, day: date, page: int) -> Request:
        url = self.source.discovery["index_url"].format(
            date=day, page=page, year=day.year, month=day.month, day=day.day
        )
        return Request(url, callback=self.parse_index, cb_kwargs={"day": day, "page": page})

    def parse_index(self, response: Response, day: date, page: int):
        discovery = self.source.discovery
        links = item_links(response, discovery)
        requests, reached_known = self.follow_listing(links)
        yield from requests
        if reached_known or self.limit_reached():
            return
        if page < last_page(page_links(response, discovery)):
            yield self.index_request(day, page + 1)
        elif day > self.since:
            yield self.index_request(day - timedelta(days=1), 1)


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
