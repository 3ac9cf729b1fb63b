"""Title, authors and publication time of pages no outlet rule covers.

Conventions that hold on news sites in general, in the order a reader's eye
(or a CMS template) would state them:

- title: the visible `<h1>`; a `<title>`/og:title site suffix or prefix
  (" | Site", " - Site", "Site: …") is removed when it names the site, i.e. it
  matches og:site_name, application-name or a label of the host name;
- authors: metas the structured layer does not read (`author`,
  `article:author` when not a profile URL, parse.ly/sailthru), then `rel=author`
  links, then the first byline element (class or itemprop mentioning author
  or byline), each parsed by `people.parse_credits`;
- published_at: publication metas beyond OpenGraph (itemprop, parse.ly,
  sailthru, Dublin Core terms, `pubdate`), then `<time datetime>` (the one
  marked `pubdate`/`itemprop=datePublished` first, inside the article first),
  then a date printed in an element classed date/publish/tanggal/time (not
  "updated"), parsed by `dates` (Indonesian and English month names).

These feed the "generic" layer, which comes last in `extract.PRECEDENCE`:
JSON-LD and OpenGraph values, where a page has them, still win.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extraction.dates import parse_iso_datetime, parse_published_modified
from crawler.extraction.people import parse_credits, split_people
from crawler.extraction.text import clean, dedupe

_AUTHOR_METAS = ("author", "article:author", "parsely-author", "sailthru.author", "byl")
_PUBLISHED_METAS = (
    "datepublished", "article:published", "og:published_time", "parsely-pub-date",
    "sailthru.date", "dcterms.created", "dcterms.issued", "dc.date.created", "pubdate",
    "publishdate", "publish-date", "publish_date", "date",
)  # fmt: skip
_BYLINE_XPATH = (
    "//*[contains(@class, 'byline') or contains(@class, 'author') or @itemprop='author']"
)
_NOT_BYLINES = frozenset({"meta", "link", "script", "style", "body", "html", "img"})
_MAX_BYLINE_CHARS = 120  # a byline element longer than this is an author bio or a whole box
_DATE_XPATH = (
    "//*[contains(@class, 'date') or contains(@class, 'publish') or contains(@class, 'tanggal')"
    " or contains(@class, 'time')][not(self::script or self::style or self::body)]"
)
_MAX_DATE_ELEMENTS = 20
_MAX_DATE_CHARS = 100
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# " | ", " - ", " – ", " · ", " » " and "Site: Headline".
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·»]\s+|:\s+")
_MIN_HEADLINE_CHARS = 20
_MAX_SITE_CHARS = 60
# Host labels that never name the site.
_GENERIC_HOST_LABELS = frozenset(
    {"www", "m", "amp", "com", "co", "id", "org", "net", "or", "ac", "go", "news", "web"}
)
_NOT_ALNUM = re.compile(r"[\W_]+")


def generic_fields(root: HtmlElement, url: str) -> dict:
    """Title, authors and published_at by the conventions above (None/[] when absent)."""
    metas = _metas(root)
    site = _site_keys([*metas.get("og:site_name", ()), *metas.get("application-name", ())], url)
    return {
        "title": visible_title(root),
        # Many sites put their own name in <meta name=author>: not a person.
        "authors": [name for name in _authors(root, metas) if not _names_site(name, site)],
        "published_at": _published(root, metas),
    }


def visible_title(root: HtmlElement) -> str | None:
    """The first non-empty `<h1>`: the visible headline on nearly every news page."""
    for h1 in root.iter("h1"):
        text = clean(h1.text_content())
        if text:
            return text
    return None


def strip_site_name(title: str | None, site_names: list[str | None], url: str) -> str | None:
    """ "Headline | Site", "Headline - site.com", "Site: Headline" → "Headline", when the
    part cut off names the site (a site name given, or a label of the URL's host)."""
    if not title:
        return title
    names = _site_keys(site_names, url)
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2 or not names:
        return title
    separators = _TITLE_SEPARATORS.findall(title)
    if _names_site(parts[-1], names):
        return clean(title[: title.rfind(separators[-1])])
    if _names_site(parts[0], names):
        return clean(title[title.find(separators[0]) + len(separators[0]) :])
    return title


def prefer_headline(title: str | None, headline: str | None) -> str | None:
    """ "Headline - Section - Site" → the page's `<h1>` "Headline", when the title starts
    with it and goes on past a separator (a logo `<h1>` is short, or not at the start)."""
    if not title or not headline or len(headline) < _MIN_HEADLINE_CHARS:
        return title
    if title.casefold().startswith(headline.casefold()) and len(title) > len(headline):
        if _TITLE_SEPARATORS.match(title, len(headline)):
            return headline
    return title


def _site_keys(site_names: list[str | None], url: str) -> set[str]:
    keys = {_key(name) for name in site_names if name}
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # not a URL at all ("http://[x")
        host = ""
    keys.update(label for label in host.split(".") if label not in _GENERIC_HOST_LABELS)
    return {key for key in keys if len(key) >= 3}


def _names_site(part: str, keys: set[str]) -> bool:
    """Whether a title segment is the site's name: "Kompas.com" for host label
    "kompas", "BBC News" for "bbc", "The Guardian" for og:site_name "The Guardian"."""
    if len(part) > _MAX_SITE_CHARS:
        return False
    key = _key(part)
    if len(key) < 3:  # "AS: …", "UK - …" are places, not sites
        return False
    return any(key == k or key.startswith(k) or k.startswith(key) for k in keys)


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def _metas(root: HtmlElement) -> dict[str, list[str]]:
    metas: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = clean(meta.get("content"))
        if key and content:
            metas.setdefault(key.strip().lower(), []).append(content)
    return metas


def _authors(root: HtmlElement, metas: dict[str, list[str]]) -> list[str]:
    for key in _AUTHOR_METAS:
        # article:author is often a profile URL, not a name.
        names = [n for v in metas.get(key, ()) if "://" not in v for n in split_people(v)]
        if names:
            return dedupe(names)
    linked = [clean(a.text_content()) for a in root.xpath("//a[@rel='author']")]
    if any(linked):
        return dedupe([n for text in linked for n in split_people(text)])
    for element in root.xpath(_BYLINE_XPATH):
        if element.tag in _NOT_BYLINES or "comment" in (element.get("class") or ""):
            continue
        text = clean(element.text_content())
        if 2 < len(text) <= _MAX_BYLINE_CHARS:
            authors = parse_credits(text).authors
            if authors:
                return authors
    return []


def _published(root: HtmlElement, metas: dict[str, list[str]]) -> datetime | None:
    for key in _PUBLISHED_METAS:
        for value in metas.get(key, ()):
            parsed = parse_iso_datetime(value)
            if parsed is not None:
                return parsed
    times = root.xpath("//time[@datetime]")
    marked = [
        t for t in times if t.get("pubdate") is not None or t.get("itemprop") == "datePublished"
    ]
    in_article = [t for t in times if t.xpath("ancestor::article")]
    for element in (*marked, *in_article, *times):
        parsed = parse_iso_datetime(element.get("datetime"))
        if parsed is not None:
            return parsed
    return _visible_date(root)


def _visible_date(root: HtmlElement) -> datetime | None:
    """The first date printed in a date-classed element: "Jumat, 07 Nov 2025 15:30 WIB"."""
    for element in root.xpath(_DATE_XPATH)[:_MAX_DATE_ELEMENTS]:
        classes = (element.get("class") or "").lower()
        if "update" in classes or "modif" in classes:
            continue
        text = clean(element.text_content())
        # A year is required: relative times ("3 jam lalu") depend on when we look.
        if len(text) <= _MAX_DATE_CHARS and _YEAR.search(text):
            published, _modified = parse_published_modified(text)
            if published is not None:
                return published
    return None
