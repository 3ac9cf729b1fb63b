"""`extract_article()`: one page (plus continuation pages) → one `Article`.

Each page is parsed once. Then three layers each propose field values:

1. structured data (`structured.py`): JSON-LD, metas, microdata;
2. the outlet rule (`engine.py` + `rules/`), when one covers the host and its
   body selector matches;
3. generic extraction (`generic.py` for the body, `generic_meta.py` for title,
   authors and publication time) when no rule applies.

`PRECEDENCE` says, per field, which layer's value wins; the winner's name goes
into `article.provenance[field]` (archived as `extraction`). Then the layers are
reconciled where one is known to be better than the order says:

- people: a source that states roles (a credit list with "Penulis"/"Editor",
  `meta content_author`/`content_editor`) beats JSON-LD, which some outlets fill
  with the editor; a person credited as editor is not also an author;
- times: a value exact to the second (a meta) replaces a minute-precision one
  (visible text) of the same minute, and a time given in UTC (JSON-LD, OpenGraph)
  is shown in the outlet's own offset (WIB), so `published_tz` keeps it.

Every layer is guarded: a bug or a hostile page costs that layer's fields,
never an exception to the caller.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from lxml.html import HtmlElement

from crawler.extraction import declared_body, generic, generic_meta, structured
from crawler.extraction.body import GENERIC_DATELINES, finish_body
from crawler.extraction.decode import parse_html
from crawler.extraction.engine import (
    RulePage,
    apply_rule,
    boilerplate_pattern,
    pattern,
    published_from_metas,
)
from crawler.extraction.paging import without_view_parameters
from crawler.extraction.rules import RULES, rules_for
from crawler.extraction.rules.base import OutletRule
from crawler.extraction.text import clean
from crawler.items import Article

log = logging.getLogger(__name__)

Pages = Sequence[tuple[str | bytes, str]]

# Which layer's value wins, per field. Structured data first: it is what the
# outlet states deliberately and carries exact offsets. Tags are the exception:
# the visible tag list keeps page order, JSON-LD keywords are often re-sorted.
PRECEDENCE: dict[str, tuple[str, ...]] = {
    "title": ("jsonld", "rule", "meta", "microdata", "generic"),
    "description": ("meta", "jsonld"),
    "summary": ("rule",),
    # "…_credited": the same layer's names where it states their roles.
    "authors": (
        "rule_credited",
        "meta_credited",
        "microdata_credited",
        "jsonld",
        "rule",
        "meta",
        "microdata",
        "generic",
    ),
    "editors": (
        "rule_credited",
        "meta_credited",
        "microdata_credited",
        "jsonld",
        "rule",
        "meta",
    ),
    "published_at": ("jsonld", "meta", "microdata", "rule", "generic"),
    "modified_at": ("jsonld", "meta", "microdata", "rule"),
    "section": ("jsonld", "meta", "microdata", "rule"),
    "tags": ("rule", "jsonld", "meta"),
    "language": ("meta", "jsonld", "rule"),
}
_SUFFIX_SEPARATORS = (" - ", " | ", " – ", " — ")


def extract_article(
    html: str | bytes | HtmlElement, url: str, *, more_pages: Pages = ()
) -> Article | None:
    """The article on `html` (fetched from `url`) and its continuation pages.

    `html` may be the page already parsed by `decode.parse_html` (the crawler
    parses a first page once, for its continuation links and for this); the
    tree is then pruned in place. Pure: no network, no database. Returns None
    only when `html` is not an HTML document at all; never raises.
    """
    root = html if isinstance(html, HtmlElement) else _guarded(parse_html, html)
    if root is None:
        return None
    try:
        return _extract(root, url, more_pages)
    except Exception:  # a bug must not stop a crawl: keep what identifies the page
        log.exception("extraction failed for %s", url)
        return Article(url=without_view_parameters(url), provenance={"url": "input"})


class _Proposals(dict):
    """Layer name → the fields it proposes; a layer given as a function runs on first use
    (microdata is rarely needed, and costs a walk of the whole tree)."""

    def __init__(self, lazy: dict[str, Callable[[], dict]]):
        super().__init__()
        self._lazy = lazy

    def __missing__(self, layer: str) -> dict:
        maker = self._lazy.get(layer)
        self[layer] = _guarded(maker, default={}) if maker else {}
        return self[layer]


def _extract(root: HtmlElement, url: str, more_pages: Pages) -> Article:
    # JSON-LD and metas are read before the rule prunes the body (scripts go with it).
    proposals = _Proposals({"microdata": lambda: structured.microdata_fields(root)})
    proposals["jsonld"] = _guarded(structured.jsonld_fields, root, default={})
    proposals["meta"] = _guarded(structured.meta_fields, root, url, default={})
    outlet_rules = rules_for(url)
    exact = _guarded(published_from_metas, outlet_rules, root)
    if exact is not None:  # the outlet's own exact-time metas, read as it writes them
        proposals["meta"]["published_at"] = exact
    proposals["meta_credited"] = _credited(proposals["meta"])
    layer_names = {layer: layer for layer in ("jsonld", "meta", "microdata", "generic")}
    layer_names["meta_credited"] = "meta"

    rule, pages = _rule_pages(root, url, more_pages)
    if rule is not None:
        proposals["rule"] = pages[0].fields
        proposals["rule_credited"] = _credited(pages[0].fields)
        layer_names["rule"] = layer_names["rule_credited"] = body_layer = rule.label
    else:
        proposals["generic"] = _guarded(generic_meta.generic_fields, root, url, default={})
        pages = [_generic_page(root, url)] + [_generic_page(html, u) for html, u in more_pages]
        body_layer = "generic"

    if _jsonld_people_in_doubt(proposals):
        proposals["microdata_credited"] = _credited(proposals["microdata"])
        layer_names["microdata_credited"] = "microdata"

    article = Article(url=url)
    for name, order in PRECEDENCE.items():
        for layer in order:
            value = proposals[layer].get(name)
            if value not in (None, "", []):
                setattr(article, name, value)
                article.provenance[name] = layer_names[layer]
                break
    if rule is None and not article.editors:
        # A page no rule reads may name its editor only in microdata (Antara's
        # itemprop=editor); rule pages say where editors are, so they skip the walk.
        article.editors = proposals["microdata"].get("editors") or []
        if article.editors:
            article.provenance["editors"] = "microdata"
    _guarded(_drop_contradicted_people, article, proposals)
    local_tz = outlet_rules[0].local_tz if outlet_rules else None
    for name in ("published_at", "modified_at"):
        _guarded(_refine_time, article, name, proposals, layer_names, local_tz)
    if rule is None:  # a date alone (midnight) gives way to a time the page states
        exact = generic_meta.more_exact(
            article.published_at, proposals["generic"].get("published_at")
        )
        if exact is not article.published_at:
            article.published_at, article.provenance["published_at"] = exact, "generic"
        for name in ("authors", "editors"):  # people the page credits with their role
            credited = proposals["generic"].get(f"credited_{name}")
            # over a JSON-LD author (some outlets put the editor there) or nothing, and
            # over any layer whose list it extends (a credits list naming a co-author)
            current = getattr(article, name)
            fuller = set(credited) > set(current)
            if credited and (article.provenance.get(name) in (None, "jsonld") or fuller):
                setattr(article, name, credited)
                article.provenance[name] = "generic"

    site_name = proposals["meta"].get("site_name")
    article.title = _strip_title_suffix(article.title, rule, site_name)
    if rule is None:
        article.title = _guarded(
            generic_meta.strip_site_name,
            article.title,
            [site_name, proposals["meta"].get("application_name")],
            url,
            default=article.title,
        )
        article.title = generic_meta.prefer_headline(
            article.title, proposals["generic"].get("title")
        )
    raw_pages = [page.paragraphs for page in pages]
    if rule is None and _guarded(_use_declared_body, raw_pages, article, proposals["jsonld"]):
        body_layer = "jsonld"
    if rule is None and raw_pages:
        raw_pages[0] = _guarded(
            generic.trim_generic,
            raw_pages[0],
            _stated(article.title, proposals, "title"),
            _stated(article.description, proposals, "description"),
            default=raw_pages[0],
        )
    elif raw_pages and raw_pages[0] and raw_pages[0][0] == article.title:
        raw_pages[0] = raw_pages[0][1:]  # a continuation layout may start with the headline
    if rule is None and raw_pages:
        _guarded(_take_sign_off, article, raw_pages)
    article.body, article.location = finish_body(
        raw_pages, boilerplate=boilerplate_pattern(rule), datelines=_datelines(rule)
    )
    article.images = _dedupe_images([image for page in pages for image in page.images])
    for name in ("body", "location", "images"):
        if getattr(article, name):
            article.provenance[name] = body_layer
    _set_urls(article, url, proposals["meta"].get("canonical_url"))
    return article


def _take_sign_off(article: Article, raw_pages: list[list[str]]) -> None:
    """A writer's signature closing a generic article leaves the body; it is the author
    when no layer named one (Tempo signs its stories only so)."""
    raw_pages[-1], writer = generic.split_sign_off(raw_pages[-1])
    if writer and not article.authors:
        article.authors = [writer]
        article.provenance["authors"] = "generic"


def _credited(fields: dict) -> dict:
    """A layer's people where it stated their roles (empty when it did not)."""
    return {
        "authors": fields.get("credited_authors") or [],
        "editors": fields.get("credited_editors") or [],
    }


def _jsonld_people_in_doubt(proposals: dict) -> bool:
    """Whether JSON-LD's authors would win unchecked while another layer names others:
    then the page's microdata roles are worth a walk of the tree (it costs one)."""
    credited = [proposals.get(layer) or {} for layer in ("rule_credited", "meta_credited")]
    if any(fields.get("authors") or fields.get("editors") for fields in credited):
        return False
    stated = {name.casefold() for name in proposals["jsonld"].get("authors") or ()}
    if not stated:
        return False
    others = [(proposals.get(layer) or {}).get("authors") for layer in ("rule", "meta", "generic")]
    return any(names and {n.casefold() for n in names} != stated for names in others)


def _drop_contradicted_people(article: Article, proposals: dict) -> None:
    """Nobody is an author whom a role-stating source credits only as editor (and
    vice versa): Kompas's JSON-LD names its editor as the author."""
    credited: dict[str, set[str]] = {"authors": set(), "editors": set()}
    for layer in ("rule_credited", "meta_credited", "microdata_credited"):
        stated = proposals.get(layer) or {}
        for role in credited:
            credited[role].update(name.casefold() for name in stated.get(role, ()))
    for role, other in (("authors", "editors"), ("editors", "authors")):
        wrong = credited[other] - credited[role]
        kept = [name for name in getattr(article, role) if name.casefold() not in wrong]
        setattr(article, role, kept)
        if not kept:
            article.provenance.pop(role, None)


def _refine_time(
    article: Article, name: str, proposals: dict, layer_names: dict, local_tz: tzinfo | None
) -> None:
    """Exact seconds over a minute-precision value; the outlet's offset over UTC."""
    value: datetime | None = getattr(article, name)
    if value is None:
        return
    # Layers already read (`get` does not run a lazy one: microdata is not worth a walk here).
    candidates: list[tuple[str, datetime]] = []
    for layer in dict.fromkeys(PRECEDENCE[name] + ("rule", "generic")):
        other = (proposals.get(layer) or {}).get(name)
        if isinstance(other, datetime):
            candidates.append((layer, other))
    if value.second == 0 and value.microsecond == 0:
        for layer, other in candidates:
            same_minute = timedelta(0) <= other - value < timedelta(minutes=1)
            if same_minute and (other.second or other.microsecond):
                value = other
                article.provenance[name] = layer_names[layer]
                break
    if value.utcoffset() == timedelta(0):
        # UTC is no Indonesian outlet's own zone: show the instant as the outlet does,
        # in its rule's zone, else in the zone another layer states (visible "WIB").
        stated = [other.tzinfo for _, other in candidates if other.utcoffset()]
        zone = local_tz or (stated[0] if stated else None)
        if zone is not None:
            value = value.astimezone(zone)
    setattr(article, name, value)


def _rule_pages(
    root: HtmlElement, url: str, more_pages: Pages
) -> tuple[OutletRule | None, list[RulePage]]:
    """(rule, per-page results) by the first rule version whose body selector matches,
    or (None, []) when no rule covers the host or none matches the layout."""
    candidates = rules_for(url)
    for rule in candidates:
        first = _guarded(apply_rule, rule, root, url, first_page=True)
        if first is not None:
            rest = [_continuation_page(rule, html, page_url) for html, page_url in more_pages]
            return rule, [first, *rest]
    if candidates:
        log.info("no %s rule matches the layout of %s: generic extraction", candidates[0].name, url)
    return None, []


def _continuation_page(rule: OutletRule, html: str | bytes, url: str) -> RulePage:
    """A further page by the rule; generic paragraphs if its layout differs."""
    root = _guarded(parse_html, html)
    if root is None:
        return RulePage()
    page = _guarded(apply_rule, rule, root, url, first_page=False)
    return page if page is not None else _generic_page(root, url)


def _generic_page(page: HtmlElement | str | bytes, url: str) -> RulePage:
    root = page if isinstance(page, HtmlElement) else _guarded(parse_html, page)
    if root is None:
        return RulePage()
    return RulePage(paragraphs=_guarded(generic.generic_paragraphs, root, url, default=[]))


def _guarded(function: Callable[..., Any], *args: Any, default: Any = None, **kwargs: Any) -> Any:
    """Run one layer's step; on any error log it and return `default`."""
    try:
        return function(*args, **kwargs)
    except Exception:
        log.exception("%s failed", getattr(function, "__name__", function))
        return default


def _datelines(rule: OutletRule | None) -> list[re.Pattern]:
    """The rule's dateline pattern; for generic pages the generic ones, then every
    rule's (outlets syndicate each other's stories)."""
    if rule is not None:
        return [pattern(rule.dateline)] if rule.dateline else []
    return [*GENERIC_DATELINES, *(pattern(r.dateline) for r in RULES if r.dateline)]


def _strip_title_suffix(
    title: str | None, rule: OutletRule | None, site_name: str | None
) -> str | None:
    """ "Judul - Tribunjogja.com" → "Judul" (known suffixes, then the page's og:site_name)."""
    if not title:
        return title
    suffixes = [s for r in ([rule] if rule else RULES) for s in r.title_suffixes]
    if site_name:
        suffixes += [separator + site_name for separator in _SUFFIX_SEPARATORS]
    lowered = title.lower()
    for suffix in suffixes:
        if lowered.endswith(suffix.lower()) and len(title) > len(suffix):
            return clean(title[: -len(suffix)])
    return title


def _use_declared_body(raw_pages: list[list[str]], article: Article, jsonld: dict) -> bool:
    """Replace a generic body that fell short by JSON-LD articleBody (declared_body.py)."""
    declared = declared_body.declared_paragraphs(jsonld.get("article_body"))
    if not declared or len(raw_pages) > 1:  # a declared body covers one page, not several
        return False
    stated = (article.title, article.description)
    if not declared_body.prefer_declared(raw_pages[0] if raw_pages else [], declared, stated):
        return False
    raw_pages[:1] = [declared]
    return True


def _stated(value: str | None, proposals: dict, field: str) -> list[str | None]:
    """Every layer's `field` (title or description) besides the chosen one: a generic
    body repeats whichever the page shows, not necessarily the one that won."""
    return [value, *(proposals[layer].get(field) for layer in ("jsonld", "meta", "generic"))]


def _dedupe_images(images: list[dict]) -> list[dict]:
    seen: set[str] = set()
    unique = []
    for image in images:
        if image["url"] not in seen:
            seen.add(image["url"])
            unique.append(image)
    return unique


def _set_urls(article: Article, url: str, canonical: str | None) -> None:
    """url = the declared canonical URL, else the fetched one without view parameters."""
    article.canonical_url = canonical
    if canonical:
        article.url = canonical
        article.provenance["url"] = article.provenance["canonical_url"] = "meta"
    else:
        article.url = without_view_parameters(url)
        article.provenance["url"] = "input"
