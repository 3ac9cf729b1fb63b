"""The outlet registry: every configured source has its rule, and its rule holds its outlet.

One test per configured source in sources.toml (as Fundus generates one per
publisher): it names a rule the registry has, the rule covers the source's
domains, a real saved page (tests/fixtures/realpages/) is read by that rule, and
one is of the source's own hosts, or the source is listed with the reason
(RULES_WITHOUT_REAL_PAGE, SOURCES_WITHOUT_REAL_PAGE). Whether the
replica serves each source and a crawl of it is right is tests/test_replica*'s.

Then what the rules carry besides layouts: URL shapes (canonical_url applies the
outlet's page suffix, and maps host variants onto the crawl's own config), the
one list of view parameters, and the names bylines use for the outlet.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from benchmarks.realpages import FIXTURES, load_page, truth_files
from crawler.extraction import extract_article
from crawler.extraction import rules as rules_package
from crawler.extraction.paging import VIEW_PARAMETERS, without_view_parameters
from crawler.extraction.people import MEDIA_NAMES_FILE, is_outlet_name, media_names
from crawler.extraction.rules import OUTLETS, RULES, _outlet_of, outlet_for_host, rules_for
from crawler.extraction.rules.base import OutletRules
from crawler.items import Article
from crawler.sources import REPO_SOURCES, Source, load_sources
from crawler.urls import canonical_url, configured_hosts, crawl_hosts
from pipelines.normalise import NormalisePipeline

SOURCES = load_sources(REPO_SOURCES)

# Configured sources whose rule reads no real saved page yet, and those with no real
# saved page of their own hosts (the replica's hand-built pages in tests/fixtures/pages/
# cover them). A source leaves a list when such a page, with its truth, is added to
# tests/fixtures/realpages/.
RULES_WITHOUT_REAL_PAGE: dict[str, str] = {
    "harianjogja": "no saved harianjogja.com article page found in public repositories",
}
SOURCES_WITHOUT_REAL_PAGE: dict[str, str] = {
    "detikjogja": "no saved www.detik.com/jogja page found",
    "detikjateng": "no saved www.detik.com/jateng page found",
    "harianjogja": "no saved harianjogja.com page found",
    "tribunjogja": "no saved jogja.tribunnews.com page found (tribunnews.com 2015 is here)",
    "tribunjateng": "no saved jateng.tribunnews.com page found (tribunnews.com 2015 is here)",
}


@cache
def real_page_hosts() -> frozenset[str]:
    return frozenset((urlsplit(load_page(f).url).hostname or "").lower() for f in truth_files())


@cache
def real_pages_read_by() -> dict[str, list[str]]:
    """Rule name → the real pages (outlet/name) whose body that rule read."""
    read: dict[str, list[str]] = {}
    for truth_file in truth_files():
        page = load_page(truth_file)
        article = extract_article(page.html, page.url)
        layer = (article.provenance.get("body") or "") if article else ""
        if layer.startswith("rule:"):
            name = layer.removeprefix("rule:").split("@")[0]
            read.setdefault(name, []).append(page.id)
    return read


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_source_names_a_rule_that_exists(source: Source) -> None:
    assert source.rule is not None, f"{source.id}: sources.toml names no rule"
    assert source.rule in OUTLETS, f"{source.id}: no rule module defines {source.rule!r}"


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_rule_covers_the_sources_domains(source: Source) -> None:
    outlet = OUTLETS[source.rule or ""]
    for domain in source.domains:
        assert outlet.covers(domain), f"{source.id}: rule {outlet.name} does not cover {domain}"
        assert outlet_for_host(domain) is outlet  # the rule extraction will pick, by host
        assert {rule.name for rule in rules_for(f"https://{domain}/x")} == {outlet.name}


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_rule_reads_a_real_page_or_the_source_is_listed(source: Source) -> None:
    pages = real_pages_read_by().get(source.rule or "", [])
    if source.id in RULES_WITHOUT_REAL_PAGE:
        assert not pages, f"{source.id}: {pages} are real pages of its rule; unlist it"
    else:
        assert pages, f"{source.id}: no real page in tests/fixtures/realpages/ for {source.rule}"


@pytest.mark.parametrize("source", SOURCES.values(), ids=list(SOURCES))
def test_a_real_page_of_the_sources_hosts_or_the_source_is_listed(source: Source) -> None:
    has_page = bool(real_page_hosts() & set(source.domains))
    if source.id in SOURCES_WITHOUT_REAL_PAGE:
        assert not has_page, f"{source.id}: a real page of its hosts exists; unlist it"
    else:
        assert has_page, f"{source.id}: no real page of {source.domains} in {FIXTURES}"


def test_listed_sources_are_configured() -> None:
    assert set(RULES_WITHOUT_REAL_PAGE) | set(SOURCES_WITHOUT_REAL_PAGE) <= set(SOURCES)


# -- The registry -------------------------------------------------------------------------


def test_every_rule_module_is_registered() -> None:
    """No hand-kept list: each module of rules/ (but base) is one outlet, found by itself."""
    modules = {p.stem for p in Path(rules_package.__file__ or "").parent.glob("*.py")}
    assert set(OUTLETS) == modules - {"__init__", "base"}
    assert RULES == tuple(rule for outlet in OUTLETS.values() for rule in outlet.versions)


def test_no_two_outlets_share_a_host() -> None:
    for outlet in OUTLETS.values():
        for host in outlet.hosts:
            assert [o.name for o in OUTLETS.values() if o.covers(host)] == [outlet.name]


def test_a_rule_module_without_outlet_is_an_error() -> None:
    with pytest.raises(TypeError, match="OUTLET = OutletRules"):
        _outlet_of(ModuleType("crawler.extraction.rules.half_written"))


def test_outlet_rules_check_themselves() -> None:
    detik = OUTLETS["detik"]
    with pytest.raises(ValueError, match="no rule versions"):
        OutletRules(name="x", versions=())
    with pytest.raises(ValueError, match="another name"):
        OutletRules(name="x", versions=detik.versions)
    with pytest.raises(ValueError, match="group 'article'"):
        OutletRules(name="detik", versions=detik.versions, page_suffix=r"^(/d-\d+)/\d+$")


# -- URLs: the outlet's page suffix, the crawl's own config, one list of view parameters --


def test_page_suffix_is_the_outlets_own() -> None:
    """detik's /slug/2 is its page 2; the same path on another outlet is another article."""
    assert OUTLETS["detik"].page_suffix is not None
    hosts = configured_hosts(SOURCES)
    paged = "https://www.detik.com/jateng/berita/d-7654321/judul/3"
    assert canonical_url(paged, hosts) == "https://www.detik.com/jateng/berita/d-7654321/judul"
    other = "https://jogja.tribunnews.com/a/b/d-7654321/judul/3"
    assert canonical_url(other, hosts) == other
    assert canonical_url(paged, frozenset()) == canonical_url(paged, hosts)  # rule, not config


OTHER_CONFIG = """
[defaults]
user_agent = "warta-test"
download_delay = 1.0
concurrency = 1
lookback_days = 2
schedule = "0 1 * * *"
timezone = "Asia/Jakarta"

[sources.berita]
name = "Berita"
domains = ["berita.example.org"]

[sources.berita.discovery]
style = "news_sitemap"
sitemap_url = "https://berita.example.org/sitemap.xml"
"""


@pytest.fixture
def other_config(tmp_path: Path) -> Path:
    path = tmp_path / "other.toml"
    path.write_text(OTHER_CONFIG, encoding="utf-8")
    return path


def test_host_variants_map_onto_the_given_config_only(other_config: Path) -> None:
    mobile = "https://m.berita.example.org/2025/11/07/kabar"
    other = configured_hosts(load_sources(other_config))
    assert canonical_url(mobile, other) == "https://berita.example.org/2025/11/07/kabar"
    assert canonical_url(mobile, configured_hosts(SOURCES)) == mobile  # not a shipped domain


def test_the_crawl_canonicalises_with_its_own_sources(other_config: Path) -> None:
    """`warta crawl --sources other.toml` sets WARTA_SOURCES: the pipeline maps URLs onto
    that file's domains (it used to read the default sources.toml whatever was given)."""
    settings = {"WARTA_SOURCES": str(other_config)}
    assert crawl_hosts(Settings(settings)) == {"berita.example.org"}
    pipeline = NormalisePipeline.from_crawler(get_crawler(settings_dict=settings))
    item = Article(url="https://m.berita.example.org/2025/11/07/kabar?utm_source=wa", title="x")
    pipeline.process_item(item)
    assert item.url == "https://berita.example.org/2025/11/07/kabar"


@pytest.mark.parametrize("name", [*VIEW_PARAMETERS, "utm_id"])
def test_one_list_of_view_parameters(name: str) -> None:
    """What the crawler strips from an article URL and what extraction strips are one list."""
    url = f"https://berita.example.org/read?id=5&{name}=1"
    assert canonical_url(url, frozenset()) == "https://berita.example.org/read?id=5"
    assert without_view_parameters(url) == "https://berita.example.org/read?id=5"


def test_whole_article_switches_come_from_the_rules() -> None:
    switches = {key for rule in RULES for key, _ in rule.whole_view}
    assert "single" in switches  # detik's ?single=1
    assert switches <= set(VIEW_PARAMETERS)


# -- People: a configured outlet's names are its rule's -----------------------------------


def test_outlet_names_in_bylines_come_from_the_rules() -> None:
    listed = MEDIA_NAMES_FILE.read_text(encoding="utf-8")
    prefixes, names = media_names()
    for outlet in OUTLETS.values():
        assert outlet.media_names, f"{outlet.name}: no media_names"
        for name in outlet.media_names:
            key = name.replace(" ", "")
            assert key.rstrip("*") in (prefixes if key.endswith("*") else names)
            assert f"\n{name}\n" not in f"\n{listed}\n", f"{name} is also in media_names.txt"
    assert is_outlet_name("Harian Jogja") and is_outlet_name("detikJateng")
    assert is_outlet_name("Tribun Jateng") and is_outlet_name("KompasTV")
