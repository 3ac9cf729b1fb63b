"""URL canonicalisation: many URLs, one article.

The generic part (fragment, query order, tracking parameters) is w3lib's; the
outlet rules on top are ours: the page and single-page switches of paged
articles never change which article a URL names.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Query parameters that select a view of an article, not a different article.
VIEW_PARAMS = (
    "page",
    "single",
    "amp",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fbclid",
    "gclid",
    "_ga",
    "ref",
    "src",
)
TRACKING_PREFIXES = ("utm_",)
# detik's paged view: /jogja/berita/d-1234567/slug/2 names the same article as .../slug
DETIK_PAGE_SUFFIX = re.compile(r"^(/[^/]+/[^/]+/d-\d+/[^/]+)/\d+/?$")


def canonical_url(url: str) -> str:
    """The canonical form of an article URL: https, lowercase host, no view params."""
    cleaned = url_query_cleaner(url, VIEW_PARAMS, remove=True, keep_fragments=False)
    scheme, netloc, path, query, _ = urlsplit(cleaned)
    query = "&".join(
        part for part in query.split("&") if part and not part.startswith(TRACKING_PREFIXES)
    )
    if netloc.lower().endswith("detik.com"):
        match = DETIK_PAGE_SUFFIX.match(path)
        if match:
            path = match.group(1)
    canonical = urlunsplit(
        ("https" if scheme in ("http", "https") else scheme, netloc.lower(), path or "/", query, "")
    )
    return canonicalize_url(canonical, keep_fragments=False)


def same_site(url_a: str, url_b: str) -> bool:
    """Whether two URLs share a registered domain (e.g. a canonical link we may trust)."""

    def base(url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        return ".".join(host.split(".")[-2:])

    return base(url_a) == base(url_b) != ""
