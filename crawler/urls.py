"""URL canonicalisation: many URLs, one article.

The generic part (fragment, query order, tracking parameters) is w3lib's; the
rules on top are ours: view parameters (the one list in
`crawler.extraction.paging`: pages, whole-article switches, AMP, trackers), AMP
paths (`/amp/…`, `…/amp`) and mobile or bare hosts (`m.`, `amp.`, `www.` missing
or extra) never change which article a URL names, and neither does an outlet's
own page suffix (its rule's `page_suffix`: detik's `/slug/2`).

Host variants are mapped only onto the domains of the crawl's own sources
config, which every caller passes in (`configured_hosts(sources)`, a loaded
`Source`'s `config_domains`, or `crawl_hosts(settings)` in a Scrapy component):
a crawl run with `--sources other.toml` maps onto that file's domains, not the
default file's.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

from crawler.extraction.paging import TRACKING_PREFIXES, VIEW_PARAMETERS
from crawler.extraction.rules import outlet_for_host
from crawler.handover import Handover, Missing
from crawler.sources import Source, load_sources

if TYPE_CHECKING:  # Scrapy's import is not paid by what only canonicalises URLs
    from scrapy.settings import BaseSettings

VARIANT_PREFIXES = ("m.", "mobile.", "amp.", "www.")


def configured_hosts(sources: Mapping[str, Source]) -> frozenset[str]:
    """Every domain in a loaded sources config (`crawler.sources.load_sources`)."""
    return frozenset(domain for source in sources.values() for domain in source.domains)


def crawl_hosts(settings: BaseSettings) -> frozenset[str]:
    """Every domain of a crawl's own sources config: its `WARTA_SOURCES` setting (the
    `--sources` file), else the default config, as the spider loader reads it."""
    return configured_hosts(load_sources(settings.get("WARTA_SOURCES")))


# canonical forms worked out by another process (a WARC import's workers); kept, not
# taken: the chain may ask twice (the fetched and the declared URL)
_handed_over: Handover[tuple[str, frozenset[str]], str] = Handover(keep=True)


def learn_canonical(url: str, hosts: Collection[str], canonical: str) -> None:
    """Take `canonical_url(url, hosts)` computed in another process; the next call here
    with the same arguments returns it instead of working it out again."""
    _handed_over.learn((url, frozenset(hosts)), canonical)


def canonical_url(url: str, hosts: Collection[str]) -> str:
    """The canonical form of an article URL: https, configured host, no view params.

    `hosts` are the sources config's domains (`configured_hosts`); host variants are
    mapped onto them. With none, hosts are only lower-cased.
    """
    known = _handed_over.get((url, frozenset(hosts)))
    if not isinstance(known, Missing):
        return known
    cleaned = url_query_cleaner(url, VIEW_PARAMETERS, remove=True, keep_fragments=False)
    scheme, netloc, path, query, _ = urlsplit(cleaned)
    query = "&".join(
        part for part in query.split("&") if part and not part.startswith(TRACKING_PREFIXES)
    )
    host, path = _canonical_host(netloc.lower().split(":")[0], _without_amp(path), hosts)
    path = _without_page_suffix(host, path)
    canonical = urlunsplit(
        ("https" if scheme in ("http", "https") else scheme, host, path or "/", query, "")
    )
    return canonicalize_url(canonical, keep_fragments=False)


def _without_page_suffix(host: str, path: str) -> str:
    """The article's own path where the host's outlet names further pages by a suffix."""
    outlet = outlet_for_host(host)
    if outlet is None or outlet.page_suffix is None:
        return path
    match = _compiled(outlet.page_suffix).match(path)
    return match.group("article") if match else path


@lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    # URL paths are case-sensitive, so the pattern is too (unlike rules' text patterns).
    return re.compile(pattern)


def _without_amp(path: str) -> str:
    if path.startswith("/amp/"):
        path = path[4:]
    if path.endswith("/amp") or path.endswith("/amp/"):
        path = path.rstrip("/")[: -len("/amp")] or "/"
    return path


def _canonical_host(host: str, path: str, known: Collection[str]) -> tuple[str, str]:
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
