"""Every article page of a small replica site extracts to exactly its truth.

The replica (replica/) renders the outlets' pages from the truth model of
docs/replica-contract.md. This test fetches each article over HTTP the way the
crawler does — `fetch_url_for()` for the first request, `continuation_urls()`
for further pages — and compares every truth field the extractor owns.
"""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urlsplit

import pytest

pytest.importorskip("replica.generator")
pytest.importorskip("replica.server")

from crawler.extraction import continuation_urls, extract_article, fetch_url_for  # noqa: E402

# Truth fields extraction fills; `source` and `pages` come from the spider.
FIELDS = (
    "url section title description summary authors editors published_at modified_at "
    "location tags body images language"
).split()


def fetch(server, url: str) -> bytes:
    """GET an outlet URL from the replica server, routed by Host like the crawler's handler."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = urllib.request.Request(
        server.base_url.rstrip("/") + path, headers={"Host": parts.netloc}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def crawl_article(server, url: str):
    """(article, pages fetched) for one article URL, as the crawler's spiders fetch it."""
    first_url = fetch_url_for(url)
    first = fetch(server, first_url)
    rest = continuation_urls(first, first_url)
    more = [(fetch(server, page_url), page_url) for page_url in rest]
    return extract_article(first, first_url, more_pages=more), 1 + len(rest)


@pytest.fixture(scope="module")
def extracted(small_site, replica_server):
    return [
        (truth.truth(), *crawl_article(replica_server, truth.url)) for truth in small_site.articles
    ]


def test_every_article_every_field(extracted):
    mismatches = []
    for truth, article, _fetched in extracted:
        for name in FIELDS:
            got = getattr(article, name)
            if got != truth[name]:
                mismatches.append(f"{truth['url']} {name}: got {got!r}, want {truth[name]!r}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:30])


def test_offsets_are_kept(extracted):
    for truth, article, _fetched in extracted:
        assert article.published_at.utcoffset() == truth["published_at"].utcoffset()


def test_multi_page_articles_are_fetched_whole(extracted):
    """Tribun pages are followed one by one; Kompas and detik come whole in one fetch."""
    multi = [(truth, fetched) for truth, _article, fetched in extracted if truth["pages"] > 1]
    assert multi, "the site should hold multi-page articles"
    for truth, fetched in multi:
        expected = truth["pages"] if truth["source"] == "tribunjogja" else 1
        assert fetched == expected, truth["url"]


def test_rule_layers_did_the_work(extracted):
    """No replica page should need the generic fallback: that would hide a layout drift."""
    for truth, article, _fetched in extracted:
        assert article.provenance["body"].startswith("rule:"), truth["url"]


def test_seed_article_is_exact(extracted):
    seed = next(a for t, a, _ in extracted if t["url"].endswith("diikuti-puluhan-pejabat-asn"))
    assert seed.title == "Pemkot Magelang Gelar Retreat Diikuti Puluhan Pejabat ASN"
    assert seed.authors == ["Yuwantoro Winduajie"]
    assert seed.editors == ["Iwan Al Khasni"]
    assert seed.location == "Magelang"
    assert seed.tags[0] == "Pemkot Magelang"
    assert seed.body.startswith("Sebanyak 32 aparatur sipil negara")
    assert seed.body.endswith("berkelanjutan.")


# Fields the pages also show outside structured data (description exists only in metas,
# modified_at only in structured data unless Kompas shows "Diperbarui").
VISIBLE_FIELDS = "title summary authors editors published_at location body images".split()
STRUCTURED = (
    re.compile(rb"<script[^>]*ld\+json.*?</script>", re.S),
    re.compile(rb"<meta[^>]*>"),
)


def without_structured_data(html: bytes) -> bytes:
    for pattern in STRUCTURED:
        html = pattern.sub(b"", html)
    return html


def test_rules_alone_recover_the_visible_fields(small_site, replica_server):
    """Outlets drop JSON-LD and metas too: the rules must stand on their own."""
    mismatches = []
    for true_article in small_site.articles:
        truth = true_article.truth()
        url = fetch_url_for(true_article.url)
        first = fetch(replica_server, url)
        more = [
            (without_structured_data(fetch(replica_server, page_url)), page_url)
            for page_url in continuation_urls(first, url)
        ]
        article = extract_article(without_structured_data(first), url, more_pages=more)
        fields = VISIBLE_FIELDS + ([] if truth["source"] == "harianjogja" else ["tags", "section"])
        for name in fields:
            if getattr(article, name) != truth[name]:
                mismatches.append(f"{truth['url']} {name}: {getattr(article, name)!r}")
    assert not mismatches, "\n".join(mismatches[:30])
