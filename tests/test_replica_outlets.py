"""Generated regional outlets: `build_site(outlets=N)`, `warta replica --outlets N`.

The default site stays byte for byte what it was (digests pinned before the
generated outlets existed); a site with N generated outlets serves N more real
regional desks (Tribun subdomains, detik prefixes), each read by an existing
crawler rule; `--write-sources` writes a sources config a crawl accepts; and a
real `warta crawl` of a `--outlets 30` replica, started as `warta replica` in its
own process, archives every generated outlet's articles equal to the truth.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from crawler.extraction import continuation_urls, extract_article, fetch_url_for
from crawler.extraction.rules import rule_for
from crawler.sources import ConfigError, load_sources
from replica.digest import walk
from replica.generator import build_site
from replica.model import Site
from replica.outlets import ALL_OUTLETS, HOSTS
from replica.outlets.regional import MAX_OUTLETS, network
from replica.request_log import node_from_ua, read_log
from replica.routes import route
from replica.sources_file import sources_text, write_sources
from storage.archive import Archive
from tests.conftest import REPO, run_warta
from tests.servers import ReplicaProcess
from tests.test_crawl_replica import expected_row

# walk() digests of small default sites, taken before generated outlets existed.
DEFAULT_DIGESTS = {
    "default": ("633573829fe9db9070f1337afc90c4381255c4833104d65fe32ce2b5b21b82c8", 463),
    "syndication+night": (
        "a0edee279ae31fbbb2ae62ee59f07bd74e96a2aba4c25be6850e7d5e217e2213",
        632,
    ),
}
# the truth fields extraction fills (`source` and `pages` come from the spider)
EXTRACTED = (
    "url section title description summary authors editors published_at modified_at "
    "location tags body images language"
).split()
SMALL = {"articles": 40, "seed": 3, "days": 3}
# source id prefix -> the rule that reads it
NETWORK_RULES = {"tribun": "tribun", "detik": "detik", "harianjogja": "harianjogja"}


def test_default_site_is_byte_identical_to_before() -> None:
    assert walk(build_site(**SMALL)) == DEFAULT_DIGESTS["default"]
    assert walk(build_site(**SMALL, outlets=0)) == DEFAULT_DIGESTS["default"]
    night = build_site(**SMALL, syndication=True, night=1, edits_per_night=2)
    assert walk(night) == DEFAULT_DIGESTS["syndication+night"]


def test_generated_outlets_leave_the_default_outlets_articles_as_they_were() -> None:
    plain = build_site(**SMALL, syndication=True)
    grown = build_site(**SMALL, syndication=True, outlets=8, outlet_articles=3)
    assert [a.truth() for a in grown.articles[: len(plain.articles)]] == [
        a.truth() for a in plain.articles
    ]
    extra = grown.articles[len(plain.articles) :]
    assert len(extra) == 8 * 3 and {a.source for a in extra} == set(grown.generated)
    for article in plain.articles[:20]:  # their pages too
        path = article.url.split("/", 3)[3]
        host = article.url.split("/")[2]
        assert route(grown, host, "/" + path).body == route(plain, host, "/" + path).body


@pytest.fixture(scope="module")
def site30() -> Site:
    return build_site(articles=20, seed=4, days=3, syndication=True, outlets=30, outlet_articles=3)


def test_n_outlets_are_real_regional_desks_each_with_its_own_host_or_prefix(site30: Site) -> None:
    generated = list(site30.generated.values())
    assert len(generated) == 30
    assert len(set(site30.generated) | set(ALL_OUTLETS)) == 30 + len(ALL_OUTLETS)
    places = {}
    for outlet in generated:
        if outlet.source.startswith("tribun"):
            desk = outlet.host.removesuffix(".tribunnews.com")
            assert outlet.host == f"{desk}.tribunnews.com" and outlet.host in site30.hosts
            assert outlet.host not in HOSTS
            places[outlet.source] = outlet.host
        elif outlet.source.startswith("harianjogja"):
            assert outlet.host.endswith(".harianjogja.com") and outlet.host in site30.hosts
            assert outlet.host not in HOSTS
            places[outlet.source] = outlet.host
        else:
            assert outlet.host == "www.detik.com" and outlet.prefix not in ("jogja", "jateng")
            places[outlet.source] = f"{outlet.host}/{outlet.prefix}"
        assert len(outlet.sections) >= 2
        articles = site30.source_articles(outlet.source)
        assert len(articles) == 3
        assert {a.section for a in articles} <= {s.slug for s in outlet.sections}
    assert len(set(places.values())) == 30  # no two share a host or prefix
    for network_name in NETWORK_RULES:  # every network, every discovery style
        assert any(o.source.startswith(network_name) for o in generated)


def test_desks_are_drawn_from_the_seed_deterministically() -> None:
    def drawn(seed: int) -> list[tuple[str, list[str], list[float]]]:
        network.cache_clear()  # drawn afresh, not the cached network
        return [
            (o.source, [s.slug for s in o.sections], [s.weight for s in o.sections])
            for o in network(seed, 20).outlets
        ]

    first = drawn(1)
    assert first == drawn(1)
    assert [name for name, _, _ in first] != [name for name, _, _ in drawn(2)]
    small = {**SMALL, "outlets": 5, "outlet_articles": 2}
    one, two = build_site(**small), build_site(**small)
    assert [a.truth() for a in one.articles] == [a.truth() for a in two.articles]
    with pytest.raises(ValueError, match=f"between 0 and {MAX_OUTLETS}"):
        build_site(**SMALL, outlets=MAX_OUTLETS + 1)


def test_generated_outlets_publish_on_later_nights_where_their_listings_show_it() -> None:
    options = {**SMALL, "outlets": 12, "outlet_articles": 5}  # 5 over 3 days: 2 a night
    base, later = build_site(**options), build_site(**options, night=2)
    assert [a.truth() for a in later.articles[: len(base.articles)]] == [
        a.truth() for a in base.articles
    ]
    assert {a.url for a in later.at_night(1).articles} < {a.url for a in later.articles}
    new = [later.article(url) for url in later.new_urls(0)]
    for source, outlet in later.generated.items():
        mine = [a for a in new if a is not None and a.source == source]
        days = sorted({a.published_at.date() for a in mine})
        assert len(mine) == 4 and days == [later.last_day - timedelta(days=1), later.last_day]
        newest = max(mine, key=lambda a: a.published_at)
        listing = discovery_page(later, outlet, newest)
        assert newest.url.encode() in listing, source


def discovery_page(site: Site, outlet, article) -> bytes:
    """The first listing page where the crawler would find `article` (hub, indeks, sitemap)."""
    day = article.published_at.date()
    if outlet.source.startswith("tribun"):
        target = f"/{article.section}"
    elif outlet.source.startswith("detik"):
        target = f"/{outlet.prefix}/indeks/1?date={day:%m/%d/%Y}"
    else:
        target = f"/sitemap-news-{day:%Y-%m-%d}.xml"
    page = route(site, outlet.host, target)
    assert page.status == 200, target
    return page.body


def test_every_generated_outlet_is_read_by_its_networks_existing_rule(site30: Site) -> None:
    for source in site30.generated:
        network_name = next(name for name in NETWORK_RULES if source.startswith(name))
        for article in site30.source_articles(source):
            rule = rule_for(article.url)
            assert rule is not None and rule.name == NETWORK_RULES[network_name], article.url


def served(site: Site, url: str) -> bytes:
    """An outlet URL's body as the replica serves it (routed in-process)."""
    parts = urlsplit(url)
    page = route(site, parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))
    assert page.status == 200, url
    return page.body


def test_every_desk_the_replica_knows_extracts_to_its_truth() -> None:
    """All MAX_OUTLETS desks (a crawl test sees only the 30 one seed draws)."""
    site = build_site(articles=0, seed=9, days=2, outlets=MAX_OUTLETS, outlet_articles=4)
    assert len(site.generated) == MAX_OUTLETS
    mismatches = []
    for article in site.articles:
        if article.source not in site.generated:
            continue
        first_url = fetch_url_for(article.url)
        first = served(site, first_url)
        more = [(served(site, url), url) for url in continuation_urls(first, first_url)]
        got = extract_article(first, first_url, more_pages=more)
        truth = article.truth()
        mismatches += [
            (article.url, name, getattr(got, name), truth[name])
            for name in EXTRACTED
            if getattr(got, name) != truth[name]
        ]
    assert mismatches == []


def test_every_generated_outlet_serves_robots_discovery_and_articles(site30, tmp_path) -> None:
    write_sources(tmp_path / "sources.toml", site30)
    sources = load_sources(tmp_path / "sources.toml")
    day = site30.last_day
    for source_id in site30.generated:
        source = sources[source_id]
        host = source.domains[0]
        assert route(site30, host, "/robots.txt").status == 200
        template = next(v for k, v in source.discovery.items() if k.endswith("_url"))
        url = template.format(section=source.sections[0], page=1, date=day)
        listing = route(site30, host, "/" + url.split("/", 3)[3])
        assert listing.status == 200, url
        for article in site30.source_articles(source_id):
            assert route(site30, host, "/" + article.url.split("/", 3)[3]).status == 200
            assert source.owns_url(article.url)


def test_write_sources_covers_configured_and_generated_outlets(site30: Site, tmp_path) -> None:
    target = tmp_path / "sources.toml"
    write_sources(target, site30)
    sources = load_sources(target)
    assert set(sources) == set(load_sources()) | set(site30.generated)
    detik = [s for s in sources.values() if s.id in site30.generated and s.url_prefix]
    assert detik and all(s.style == "daily_index" and s.rule == "detik" for s in detik)
    tribun = [s for s in sources.values() if s.id in site30.generated and s.rule == "tribun"]
    assert tribun and all(s.style == "section_hubs" for s in tribun)
    harian = [s for s in sources.values() if s.id in site30.generated and s.rule == "harianjogja"]
    assert harian and all(s.style == "news_sitemap" for s in harian)
    # a site without generated outlets: the configured file, word for word
    assert sources_text(build_site(**SMALL)) == (REPO / "sources.toml").read_text()


def test_write_sources_that_would_not_load_leaves_the_file_alone(site30, tmp_path) -> None:
    base = tmp_path / "base.toml"
    base.write_text((REPO / "sources.toml").read_text() + "\n[sources.tribunjatim]\nname = 'x'\n")
    target = tmp_path / "out.toml"
    target.write_text("keep me")
    with pytest.raises(ConfigError):
        write_sources(target, site30, base=base)
    assert target.read_text() == "keep me"
    assert {p.name for p in tmp_path.iterdir()} == {"base.toml", "out.toml"}  # no temporary left


def test_cli_refuses_bad_outlet_options_in_one_line(tmp_path) -> None:
    too_many = run_warta("replica", "--port", "0", "--outlets", str(MAX_OUTLETS + 1))
    missing = tmp_path / "no" / "such" / "folder" / "sources.toml"
    unwritable = run_warta(
        "replica",
        "--port",
        "0",
        "--articles",
        "5",
        "--outlets",
        "2",
        "--write-sources",
        str(missing),
    )
    bad_log = run_warta("replica", "--port", "0", "--articles", "5", "--request-log", str(missing))
    for result, words in (
        (too_many, f"at most {MAX_OUTLETS}"),
        (unwritable, "--write-sources"),
        (bad_log, "--request-log"),
    ):
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr


# --- a real crawl of a `warta replica --outlets 30` process ------------------------------

REPLICA_ARGS = ["--articles", "20", "--seed", "4", "--outlets", "30", "--outlet-articles", "2"]


@pytest.fixture(scope="module")
def replica_process(tmp_path_factory) -> Iterator[ReplicaProcess]:
    """`warta replica --outlets 30 --write-sources F --request-log L`, in its own process."""
    with ReplicaProcess.start(tmp_path_factory.mktemp("outlets30"), *REPLICA_ARGS) as replica:
        yield replica


@pytest.fixture(scope="module")
def crawl30(replica_process, tmp_path_factory):
    url, sources, log = replica_process.url, replica_process.sources, replica_process.log
    db = tmp_path_factory.mktemp("crawl30") / "warta.db"
    started = time.monotonic()
    result = run_warta(
        "crawl",
        "--replica",
        url,
        "--sources",
        str(sources),
        "-s",
        "USER_AGENT=outlets-test/1.0 node/solo",
        db=db,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(f"crawl of --outlets 30: {elapsed:.1f} s")
    return db, log, elapsed


def test_crawl_of_30_generated_outlets_archives_their_truth_exactly(crawl30) -> None:
    db, _, _ = crawl30
    site = build_site(articles=20, seed=4, syndication=True, outlets=30, outlet_articles=2)
    with Archive(db, readonly=True) as archive:
        rows = {row["url"]: row for row in archive.articles()}
        runs = archive.runs.latest(limit=100)
    assert sorted(rows) == sorted(a.url for a in site.articles)
    mismatches = [
        (article.url, field, rows[article.url][field], value)
        for article in site.articles
        for field, value in expected_row(article.truth()).items()
        if rows[article.url][field] != value
    ]
    assert mismatches == []
    assert set(site.generated) <= {run["source"] for run in runs if run["status"] == "ok"}
    for source in site.generated:
        assert {rows[a.url]["source"] for a in site.source_articles(source)} == {source}


def test_request_log_file_is_readable_while_the_replica_runs(crawl30, replica_process) -> None:
    _, log, _ = crawl30
    entries = read_log(log)  # the replica is still serving
    crawl = [e for e in entries if node_from_ua(e.ua) == "solo"]
    assert crawl and all(e.ua == "outlets-test/1.0 node/solo" for e in crawl)
    site = build_site(articles=20, seed=4, syndication=True, outlets=30, outlet_articles=2)
    fetched = {f"https://{e.host}{e.target.split('?')[0]}" for e in crawl}
    for source in site.generated:
        assert {a.url for a in site.source_articles(source)} <= fetched, source
    launched = replica_process.launched
    assert all(launched <= e.t <= time.time() for e in entries)  # unix seconds, as they came
