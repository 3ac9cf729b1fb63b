"""Spiders from the sources config: one spider per configured source.

`scrapy list` and `scrapy crawl <source>` work as in any Scrapy project, but the
spiders are not written out one per outlet: each source names a discovery
style, and the loader makes a subclass of that style's spider with the
source's settings.

On a node (WARTA_REDIS_URL set) each spider adds the node's settings to its
source's (`node_settings`): the User-Agent names the node, and the delay moves to
the rate shared over Redis (crawler/shared_rate.py).
"""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.settings import BaseSettings

from crawler.redis_connection import node_name
from crawler.shared_rate import share_delay
from crawler.sources import Source, load_sources
from crawler.spiders import SPIDER_STYLES
from crawler.spiders.base import SourceSpider


def spider_class_for(source: Source) -> type[SourceSpider]:
    """A spider class for one source: its style's class, configured by the source."""
    base = SPIDER_STYLES[source.style]
    custom = {
        "DOWNLOAD_DELAY": source.download_delay,
        "AUTOTHROTTLE_START_DELAY": max(source.download_delay, 0.1),
        "CONCURRENT_REQUESTS_PER_DOMAIN": source.concurrency,
        "USER_AGENT": source.user_agent,
        # Scrapy's default trusts any certificate; warta checks them unless the source opts out
        "DOWNLOAD_VERIFY_CERTIFICATES": source.verify_tls,
    }
    return type(
        f"{base.__name__}_{source.id}",
        (base,),
        {
            "name": source.id,
            "source": source,
            "allowed_domains": list(source.domains),
            "custom_settings": custom,
            "update_settings": classmethod(update_settings),
            "__module__": base.__module__,
        },
    )


def update_settings(spidercls: type[SourceSpider], settings: BaseSettings) -> None:
    """The source's settings, as any Scrapy spider's custom_settings, then a node's own."""
    settings.setdict(spidercls.custom_settings or {}, priority="spider")
    if settings.get("WARTA_REDIS_URL"):
        node_settings(settings)
    if settings.getbool("WARTA_DISTRIBUTED"):  # one backfill over nodes: a Redis frontier
        from crawler.frontier import apply_settings  # needs scrapy_redis: only then

        apply_settings(settings)


def node_settings(settings: BaseSettings) -> None:
    """A node's crawl: its User-Agent ends with ` node/NAME`, so an outlet (and the
    replica's request log) can tell our machines apart; its delay is shared."""
    agent = f"{settings.get('USER_AGENT')} node/{node_name(settings)}"
    settings.set("USER_AGENT", agent, priority=settings.getpriority("USER_AGENT") or 0)
    share_delay(settings)


class SourceSpiderLoader:
    def __init__(self, settings: BaseSettings) -> None:
        self._sources = load_sources(settings.get("WARTA_SOURCES"))
        self._spiders = {sid: spider_class_for(src) for sid, src in self._sources.items()}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    def load(self, spider_name: str) -> type[SourceSpider]:
        try:
            return self._spiders[spider_name]
        except KeyError:
            known = ", ".join(sorted(self._spiders))
            raise KeyError(f"unknown source {spider_name!r}; configured: {known}") from None

    def find_by_request(self, request: Request) -> list[str]:
        return [sid for sid, src in self._sources.items() if src.owns_url(request.url)]

    def list(self) -> list[str]:
        return sorted(self._spiders)
