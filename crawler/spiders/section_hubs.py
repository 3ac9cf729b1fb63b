"""Discovery by section hubs: each section's listing, newest first, page by page.

Hub items carry their day in the article URL, so each page tells which days of
the section it has walked past. A section's walk stops at the first page that
is wholly older than the walk, that has no next page, or, on a nightly run,
below which every day of the walk is complete in the coverage ledger
(storage/coverage.py): never merely because the page lists a known article.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from scrapy import Request
from scrapy.http import Response

from crawler.spiders.base import SourceSpider, date_in_url


class SectionHubSpider(SourceSpider):
    def discovery_requests(self) -> Iterator[Request]:
        sections = self.sections_to_crawl()
        for section in sections:
            url = self.source.discovery["hub_url"].format(section=section, page=1)
            yield self.hub_request(url, section)

    def sections_to_crawl(self) -> list[str]:
        return [self.section] if self.section else list(self.source.sections)

    def listing_sections(self) -> list[str]:
        return self.sections_to_crawl()

    def hub_request(self, url: str, section: str) -> Request:
        # a failed hub page is recorded with day None: its section's walk goes first
        return self.listing_request(url, self.parse_hub, section, None, section=section)

    def parse_hub(self, response: Response, section: str) -> Iterator[Request]:
        self.listing_fetched(response)
        links = [
            response.urljoin(href)
            for href in response.css(self.source.discovery["item_links"]).getall()
        ]
        dated = [(link, date_in_url(link)) for link in links]
        for link, day in dated:
            if self.in_window(day):
                yield from self.follow_listing(self.listed(section, day, [link]), section=section)
        known_days = [day for _, day in dated if day is not None]
        next_href = response.css(self.source.discovery["next_page"]).get()
        if not next_href or (known_days and max(known_days) < self.walk_since):
            self.walk.end(section, self.walk_since, self.until)  # walked past the window
            return
        if not known_days:  # a page without dated items tells nothing; go on
            oldest = None
        else:
            oldest = min(known_days)
            # every day newer than this page's oldest item is listed whole above it
            self.walk.end(section, oldest + timedelta(days=1), self.until)
            if self.stop_at_known and self.ledger.complete_between(
                section, self.walk_since, oldest
            ):
                return  # the rest of the section is complete: no need to walk it
        if self.limit_reached():
            return
        yield self.hub_request(response.urljoin(next_href), section)
