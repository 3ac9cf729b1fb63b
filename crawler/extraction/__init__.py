"""Article extraction: saved HTML → `crawler.items.Article`, as a pure function.

Public API:

- `extract_article(html, url, *, more_pages=())` — the article on a page and
  its continuation pages (extract.py);
- `fetch_url_for(url)` — the URL the crawler should request for an article;
- `continuation_urls(html, url)` — further pages to fetch (paging.py);
- `rule_for(url)` — the outlet rule for a URL's host (rules/);
- `dates.parse_id_datetime`, `people.split_people` & co. for the spiders.

Layers, per field, with provenance: structured data (structured.py), outlet
rules (rules/ applied by engine.py), generic fallback (generic.py for the body,
generic_meta.py for title/authors/dates, declared_body.py for the JSON-LD
articleBody rescue).

The names above are imported on first use: the sources config reads the rule
registry (`crawler.extraction.rules`) without loading the extractors and the
libraries behind them (trafilatura alone takes a quarter of a second).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.extraction.extract import extract_article
    from crawler.extraction.paging import continuation_urls, fetch_url_for
    from crawler.extraction.rules import rule_for

_HOMES = {
    "extract_article": "crawler.extraction.extract",
    "continuation_urls": "crawler.extraction.paging",
    "fetch_url_for": "crawler.extraction.paging",
    "rule_for": "crawler.extraction.rules",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = ["continuation_urls", "extract_article", "fetch_url_for", "rule_for"]
