"""Layer 2: apply an `OutletRule` to a parsed page.

The rule is data (selectors, patterns); this module is the only code that
reads it. `apply_rule()` returns None when the rule's body selector finds
nothing — the page's layout is not the one the rule describes — so the
extractor can try another version or fall back to generic extraction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from typing import Any
from urllib.parse import urlsplit

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement, fragments_fromstring, tostring

from crawler.extraction.body import (
    COMMON_BOILERPLATE,
    collect_paragraphs,
    figure_image,
    prune,
    split_caption,
)
from crawler.extraction.dates import parse_iso_datetime, parse_published_modified, parse_wall_clock
from crawler.extraction.people import (
    has_role_label,
    is_outlet_name,
    parse_credits,
    role_of,
    split_people,
)
from crawler.extraction.rules.base import OutletRule
from crawler.extraction.text import clean, clean_or_none, dedupe, slugify_label

# Inside any outlet's body, never article text: embedded posts quote other people's
# words in blockquotes, and ad slots carry "ADVERTISEMENT" labels.
COMMON_STRIP = (
    "blockquote.twitter-tweet, blockquote.instagram-media, blockquote.tiktok-embed",
    "[id^=div-gpt-ad]",
)
_PHOTO_LABEL = re.compile(r"^(?:foto|photo)\s*:\s*", re.IGNORECASE)
# Two <br>s in a row (whitespace between them allowed) end a paragraph.
_BR_PAIR = re.compile(r"<br\s*/?>\s*<br\s*/?>", re.IGNORECASE)


@dataclass
class RulePage:
    """What a rule found on one page: header fields (first page only) and raw body."""

    fields: dict[str, Any] = field(default_factory=dict)
    paragraphs: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)


@lru_cache(maxsize=256)
def css(selector: str) -> CSSSelector:
    """A compiled selector; compiling (CSS → XPath) costs more than running it."""
    return CSSSelector(selector, translator="html")


@lru_cache(maxsize=256)
def pattern(regex: str) -> re.Pattern:
    """A compiled rule pattern; rule patterns are case-insensitive."""
    return re.compile(regex, re.IGNORECASE)


def boilerplate_pattern(rule: OutletRule | None) -> re.Pattern:
    """One pattern matching the common boilerplate paragraphs and the rule's own.

    One alternation instead of a dozen patterns: each paragraph is searched once.
    """
    own = rule.boilerplate if rule else ()
    return pattern("|".join(f"(?:{p})" for p in (*COMMON_BOILERPLATE, *own)))


def body_container(rule: OutletRule, root: HtmlElement) -> HtmlElement | None:
    """The rule's body container on this page, or None when the layout differs."""
    if rule.layout and not css(rule.layout)(root):
        return None
    found = css(rule.body)(root)
    return found[0] if found else None


def apply_rule(
    rule: OutletRule, root: HtmlElement, url: str, *, first_page: bool
) -> RulePage | None:
    """Fields, raw paragraphs and images by the rule; None if its body selector misses.

    Prunes the body container in place (the tree is the caller's private copy).
    """
    container = body_container(rule, root)
    if container is None:
        return None
    result = RulePage()
    if first_page:
        result.fields = _header_fields(rule, root, container, url)
    photos = css(rule.photos)(root) if rule.photos else list(container.iter("figure"))
    result.images = [image for element in photos if (image := _photo(rule, element, url))]
    selectors = (*COMMON_STRIP, *rule.strip)
    unwanted = [element for selector in selectors for element in css(selector)(container)]
    if rule.summary:
        unwanted.extend(css(rule.summary)(container))
    prune(container, unwanted)
    split_br_paragraphs(container)
    result.paragraphs = collect_paragraphs(container)
    return result


def _photo(rule: OutletRule, element: HtmlElement, url: str) -> dict | None:
    """{"url", "caption", "credit"} for one photo element, by the rule's caption and credit
    selectors; a leading "Foto:" label (detik's "Foto: Caption (Name/detikJogja)") is not
    part of the caption."""
    image = figure_image(element, url)
    if image is None:
        return None
    caption_element = next(iter(css(rule.photo_caption or "figcaption")(element)), None)
    if caption_element is None:
        return image  # figure_image's reading of the alt text
    caption = _PHOTO_LABEL.sub("", clean(caption_element.text_content()))
    credit_element = next(iter(_select(rule.photo_credit, element)), None)
    credit = clean(credit_element.text_content()) if credit_element is not None else ""
    if credit and caption.endswith(credit):
        image["caption"] = clean_or_none(caption[: -len(credit)])
        image["credit"] = _photo_credit(credit)
    else:  # no credit element: "Caption (KOMPAS.com/Name)" in the caption's own text
        image["caption"], image["credit"] = split_caption(caption)
    return image


def _photo_credit(text: str) -> str | None:
    """ "(KOMPAS.com/Wijaya Kusuma)" → "Wijaya Kusuma": brackets and outlet parts go."""
    parts = [part.strip() for part in text.strip(" ()[]").split("/")]
    return "/".join(part for part in parts if part and not is_outlet_name(part)) or None


def split_br_paragraphs(container: HtmlElement) -> None:
    """Split each <p> whose paragraphs are separated by <br><br> into one <p> per paragraph;
    a single <br> left inside a <p> is a space.

    Old layouts (detik 2015) put a whole article in one <p>; read as one block,
    its paragraphs would run together and its last one could not be told apart.
    A list written as "- a<br>- b" in one <p> (detikSport) must not read "a- b".
    """
    for paragraph in list(container.iter("p")):
        if paragraph.find(".//br") is None or paragraph.getparent() is None:
            continue
        for br in paragraph.iter("br"):
            br.tail = " " + (br.tail or "")
        inner = escape(paragraph.text or "", quote=False) + "".join(
            tostring(child, encoding="unicode")
            for child in paragraph  # with their tails
        )
        parts = _BR_PAIR.split(inner)
        if len(parts) < 2:
            continue
        replacements = []
        for part in parts:
            element = paragraph.makeelement("p", {})
            for node in fragments_fromstring(part) if part.strip() else []:
                if isinstance(node, str):
                    _append_text(element, node)
                else:
                    element.append(node)
            replacements.append(element)
        replacements[-1].tail = paragraph.tail
        parent = paragraph.getparent()
        index = parent.index(paragraph)
        parent[index : index + 1] = replacements


def _append_text(element: HtmlElement, text: str) -> None:
    """Text after the element's last child (its tail), or its own text when it has none."""
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _header_fields(
    rule: OutletRule, root: HtmlElement, container: HtmlElement, url: str
) -> dict[str, Any]:
    authors, editors, credited = _people(rule, root)
    published, modified = _dates(rule, root)
    return {
        "title": _first_text(rule.title, root),
        "authors": authors,
        "editors": editors,
        # Stated roles: what extract.py lets win over JSON-LD's author.
        "credited_authors": authors if credited else [],
        "credited_editors": editors if credited else [],
        "published_at": published,
        "modified_at": modified,
        "summary": _summary(rule, container),
        "tags": dedupe([clean(e.text_content()) for e in _select(rule.tags, root)]),
        "section": _section(rule, root, url),
        "language": rule.language,
    }


def _select(selector: str | None, root: HtmlElement) -> list[HtmlElement]:
    return css(selector)(root) if selector else []


def _first_text(selector: str | None, root: HtmlElement) -> str | None:
    for element in _select(selector, root):
        text = clean(element.text_content())
        if text:
            return text
    return None


def _people(rule: OutletRule, root: HtmlElement) -> tuple[list[str], list[str], bool]:
    """(authors, editors, whether roles were stated) from the rule's credit blocks, else
    from its byline elements (labels decide where names go)."""
    credited = _credit_blocks(rule, root)
    if credited["authors"] or credited["editors"]:
        return dedupe(credited["authors"]), dedupe(credited["editors"]), True
    authors: list[str] = []
    editors: list[str] = []
    labelled = False
    for selector, unlabelled in ((rule.authors, "authors"), (rule.editors, "editors")):
        for element in _select(selector, root):
            text = element.text_content()
            credits = parse_credits(text, unlabelled=unlabelled)
            authors.extend(credits.authors)
            editors.extend(credits.editors)
            labelled = labelled or has_role_label(text)
    return dedupe(authors), dedupe(editors), labelled


def _credit_blocks(rule: OutletRule, root: HtmlElement) -> dict[str, list[str]]:
    """Names by role from the rule's role-labelled credit lists."""
    found: dict[str, list[str]] = {"authors": [], "editors": []}
    for block in rule.credits:
        for entry in css(block.entry)(root):
            role = role_of(_first_text(block.role, entry))
            if role is not None:
                found[role].extend(split_people(_first_text(block.name, entry)))
    return found


def published_from_metas(rules: list[OutletRule], root: HtmlElement) -> Any:
    """The exact publication time from the first meta the host's rules name that parses.

    Any version's list applies: metas outlive the layouts around them.
    """
    names = dedupe([name.lower() for rule in rules for name in rule.published_metas])
    if not names:
        return None
    values: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = meta.get("content")
        for key in ("name", "property", "itemprop"):
            name = (meta.get(key) or "").strip().lower()
            if name in names and content and name not in values:
                values[name] = content
    local_tz = rules[0].local_tz
    for name in names:
        published = parse_wall_clock(values.get(name), local_tz=local_tz)
        if published is not None:
            return published
    return None


def _dates(rule: OutletRule, root: HtmlElement) -> tuple[Any, Any]:
    """(published, modified) from the first date element that parses."""
    for element in _select(rule.dates, root):
        attribute = element.get("datetime")
        if attribute:
            published, modified = parse_iso_datetime(attribute), None
        else:
            published, modified = parse_published_modified(element.text_content())
        if published is not None:
            return published, modified
    return None, None


def _summary(rule: OutletRule, container: HtmlElement) -> str | None:
    if not rule.summary:
        return None
    text = _first_text(rule.summary, container)
    if text and rule.summary_label:
        text = pattern(rule.summary_label).sub("", text, count=1)
    return clean_or_none(text)


def _section(rule: OutletRule, root: HtmlElement, url: str) -> str | None:
    """The section slug from the URL path, else from the last breadcrumb link."""
    if rule.section_from_url:
        match = pattern(rule.section_from_url).match(urlsplit(url).path)
        if match:
            return slugify_label(match.group("section"))
    crumbs = _select(rule.section, root)
    return slugify_label(crumbs[-1].text_content()) if crumbs else None
