"""Discovery by daily index pages: the window's days newest first, each day page by page.

The walk is sequential so that a nightly run can stop at the first listing
page that holds an article already archived; a backfill walks the whole window.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

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
        links = [response.urljoin(href) for href in response.css(discovery["item_links"]).getall()]
        requests, reached_known = self.follow_listing(links)
        yield from requests
        if reached_known or self.limit_reached():
            return
        if page < last_page(response.css(discovery["page_links"]).getall()):
            yield self.index_request(day, page + 1)
        elif day > self.since:
            yield self.index_request(day - timedelta(days=1), 1)


def last_page(hrefs: list[str]) -> int:
    """The highest page number among a listing's pagination links (1 without any)."""
    numbers = [int(m.group(1)) for href in hrefs if (m := PAGE_NUMBER.search(href))]
    return max(numbers, default=1)
