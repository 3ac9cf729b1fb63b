"""Discovery by news sitemaps: a sitemap index of per-day news sitemaps.

Child sitemaps outside the crawl window (by their lastmod day) are not fetched;
URLs are kept when their news:publication_date falls inside it.
"""

from __future__ import annotations

from datetime import date, datetime

from parsel import Selector
from scrapy import Request
from scrapy.http import Response

from crawler.spiders.base import SourceSpider


def xml(response: Response) -> Selector:
    selector = Selector(text=response.text, type="xml")
    selector.remove_namespaces()
    return selector


def day_of(stamp: str | None) -> date | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


class NewsSitemapSpider(SourceSpider):
    def discovery_requests(self):
        yield Request(self.source.discovery["sitemap_url"], callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response):
        document = xml(response)
        for entry in document.xpath("//sitemap"):
            loc = entry.xpath("loc/text()").get()
            if loc and self.in_window(day_of(entry.xpath("lastmod/text()").get())):
                yield Request(loc.strip(), callback=self.parse_sitemap)
        for entry in document.xpath("//url"):
            loc = entry.xpath("loc/text()").get()
            published = entry.xpath("news/publication_date/text()").get()
            if loc and self.in_window(day_of(published)):
                request = self.article_request(loc.strip())
                if request is not None:
                    yield request
