"""Spider classes, one per discovery style; the spider loader makes one per source."""

from crawler.spiders.daily_index import DailyIndexSpider
from crawler.spiders.news_sitemap import NewsSitemapSpider
from crawler.spiders.section_hubs import SectionHubSpider

SPIDER_STYLES = {
    "section_hubs": SectionHubSpider,
    "daily_index": DailyIndexSpider,
    "news_sitemap": NewsSitemapSpider,
}
