"""Discovery by news sitemaps: a sitemap index of per-day news sitemaps.

Every child sitemap whose lastmod day falls in the walk is read (they are
small, and a lastmod says little about which days a child lists), the ones
that failed last time first. URLs are kept when their news:publication_date
falls inside the walk; the coverage ledger counts them per publication day,
and a day is walked to its end when every child listing it was read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from parsel import Selector
from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.errors import failed_request
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
    def discovery_requests(self) -> Iterator[Request]:
        url = self.source.discovery["sitemap_url"]
        yield self.listing_request(url, self.parse_index, "", None)

    def parse_index(self, response: Response) -> Iterator[Request]:
        self.listing_fetched(response)
        children = []
        for entry in xml(response).xpath("//sitemap"):
            loc = entry.xpath("loc/text()").get()
            day = day_of(entry.xpath("lastmod/text()").get())
            if loc and (self.in_window(day) or loc.strip() in self.ledger.failed_urls):
                children.append((day, loc.strip()))
        self.sitemaps_pending = len(children)
        self.sitemaps_failed = False
        # One that failed last time goes first: by its priority once queued, and yielded
        # first, since under load the engine may take a child before the rest are queued.
        children.sort(key=lambda child: child[1] not in self.ledger.failed_urls)
        for day, loc in children:
            yield self.listing_request(loc, self.parse_urlset, "", day)
        if not children:
            self.walk.end("", self.walk_since, self.until)

    def parse_urlset(self, response: Response) -> Iterator[Request]:
        self.listing_fetched(response)
        for entry in xml(response).xpath("//url"):
            loc = entry.xpath("loc/text()").get()
            published = day_of(entry.xpath("news/publication_date/text()").get())
            if loc and self.in_window(published):
                yield from self.follow_listing(self.listed("", published, [loc.strip()]))
        self.child_done(ok=True)

    def listing_failed(self, failure: Failure) -> None:
        super().listing_failed(failure)
        if failed_request(failure).callback == self.parse_urlset:
            self.child_done(ok=False)

    def child_done(self, ok: bool) -> None:
        """Once every child is read, the walk has covered the whole window, unless one failed."""
        self.sitemaps_pending -= 1
        self.sitemaps_failed = self.sitemaps_failed or not ok
        if self.sitemaps_pending == 0 and not self.sitemaps_failed and not self.limit_reached():
            self.walk.end("", self.walk_since, self.until)
