"""Which URLs are a source's listing pages, read from its discovery templates.

A crawl fetches a source's section hubs and daily indexes (`hub_url`, `index_url`
in sources.toml) for their links and never reads them as articles. `warta import`
meets them in WARC files among the article pages; knowing them by URL lets it skip
them before extraction (a listing page has no outlet rule, so it costs the generic
extractor, several times an article's extraction, only to be dropped for having
no publication date).

A template's host and path are matched, its query string and the URL's are not:
the query carries the date and page (`?date=11/07/2025`), and a hub's further pages
(`/sleman?page=2`) are listing pages too. Placeholders match what they stand for:
`{section}` one of the source's sections, `{page}`, `{year}`, `{month}`, `{day}`
digits, `{date:%m/%d/%Y}` the date as its format writes it.
"""

from __future__ import annotations

import re
from string import Formatter
from urllib.parse import urlsplit

from crawler.sources import Source

LISTING_FIELDS = ("hub_url", "index_url")  # a sitemap is XML: never an HTML page
DIGITS = r"\d+"
SEGMENT = r"[^/]+"  # a placeholder of unknown shape: one path segment
DATE_DIRECTIVES = {"Y": r"\d{4}", "y": r"\d{2}", "m": r"\d{1,2}", "d": r"\d{1,2}"}


def listing_pattern(source: Source) -> re.Pattern[str] | None:
    """A pattern `is_listing` matches `host/path` against; None: no listing templates."""
    shapes = [
        _template_shape(template, source.sections)
        for key in LISTING_FIELDS
        if (template := source.discovery.get(key))
    ]
    return re.compile("|".join(f"(?:{shape})" for shape in shapes)) if shapes else None


def is_listing(url: str, pattern: re.Pattern[str] | None) -> bool:
    """Whether the URL (any scheme, query ignored) is one of the pattern's listing pages."""
    if pattern is None:
        return False
    parts = urlsplit(url)
    return pattern.fullmatch((parts.hostname or "") + (parts.path or "/")) is not None


def _template_shape(template: str, sections: tuple[str, ...]) -> str:
    """The regex of a URL template's host and path (scheme and query left out)."""
    head = template.split("?", 1)[0].split("#", 1)[0]
    head = re.sub(r"^[a-z]+://", "", head, flags=re.IGNORECASE)
    shape = []
    for literal, name, spec, _conversion in Formatter().parse(head):
        shape.append(re.escape(literal))
        if name is not None:
            shape.append(_placeholder(name, spec or "", sections))
    return "".join(shape).removesuffix("/") + "/?"  # with or without its trailing slash


def _placeholder(name: str, spec: str, sections: tuple[str, ...]) -> str:
    if name == "section" and sections:
        return "(?:" + "|".join(re.escape(section) for section in sections) + ")"
    if name in ("page", "year", "month", "day"):
        return DIGITS
    if name == "date" and spec:
        return _date_shape(spec)
    return SEGMENT


def _date_shape(spec: str) -> str:
    """The regex of a strftime format: known directives as digits, others any text."""
    parts = re.split(r"%(.)", spec)
    shape = [re.escape(parts[0])]
    for directive, literal in zip(parts[1::2], parts[2::2], strict=True):
        shape.append(DATE_DIRECTIVES.get(directive, SEGMENT))
        shape.append(re.escape(literal))
    return "".join(shape)
