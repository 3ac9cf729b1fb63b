"""Discovery by section hubs: each section's listing, newest first, page by page.

Walking stops for a section when a whole page is older than the crawl window
(hub items carry their day in the article URL), or when there is no next page.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response

from crawler.spiders.base import SourceSpider, date_in_url


class SectionHubSpider(SourceSpider):
    def discovery_requests(self):
        discovery = self.source.discovery
        for section in self.sections_to_crawl():
            url = discovery["hub_url"].format(section=section, page=1)
            yield Request(url, callback=self.parse_hub, cb_kwargs={"section": section, "page": 1})

    def sections_to_crawl(self) -> list[str]:
        return [self.section] if self.section else list(self.source.sections)

    def parse_hub(self, response: Response, section: str, page: int):
        links = response.css(self.source.discovery["item_links"]).getall()
        days = [date_in_url(link) for link in links]
        for link, day in zip(links, days, strict=True):
            if self.in_window(day):
                request = self.article_request(response.urljoin(link), section=section)
                if request is not None:
                    yield request
        known_days = [d for d in days if d is not None]
        if known_days and max(known_days) < self.since:
            return  # everything further down is older still
        if self.limit is not None and self.requested_articles >= self.limit:
            return
        next_href = response.css(self.source.discovery["next_page"]).get()
        if next_href:
            yield Request(
                response.urljoin(next_href),
                callback=self.parse_hub,
                cb_kwargs={"section": section, "page": page + 1},
            )
