"""Layer 1: what the page declares about itself.

JSON-LD (`NewsArticle` and friends, also inside `@graph` and lists, tolerant of
the malformed JSON CMSs emit), OpenGraph and `article:*` metas, `meta
name=description`, Dublin Core, `itemprop` microdata, `rel=canonical` and
`<html lang>`. Each source yields a plain dict of article fields; the
extractor decides which wins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler.extraction.dates import parse_iso_datetime
from crawler.extraction.people import people_from_jsonld, split_people
from crawler.extraction.text import clean, clean_or_none, dedupe, slugify_label

ARTICLE_TYPES = frozenset(
    {
        "NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
        "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting",
        "LiveBlogPosting", "Report",
    }
)  # fmt: skip
_TRAILING_COMMA = re.compile(r",\s*([\]}])")
_MARKUP = re.compile(r"<[^>]*>")
_LANGUAGE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")

Fields = dict[str, Any]


def jsonld_fields(root: HtmlElement) -> Fields:
    """Article fields from the page's first JSON-LD article object."""
    article = _find_article(root)
    if article is None:
        return {}
    return {
        "title": clean_or_none(_text(article.get("headline")) or _text(article.get("name"))),
        "description": clean_or_none(_text(article.get("description"))),
        "authors": people_from_jsonld(article.get("author")),
        "editors": people_from_jsonld(article.get("editor")),
        "published_at": parse_iso_datetime(_text(article.get("datePublished"))),
        "modified_at": parse_iso_datetime(_text(article.get("dateModified"))),
        "section": slugify_label(_text(article.get("articleSection"))),
        "tags": _keywords(article.get("keywords")),
        "language": _language(_text(article.get("inLanguage"))),
        "article_body": article.get("articleBody"),  # raw; declared_body.py judges it
    }


def meta_fields(root: HtmlElement, page_url: str) -> Fields:
    """Article fields from `<meta>`, `<link rel=canonical>`, `<title>` and `<html lang>`."""
    metas: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content:
            metas.setdefault(key.strip().lower(), []).append(content)

    def first(*keys: str) -> str | None:
        for key in keys:
            for value in metas.get(key, ()):
                if value.strip():
                    return value
        return None

    title_element = next(root.iter("title"), None)
    canonical = _canonical(root, page_url)
    # content_author / content_editor (Kompas, Suara Merdeka) state the role: they are
    # "credited" and beat a JSON-LD author (extract.py).
    credited = [name for byline in metas.get("content_author", []) for name in split_people(byline)]
    creators = [name for byline in metas.get("dc.creator", []) for name in split_people(byline)]
    editors = [name for byline in metas.get("content_editor", []) for name in split_people(byline)]
    return {
        "title": clean_or_none(first("og:title", "twitter:title", "dc.title"))
        or clean_or_none(title_element.text_content() if title_element is not None else None),
        "description": clean_or_none(first("og:description", "description", "dc.description")),
        "authors": dedupe(credited + creators),
        "editors": dedupe(editors),
        "credited_authors": dedupe(credited),
        "credited_editors": dedupe(editors),
        "published_at": parse_iso_datetime(
            first("article:published_time", "content_publisheddate", "dc.date.issued", "dc.date")
        ),
        "modified_at": parse_iso_datetime(first("article:modified_time", "og:updated_time")),
        "section": slugify_label(first("article:section")),
        "tags": dedupe([clean(t) for t in metas.get("article:tag", []) if clean(t)]),
        "language": _language(root.get("lang")) or _language(first("og:locale", "dc.language")),
        "canonical_url": canonical,
        "site_name": clean_or_none(first("og:site_name")),
        "application_name": clean_or_none(first("application-name")),
    }


def microdata_fields(root: HtmlElement) -> Fields:
    """Article fields from `itemprop` attributes (outside `<meta>`, which meta_fields reads)."""
    props: dict[str, str] = {}
    for element in root.xpath("//*[@itemprop][not(self::meta)]"):
        name = element.get("itemprop").strip()
        if name in props:
            continue
        value = element.get("datetime") or element.get("content") or element.text_content()
        props[name] = value
    if not props:
        return {}
    authors = split_people(props.get("author"))
    editors = split_people(props.get("editor"))
    # A page that marks an editor beside the author states both roles (Antara's
    # `itemprop=editor` while its JSON-LD author is that editor).
    credited = bool(editors)
    return {
        "title": clean_or_none(props.get("headline")),
        "authors": authors,
        "editors": editors,
        "credited_authors": authors if credited else [],
        "credited_editors": editors if credited else [],
        "published_at": _microdata_time(props.get("datePublished")),
        "modified_at": _microdata_time(props.get("dateModified")),
        "section": slugify_label(props.get("articleSection")),
    }


def _microdata_time(value: str | None) -> datetime | None:
    """An itemprop time; markup written into the attribute ("18 Jun 2015 at
    &lt;span&gt;06:25 WIB&lt;/span&gt;", Liputan6) is not part of the date."""
    return parse_iso_datetime(_MARKUP.sub(" ", value) if value and "<" in value else value)


def _canonical(root: HtmlElement, page_url: str) -> str | None:
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "canonical" in rel and href:
            try:
                return urljoin(page_url, href)
            except ValueError:  # e.g. "http://[broken": not a URL
                continue
    return None


def _find_article(root: HtmlElement) -> dict | None:
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or ""):
            continue
        for item in _walk_jsonld(_load_json(script.text or "")):
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(kind in ARTICLE_TYPES for kind in kinds if isinstance(kind, str)):
                return item
    return None


def _load_json(text: str) -> Any:
    """Parse JSON the way CMSs write it: comments wrappers, control characters,
    trailing commas. Returns None when it is beyond repair."""
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:].rsplit("-->", 1)[0]
    text = text.strip().removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
    for attempt in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return json.loads(attempt, strict=False)  # strict=False: raw newlines in strings
        except ValueError:
            continue
        except RecursionError:  # nested thousands deep: hostile, not data
            return None
    try:  # two objects back to back, or trailing junk: keep the first
        return json.JSONDecoder(strict=False).raw_decode(_TRAILING_COMMA.sub(r"\1", text))[0]
    except (ValueError, RecursionError):
        return None


def _walk_jsonld(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON-LD document: top level, lists, `@graph`, `mainEntity`."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), list | dict):
                yield from _walk_jsonld(data[key], depth + 1)


def _text(value: Any) -> str | None:
    """A JSON-LD value as text: strings as-is, first of a list, a dict's name/@value."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        return _text(value[0])
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("@value"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _keywords(value: Any) -> list[str]:
    """JSON-LD keywords: "a, b, c" or ["a", "b"]."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list):
        items = [v for v in value if isinstance(v, str)]
    else:
        return []
    return dedupe([clean(item) for item in items if clean(item)])


def _language(value: str | None) -> str | None:
    """ "id-ID", "id_ID", "ID" → "id"."""
    match = _LANGUAGE.match((value or "").strip())
    return match.group(1).lower() if match else None
