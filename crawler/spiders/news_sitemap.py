"""Discovery by news sitemaps: a sitemap index of per-day news sitemaps.

Child sitemaps are read newest first, only those whose lastmod day falls in the
crawl window, one after another so that a nightly run stops at the first one
listing an article already archived. URLs are kept when their
news:publication_date falls inside the window.
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
        yield Request(self.source.discovery["sitemap_url"], callback=self.parse_index)

    def parse_index(self, response: Response):
        children = []
        for entry in xml(response).xpath("//sitemap"):
            loc = entry.xpath("loc/text()").get()
            day = day_of(entry.xpath("lastmod/text()").get())
            if loc and self.in_window(day):
                children.append((day or date.max, loc.strip()))
        queue = [loc for _, loc in sorted(children, reverse=True)]
        yield from self.next_sitemap(queue)

    def next_sitemap(self, queue: list[str]):
        if queue and not self.limit_reached():
            yield Request(queue[0], callback=self.parse_urlset, cb_kwargs={"queue": queue[1:]})

    def parse_urlset(self, response: Response, queue: list[str]):
        links = []
        for entry in xml(response).xpath("//url"):
            loc = entry.xpath("loc/text()").get()
            published = day_of(entry.xpath("news/publication_date/text()").get())
            if loc and self.in_window(published):
                links.append(loc.strip())
        requests, reached_known = self.follow_listing(links)
        yield from requests
        if not reached_known:
            yield from self.next_sitemap(queue)
