"""Offsite filtering by exact host: a source's `domains` are the hosts it may fetch.

Scrapy's OffsiteMiddleware also allows every subdomain of an allowed domain, so a
redirect from `jogja.tribunnews.com` to `anything.jogja.tribunnews.com` (a host
the config never named, possibly pointing anywhere) was followed. Here a host
must be one of the spider's allowed_domains exactly; crawler/errors.py records
the redirects this drops as `redirect_offsite`, with the same test.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.utils.httpobj import urlparse_cached


def on_allowed_host(request: Request, spider: Spider | None) -> bool:
    """Whether the request's host is exactly one of the spider's allowed_domains
    (a spider without allowed_domains allows every host, as in Scrapy)."""
    domains = getattr(spider, "allowed_domains", None)
    if not domains:
        return True
    host = (urlparse_cached(request).hostname or "").lower().rstrip(".")
    return host in {d.lower() for d in domains}


class ExactOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's OffsiteMiddleware with the exact-host policy its docs suggest."""

    def should_follow(self, request: Request, spider: Spider) -> bool:
        return on_allowed_host(request, spider)
