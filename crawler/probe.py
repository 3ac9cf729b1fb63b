"""`warta probe`: fetch one listing page and a few articles of a source, and report.

Before the first live night (or after an outlet redesign) an operator wants to
see what a crawl *would* archive without archiving anything: which links the
listing selectors find, which extraction layer and rule produced each field,
where each body starts and ends, and what looks wrong. The probe is a small
Scrapy spider with the source's own politeness (robots.txt, User-Agent, delay,
one request at a time) and none of warta's pipelines or run recording: it
writes nothing.

`ProbeReport` is plain data; `warta/probe.py` prints it as text or JSON.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.errors import request_of
from crawler.extraction import continuation_urls, extract_article, fetch_url_for
from crawler.extraction.rules import rules_for
from crawler.items import Article
from crawler.sources import Source
from crawler.spiders.daily_index import index_url
from crawler.spiders.news_sitemap import xml
from crawler.urls import canonical_url

# How many words of a body the report shows at each end.
EDGE_WORDS = 12
# Days a daily index probe goes back when today's page lists nothing yet.
LOOKBACK_DAYS = 2
# Continuation pages followed per article: enough for any real multi-page article.
MAX_PAGES = 10
# A body shorter than this is rarely a whole news article.
SHORT_BODY_WORDS = 80
# Strings that are page furniture, not article text, on Indonesian news sites.
# Extraction removes the ones it knows; seeing one in a probed body means the
# clean-up missed a kind of junk on this outlet.
JUNK_MARKERS = re.compile(
    r"baca juga\s*:|lihat juga|advertisement|scroll to (?:resume|continue)|\[gambas:"
    r"|artikel ini telah (?:tayang|naik|terbit)|simak (?:berita|video|juga)"
    r"|foto\s*:|dok\.|download aplikasi|halaman selanjutnya|tim redaksi",
    re.IGNORECASE,
)
# A body that still opens with "SLEMAN -" or "MAGELANG, KOMPAS.com -" kept its dateline.
DATELINE_LEFT = re.compile(r"^[A-Z][\w.'-]*(?:[ ,]+[A-Z][\w.'-]*){0,4}\s*[-–—]{1,2}\s")
# Editor-initial codes such as "(mea/mea)" or "(tro)" closing the text.
INITIALS_LEFT = re.compile(r"\(\s*[a-z]{2,4}(?:\s*/\s*[a-z]{2,4})*\s*\)\s*$")
NOT_A_PERSON = re.compile(
    r"https?://|www\.|@|\b(?:tim|redaksi|detik\w*|kompas\w*|tribun\w*|foto|dok)\b", re.IGNORECASE
)
FIELDS = (
    "title",
    "authors",
    "editors",
    "published_at",
    "modified_at",
    "location",
    "section",
    "tags",
    "summary",
    "language",
)


@dataclass
class ListingFinding:
    """One listing page: the article links its selectors found."""

    url: str
    status: int | None = None
    error: str | None = None
    links: list[str] = field(default_factory=list)
    foreign_links: list[str] = field(default_factory=list)  # outside the source's domains
    suspicious: list[str] = field(default_factory=list)


@dataclass
class ArticleFinding:
    """One probed article: each field with the layer that produced it, and warnings."""

    url: str
    status: int | None = None
    error: str | None = None
    pages: int = 0
    rule: str | None = None  # the outlet rule that produced the body, if any
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → {value, layer}
    words: int = 0
    body_first: str = ""
    body_last: str = ""
    suspicious: list[str] = field(default_factory=list)


@dataclass
class ProbeReport:
    source: str
    listing: ListingFinding | None = None
    articles: list[ArticleFinding] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        listing = len(self.listing.suspicious) if self.listing else 0
        return listing + sum(len(a.suspicious) for a in self.articles)


def first_listing_url(source: Source, today: date) -> str:
    """The listing page a crawl of `source` would fetch first (a sitemap index for sitemaps)."""
    discovery = source.discovery
    if source.style == "section_hubs":
        section = source.sections[0] if source.sections else ""
        return discovery["hub_url"].format(section=section, page=1)
    if source.style == "daily_index":
        return index_url(discovery, today, 1)
    return discovery["sitemap_url"]


def listing_links(source: Source, response: Response) -> tuple[list[str], list[str]]:
    """(article links, child sitemaps) on a listing page, in page order."""
    if source.style != "news_sitemap":
        hrefs = response.css(source.discovery["item_links"]).getall()
        return [response.urljoin(href) for href in hrefs], []
    selector = xml(response)
    children = selector.xpath("//sitemap/loc/text()").getall()
    if children:  # an index: the newest child is listed first or last; take the latest lastmod
        stamps = selector.xpath("//sitemap/lastmod/text()").getall()
        ordered = sorted(zip(stamps, children, strict=False), reverse=True) if stamps else []
        newest = ordered[0][1] if ordered else children[0]
        return [], [urljoin(response.url, newest.strip())]
    return [loc.strip() for loc in selector.xpath("//url/loc/text()").getall()], []


def check_listing(source: Source, finding: ListingFinding, links: list[str]) -> None:
    """Split the links into the source's own and foreign ones, and note what looks wrong."""
    seen: set[str] = set()
    for link in links:
        url = canonical_url(link, source.config_domains)
        if url in seen:
            continue
        seen.add(url)
        (finding.links if source.owns_url(url) else finding.foreign_links).append(url)
    if not links:
        finding.suspicious.append(
            "the listing selectors matched no link: the listing layout may have changed"
        )
    elif not finding.links:
        finding.suspicious.append("no link belongs to the source's domains")


def describe_article(source: Source, article: Article, finding: ArticleFinding) -> None:
    """Fill `finding` with the article's fields and provenance, and flag what looks wrong."""
    for name in FIELDS:
        value = getattr(article, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        finding.fields[name] = {"value": value, "layer": article.provenance.get(name)}
    body = article.body or ""
    words = body.split()
    finding.words = len(words)
    finding.body_first = " ".join(words[:EDGE_WORDS])
    finding.body_last = " ".join(words[-EDGE_WORDS:])
    body_layer = article.provenance.get("body")
    finding.rule = body_layer if body_layer and body_layer.startswith("rule:") else None
    finding.suspicious.extend(article_warnings(article, has_rule=bool(rules_for(article.url))))


def article_warnings(article: Article, *, has_rule: bool) -> list[str]:
    """What an operator should look at before trusting this outlet's extraction."""
    warnings = []
    body = article.body or ""
    layer = article.provenance.get("body")
    if has_rule and layer and not layer.startswith("rule:"):
        warnings.append(f"body from the {layer} layer: no outlet rule matched this layout")
    for name in ("title", "published_at", "authors"):
        if not getattr(article, name):
            warnings.append(f"no {name}")
    published = article.published_at
    if published is not None and (published.hour, published.minute, published.second) == (0, 0, 0):
        warnings.append("published at midnight: the time of day may be unknown")
    if len(body.split()) < SHORT_BODY_WORDS:
        warnings.append(f"short body ({len(body.split())} words)")
    for paragraph in body.split("\n\n"):
        junk = JUNK_MARKERS.search(paragraph)
        if junk:
            warnings.append(f"body holds {junk.group(0)!r}: {paragraph[:80]!r}")
    if DATELINE_LEFT.match(body):
        warnings.append(f"body opens with a dateline: {body[:40]!r}")
    if INITIALS_LEFT.search(body):
        warnings.append(f"body ends with initials: {body[-20:]!r}")
    for person in (*article.authors, *article.editors):
        if NOT_A_PERSON.search(person):
            warnings.append(f"not a person's name among the credits: {person!r}")
    return warnings


class ProbeSpider(scrapy.Spider):
    """Fetches the first listing page, then `articles` of its links (or the given URLs)."""

    name = "probe"

    def __init__(
        self,
        source: Source,
        report: ProbeReport,
        today: date,
        urls: tuple[str, ...] = (),
        articles: int = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.report = report
        self.today = today
        self.urls = urls
        self.articles = articles
        self.days_back = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        url = first_listing_url(self.source, self.today)
        self.report.listing = ListingFinding(url=url)
        yield self.listing_request(url)
        for url in self.urls:
            yield self.article_request(url)

    def listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        listing = self.report.listing
        assert listing is not None
        listing.url, listing.status = response.url, response.status
        links, children = listing_links(self.source, response)
        if children:  # a sitemap index: the probe reads its newest news sitemap
            listing.url = children[0]
            yield self.listing_request(children[0])
            return
        if not links and self.source.style == "daily_index" and self.days_back < LOOKBACK_DAYS:
            # An index of today may still be empty just after midnight: try the day before.
            self.days_back += 1
            day = self.today - timedelta(days=self.days_back)
            listing.url = first_listing_url(self.source, day)
            yield self.listing_request(listing.url)
            return
        check_listing(self.source, listing, links)
        if not self.urls:
            for url in listing.links[: self.articles]:
                yield self.article_request(url)

    def listing_failed(self, failure: Failure) -> None:
        if self.report.listing is not None:
            self.report.listing.error = failure_text(failure)
            self.report.listing.suspicious.append("the listing page could not be fetched")

    def article_request(self, url: str) -> scrapy.Request:
        finding = ArticleFinding(url=url)
        self.report.articles.append(finding)
        return scrapy.Request(
            fetch_url_for(canonical_url(url, self.source.config_domains)),
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"finding": finding, "pages": [], "remaining": None},
            dont_filter=True,
        )

    def parse_article(
        self,
        response: Response,
        finding: ArticleFinding,
        pages: list[tuple[bytes, str]],
        remaining: list[str] | None,
    ) -> Iterator[scrapy.Request]:
        finding.status = response.status
        pages = [*pages, (response.body, response.url)]
        if remaining is None:
            remaining = continuation_urls(response.body, response.url)[: MAX_PAGES - 1]
        if remaining:
            yield request_of(response).replace(
                url=remaining[0],
                cb_kwargs={"finding": finding, "pages": pages, "remaining": remaining[1:]},
            )
            return
        finding.pages = len(pages)
        (first_body, first_url), more = pages[0], pages[1:]
        article = extract_article(first_body, first_url, more_pages=more)
        if article is None:
            finding.error = "not an HTML document"
            finding.suspicious.append("not an HTML article page")
            return
        describe_article(self.source, article, finding)

    def article_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        finding = request.cb_kwargs.get("finding") if request is not None else None
        if isinstance(finding, ArticleFinding):
            finding.error = failure_text(failure)
            finding.suspicious.append("the article could not be fetched")


def failure_text(failure: Failure) -> str:
    """One line for a failed request: the HTTP status, or the exception's message."""
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    return f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
