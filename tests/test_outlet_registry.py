"""Every configured source has a replica, and a crawl of it archives its truth exactly.

One test per source of sources.toml (`crawler.sources.load_sources()`): the
replica has an outlet module for it (replica/outlets/, listed in the registry)
and a listing URL of its discovery config answers 200 from a running replica;
then a real `warta crawl SOURCE` against that replica archives every article
of the source equal to the replica's truth. The site is small (about thirty
articles over three days, with syndication so Tribun Jateng exists), and each
source is crawled once. That a source has a rule and real fixture pages is
checked in tests/test_outlet_rules.py.
"""

from __future__ import annotations

import http.client
import re
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from crawler.sources import Source, load_sources
from replica.generator import build_site
from replica.model import Site
from replica.outlets import ALL_OUTLETS, GROUPS, SERVED_HOSTS, SYNDICATION_HOSTS
from replica.server import ReplicaServer
from storage.archive import Archive
from tests.conftest import run_warta
from tests.test_crawl_replica import expected_row

SOURCES = load_sources()
LINK = re.compile(r'(?:href="|<loc>)(https?://[^"<]+)')


@pytest.fixture(scope="module")
def registry_site() -> Site:
    """A small site with every outlet (syndication adds Tribun Jateng)."""
    return build_site(articles=30, seed=5, days=3, syndication=True)


@pytest.fixture(scope="module")
def registry_server(registry_site: Site) -> Iterator[ReplicaServer]:
    with ReplicaServer(registry_site) as server:
        yield server


def listing_url(source: Source, day: date) -> str:
    """The source's discovery entry point (hub, daily index or sitemap), filled in as a
    spider fills it: first section, page 1, `day`."""
    templates = [value for key, value in source.discovery.items() if key.endswith("_url")]
    assert templates, f"{source.id}: no discovery URL in its config"
    return templates[0].format(
        section=source.sections[0] if source.sections else "",
        page=1,
        date=day,
        year=day.year,
        month=day.month,
        day=day.day,
    )


def fetch(server: ReplicaServer, url: str) -> tuple[int, str]:
    """GET an outlet URL from the replica, as the crawler's middleware sends it."""
    host, _, path = url.removeprefix("https://").partition("/")
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", "/" + path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def test_every_replica_outlet_is_a_configured_source() -> None:
    """The other direction: an outlet module nobody crawls is dead weight."""
    assert set(ALL_OUTLETS) == set(SOURCES)


@pytest.mark.parametrize("source_id", sorted(SOURCES))
def test_the_replica_serves_the_source(
    source_id: str, registry_site: Site, registry_server: ReplicaServer
) -> None:
    source = SOURCES[source_id]
    outlet = ALL_OUTLETS.get(source_id)
    assert outlet is not None, f"no replica outlet module defines {source_id}"
    module = sys.modules[type(outlet).__module__]
    assert Path(module.__file__ or "").parent.name == "outlets"
    assert any(outlet in group.outlets for group in GROUPS), f"{module.__name__} not registered"
    for domain in source.domains:
        assert domain in SERVED_HOSTS and domain in SYNDICATION_HOSTS
    status, body = fetch(registry_server, listing_url(source, registry_site.last_day))
    assert status == 200
    # a real listing: it links (or lists) pages of the source's own hosts
    assert any(link.split("/")[2] in source.domains for link in LINK.findall(body))


@pytest.mark.parametrize("source_id", sorted(SOURCES))
def test_a_crawl_of_the_source_archives_its_truth(
    source_id: str, registry_site: Site, registry_server: ReplicaServer, tmp_path: Path
) -> None:
    truths = [a.truth() for a in registry_site.articles if a.source == source_id]
    assert truths, f"the replica wrote no {source_id} article"
    db = tmp_path / "warta.db"
    result = run_warta("crawl", source_id, "--replica", registry_server.base_url, db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    with Archive(db, readonly=True) as archive:
        rows = {row["url"]: row for row in archive.articles()}
    assert sorted(rows) == sorted(t["url"] for t in truths)
    mismatches = [
        (truth["url"], field, rows[truth["url"]][field], value)
        for truth in truths
        for field, value in expected_row(truth).items()
        if rows[truth["url"]][field] != value
    ]
    assert mismatches == []
