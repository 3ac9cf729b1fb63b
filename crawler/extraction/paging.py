"""Which URLs make up an article: whole-article views and continuation pages.

Kompas and detik serve a paged article whole on one page (`?page=all`,
`?single=1`), so the crawler asks for that view; Tribun has no reliable
whole view, so its further pages (`?page=2..N`) are fetched and passed to
`extract_article(..., more_pages=...)`.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement

from crawler.extraction.decode import parse_html
from crawler.extraction.engine import body_container, css
from crawler.extraction.rules import RULES, rules_for
from crawler.extraction.rules.base import OutletRule

log = logging.getLogger(__name__)

# Query parameters that pick a view of an article, not another article: its pages, its
# AMP view, where the reader came from, and every outlet's whole-article switch
# ("single" is detik's). The one list: crawler.urls.canonical_url drops these too.
VIEW_PARAMETERS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            "page",
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
            *(key for rule in RULES for key, _ in rule.whole_view),
        ]
    )
)
TRACKING_PREFIXES = ("utm_",)  # any utm_… parameter, listed above or not
MAX_PAGES = 50  # a page count beyond this is a broken or hostile meta, not an article


def fetch_url_for(url: str) -> str:
    """The URL to request for an article: its whole-article view where the outlet has one."""
    rules = rules_for(url)
    if not rules or not rules[0].whole_view:
        return url
    return _with_query(url, dict(rules[0].whole_view))


def continuation_urls(html: str | bytes | HtmlElement, url: str) -> list[str]:
    """Absolute URLs of the article's further pages, in order; empty when it is complete.

    `html` may be the page already parsed by `decode.parse_html` (read, not changed).
    """
    try:
        return _continuation_urls(html, url)
    except Exception:  # the crawler must get an answer for any page
        log.exception("continuation_urls failed for %s", url)
        return []


def _continuation_urls(html: str | bytes | HtmlElement, url: str) -> list[str]:
    rules = [rule for rule in rules_for(url) if rule.continuation]
    if not rules or _is_whole_view(rules[0], url):
        return []
    root = html if isinstance(html, HtmlElement) else parse_html(html)
    if root is None:
        return []
    rule = next((r for r in rules if body_container(r, root) is not None), rules[0])
    current = _page_number(url) or 1
    pages: dict[int, str] = {}
    for link in css(rule.continuation)(root):
        try:
            target = urljoin(url, link.get("href", "").strip())
        except ValueError:  # e.g. "http://[broken": not a URL
            continue
        number = _page_number(target)
        if number and number > current and _same_article(target, url):
            pages.setdefault(number, target)
    for number in range(current + 1, _declared_page_count(rule, root) + 1):
        pages.setdefault(number, _with_query(url, {"page": str(number)}))
    return [pages[number] for number in sorted(pages)]


def _declared_page_count(rule: OutletRule, root: HtmlElement) -> int:
    """The page count the rule's meta declares (0 when none or nonsense)."""
    if not rule.page_count_meta:
        return 0
    wanted = rule.page_count_meta.lower()
    for meta in root.iter("meta"):
        if (meta.get("name") or meta.get("property") or "").strip().lower() == wanted:
            value = (meta.get("content") or "").strip()
            return int(value) if value.isdigit() and int(value) <= MAX_PAGES else 0
    return 0


def is_view_parameter(name: str) -> bool:
    """Whether a query parameter picks a view of an article (VIEW_PARAMETERS)."""
    return name in VIEW_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def without_view_parameters(url: str) -> str:
    """The URL without view parameters (`page`, `single`, `utm_source`…) and fragment."""
    try:
        return _with_query(url, {})
    except ValueError:  # not a URL at all ("http://[x"): nothing to strip
        return url


def _with_query(url: str, params: dict[str, str]) -> str:
    """The URL with its view parameters replaced by `params` (other parameters kept)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in query if not is_view_parameter(key)]
    kept.extend(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))


def _is_whole_view(rule: OutletRule, url: str) -> bool:
    query = dict(parse_qsl(urlsplit(url).query))
    return bool(rule.whole_view) and all(query.get(k) == v for k, v in rule.whole_view)


def _page_number(url: str) -> int | None:
    value = dict(parse_qsl(urlsplit(url).query)).get("page", "")
    return int(value) if value.isdigit() else None


def _same_article(a: str, b: str) -> bool:
    """Whether two URLs differ only in view parameters (guards against foreign links)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.netloc.lower(), pa.path.rstrip("/")) == (pb.netloc.lower(), pb.path.rstrip("/"))
