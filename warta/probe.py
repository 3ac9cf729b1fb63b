"""`warta probe SOURCE [URL …]`: look at a source's live pages before trusting a night to it.

Runs `crawler.probe.ProbeSpider` in this process (Scrapy's reactor runs once
per process, as for `warta crawl`) and prints its report as text or JSON.
Nothing is written: no archive, no run record.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import click
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.probe import ArticleFinding, ProbeReport, ProbeSpider
from crawler.sources import Source
from warta.crawling import REPLICA_FAST_SETTINGS, replica_clock

# warta's own components record runs, store items and keep every fetch as WARC; a probe
# does none of it (it writes nothing, archive or WARC folder, where it runs).
_NOT_IN_A_PROBE = {
    "WARTA_WARC": False,
    "ITEM_PIPELINES": {},
    "EXTENSIONS": {
        "crawler.extensions.RunRecorder": None,
        "crawler.progress.ProgressReporter": None,
        "crawler.errors.ErrorRecorder": None,
    },
    "SPIDER_MIDDLEWARES": {"crawler.errors.FailureErrbacks": None},
}


def probe_settings(source: Source, replica_url: str | None, polite: bool) -> Settings:
    """The crawl's settings with the source's politeness, one request at a time, no storage."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(_NOT_IN_A_PROBE, priority="cmdline")
    settings.setdict(
        {
            "USER_AGENT": source.user_agent,
            "DOWNLOAD_DELAY": source.download_delay,
            "AUTOTHROTTLE_START_DELAY": max(source.download_delay, 0.1),
            "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
            "LOG_LEVEL": "ERROR",
        },
        priority="cmdline",
    )
    if replica_url:
        settings.set("WARTA_REPLICA_URL", replica_url.rstrip("/"), priority="cmdline")
        if not polite:
            settings.setdict(REPLICA_FAST_SETTINGS, priority="cmdline")
    return settings


def run_probe(
    source: Source,
    urls: tuple[str, ...] = (),
    *,
    articles: int = 3,
    replica_url: str | None = None,
    polite: bool = False,
) -> ProbeReport:
    """Probe one source; `urls` replaces the listing's first `articles` links."""
    if replica_url:
        now = datetime.fromisoformat(replica_clock(replica_url))
    else:
        now = datetime.now(UTC)
    today: date = now.astimezone(ZoneInfo(source.timezone)).date()
    report = ProbeReport(source=source.id)
    process = CrawlerProcess(probe_settings(source, replica_url, polite))
    process.crawl(
        ProbeSpider,
        source=source,
        report=report,
        today=today,
        urls=urls,
        articles=articles,
        allowed_domains=list(source.domains),
    )
    process.start()
    return report


def print_report(report: ProbeReport, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(asdict(report) | {"warnings": report.warnings}, indent=2))
        return
    listing = report.listing
    if listing is not None:
        click.echo(f"listing {listing.url}  [{listing.error or listing.status}]")
        click.echo(f"  {len(listing.links)} article links")
        for link in listing.links:
            click.echo(f"    {link}")
        for link in listing.foreign_links:
            click.echo(f"    (not this source's) {link}")
        for warning in listing.suspicious:
            click.echo(f"  ! {warning}")
    for finding in report.articles:
        _print_article(finding)
    click.echo(f"{report.warnings} warnings")


def _print_article(finding: ArticleFinding) -> None:
    click.echo("")
    status = finding.error or f"{finding.status}, {finding.pages} page(s)"
    click.echo(f"article {finding.url}  [{status}]")
    for name, entry in finding.fields.items():
        value = entry["value"]
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        click.echo(f"  {name:<13} {str(value)[:100]}  ({entry['layer']})")
    if finding.words:
        click.echo(f"  {'body':<13} {finding.words} words  ({finding.rule or 'no outlet rule'})")
        click.echo(f"    first: {finding.body_first} …")
        click.echo(f"    last:  … {finding.body_last}")
    for warning in finding.suspicious:
        click.echo(f"  ! {warning}")
