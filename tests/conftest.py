"""Shared fixtures: a replica site served on a free loopback port, and crawls of it.

Crawls run `warta crawl` in a subprocess, as an operator would: Scrapy's
reactor cannot be restarted inside one test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import redis_server, scrapyd_nodes  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parent.parent


def run_warta(
    *args: str, db: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the warta CLI in a fresh process and capture its output."""
    command = [sys.executable, "-m", "warta", *args]
    if db is not None:
        command += ["--db", str(db)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="session")
def small_site():
    """A small replica site as the generator makes it by default (replica tests)."""
    from replica.generator import build_site

    return build_site(articles=80, seed=7)


@pytest.fixture(scope="session")
def replica_server(small_site):
    from replica.server import ReplicaServer

    with ReplicaServer(small_site) as server:
        yield server


@pytest.fixture(scope="session")
def crawl_site():
    """A small replica of every configured source, Tribun Jateng and its copies included."""
    from replica.generator import build_site

    return build_site(articles=80, seed=7, syndication=True)


@pytest.fixture(scope="session")
def crawl_server(crawl_site):
    """The replica that crawl tests crawl: it serves every configured source."""
    from replica.server import ReplicaServer

    with ReplicaServer(crawl_site) as server:
        yield server
