"""URL canonicalisation: many URLs, one article.

The generic part (fragment, query order, tracking parameters) is w3lib's; the
rules on top are ours: the page and single-page switches of paged articles,
AMP views (`/amp/…`, `…/amp`, `amp.` hosts) and mobile or bare hosts (`m.`,
`www.` missing or extra) never change which article a URL names. Host
variants are mapped only onto the domains configured in sources.toml.
"""

from __future__ import annotations

import re
from functools import lru_cache
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


VARIANT_PREFIXES = ("m.", "mobile.", "amp.", "www.")


@lru_cache(maxsize=1)
def configured_hosts() -> frozenset[str]:
    """Every domain in the sources config (empty if the config cannot be read)."""
    from crawler.sources import ConfigError, load_sources

    try:
        return frozenset(d for s in load_sources().values() for d in s.domains)
    except ConfigError:
        return frozenset()


def canonical_url(url: str, known_hosts: frozenset[str] | None = None) -> str:
    """The canonical form of an article URL: https, configured host, no view params."""
    known = configured_hosts() if known_hosts is None else known_hosts
    cleaned = url_query_cleaner(url, VIEW_PARAMS, remove=True, keep_fragments=False)
    scheme, netloc, path, query, _ = urlsplit(cleaned)
    query = "&".join(
        part for part in query.split("&") if part and not part.startswith(TRACKING_PREFIXES)
    )
    host, path = _canonical_host(netloc.lower().split(":")[0], _without_amp(path), known)
    if host.endswith("detik.com"):
        match = DETIK_PAGE_SUFFIX.match(path)
        if match:
            path = match.group(1)
    canonical = urlunsplit(
        ("https" if scheme in ("http", "https") else scheme, host, path or "/", query, "")
    )
    return canonicalize_url(canonical, keep_fragments=False)


def _without_amp(path: str) -> str:
    if path.startswith("/amp/"):
        path = path[4:]
    if path.endswith("/amp") or path.endswith("/amp/"):
        path = path.rstrip("/")[: -len("/amp")] or "/"
    return path


def _canonical_host(host: str, path: str, known: frozenset[str]) -> tuple[str, str]:
    """Map m./amp./www. variants onto the configured host they stand for."""
    if host in known or not known:
        return host, path
    bare = next((host[len(p) :] for p in VARIANT_PREFIXES if host.startswith(p)), host)
    for candidate in (bare, f"www.{bare}"):
        if candidate in known:
            return candidate, path
    # amp.kompas.com/regional/read/… is regional.kompas.com/read/…
    first, _, rest = path.lstrip("/").partition("/")
    if first and f"{first}.{bare}" in known:
        return f"{first}.{bare}", "/" + rest
    return host, path


def same_site(url_a: str, url_b: str) -> bool:
    """Whether two URLs share a registered domain (e.g. a canonical link we may trust)."""

    def base(url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        return ".".join(host.split(".")[-2:])

    return base(url_a) == base(url_b) != ""
