"""Discovery by section hubs: each section's listing, newest first, page by page.

A section's walk stops at the first page that is wholly older than the crawl
window (hub items carry their day in the article URL), that lists an article
already archived (on a nightly run), or that has no next page.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response

from crawler.spiders.base import SourceSpider, date_in_url


class SectionHubSpider(SourceSpider):
    def discovery_requests(self):
        for section in self.sections_to_crawl():
            url = self.source.discovery["hub_url"].format(section=section, page=1)
            yield Request(url, callback=self.parse_hub, cb_kwargs={"section": section})

    def sections_to_crawl(self) -> list[str]:
        return [self.section] if self.section else list(self.source.sections)

    def parse_hub(self, response: Response, section: str):
        links = [
            response.urljoin(href)
            for href in response.css(self.source.discovery["item_links"]).getall()
        ]
        days = [date_in_url(link) for link in links]
        in_window = [link for link, day in zip(links, days, strict=True) if self.in_window(day)]
        requests, reached_known = self.follow_listing(in_window, section=section)
        yield from requests
        known_days = [day for day in days if day is not None]
        older_than_window = bool(known_days) and max(known_days) < self.since
        if reached_known or older_than_window or self.limit_reached():
            return
        next_href = response.css(self.source.discovery["next_page"]).get()
        if next_href:
            yield Request(
                response.urljoin(next_href), callback=self.parse_hub, cb_kwargs={"section": section}
            )
