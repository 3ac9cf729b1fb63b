"""Discovery by daily index pages: every day of the window, every page of that day."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response

from crawler.spiders.base import SourceSpider


class DailyIndexSpider(SourceSpider):
    def discovery_requests(self):
        for day in self.days():
            yield self.index_request(day, 1)

    def index_request(self, day, page: int) -> Request:
        url = self.source.discovery["index_url"].format(
            date=day, page=page, year=day.year, month=day.month, day=day.day
        )
        return Request(url, callback=self.parse_index, cb_kwargs={"page": page})

    def parse_index(self, response: Response, page: int):
        discovery = self.source.discovery
        for link in response.css(discovery["item_links"]).getall():
            request = self.article_request(response.urljoin(link))
            if request is not None:
                yield request
        if page == 1:  # the first page links every other page of the day
            for href in response.css(discovery["page_links"]).getall():
                yield Request(
                    response.urljoin(href), callback=self.parse_index, cb_kwargs={"page": 0}
                )
