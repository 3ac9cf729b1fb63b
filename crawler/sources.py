"""The sources config (`sources.toml`): which outlets to crawl, and how.

`load_sources()` reads and validates the whole file up front, so a bad line
stops everything with one message naming the file, the source and the field,
rather than half of the outlets running.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.extraction.rules import OUTLETS

REPO_SOURCES = Path(__file__).resolve().parent.parent / "sources.toml"

DISCOVERY_FIELDS: dict[str, dict[str, bool]] = {
    # style -> {field: required}
    "section_hubs": {"hub_url": True, "item_links": True, "next_page": True},
    "daily_index": {"index_url": True, "item_links": True, "page_links": True},
    "news_sitemap": {"sitemap_url": True},
}
DEFAULT_KEYS = {
    "user_agent",
    "download_delay",
    "concurrency",
    "lookback_days",
    "schedule",
    "timezone",
    "jitter",
    "verify_tls",
}
SOURCE_KEYS = DEFAULT_KEYS | {"name", "domains", "sections", "url_prefix", "rule", "discovery"}
# Fields of a discovery style that are URL templates and CSS selectors.
URL_FIELDS = {"hub_url", "index_url", "sitemap_url"}
SELECTOR_FIELDS = {"item_links", "next_page", "page_links"}
SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")  # a spider name, job id and lock name
HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
LIMITS = {  # field -> (lowest, highest) accepted value
    "download_delay": (0, 3600),
    "concurrency": (1, 64),
    "lookback_days": (1, 3660),
    "jitter": (0, 86400),
}


class ConfigError(ValueError):
    """A mistake in the sources config; the message names file, source and field."""


# Builds the ConfigError for one field of one source: fail("domains", "must be …").
Fail = Callable[[str, str], ConfigError]


@dataclass(frozen=True)
class Source:
    """One outlet as configured."""

    id: str
    name: str
    domains: tuple[str, ...]
    sections: tuple[str, ...]
    discovery: dict[str, str]
    user_agent: str
    download_delay: float
    concurrency: int
    lookback_days: int
    schedule: str
    timezone: str
    jitter: int
    url_prefix: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    verify_tls: bool = True  # false: HTTPS certificates not checked (recorded on each run)
    # The outlet rule (crawler/extraction/rules/NAME.py) that reads its article pages;
    # None: whichever rule covers a page's host, else generic extraction.
    rule: str | None = None
    # Every domain of the config this source was loaded from, its own and the other
    # sources': crawler.urls.canonical_url maps host variants (m., amp., www.) onto these.
    config_domains: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def style(self) -> str:
        return self.discovery["style"]

    def owns_url(self, url: str) -> bool:
        """Whether an article URL belongs to this source (domain and optional prefix)."""
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "").lower()
        if host not in self.domains:
            return False
        return self.url_prefix is None or url.startswith(self.url_prefix)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "rule": self.rule,
            "domains": list(self.domains),
            "sections": list(self.sections),
            "url_prefix": self.url_prefix,
            "discovery": dict(self.discovery),
            "politeness": {
                "user_agent": self.user_agent,
                "download_delay": self.download_delay,
                "concurrency": self.concurrency,
                "verify_tls": self.verify_tls,
            },
            "lookback_days": self.lookback_days,
            "schedule": {"cron": self.schedule, "timezone": self.timezone, "jitter": self.jitter},
        }


def default_sources_path() -> Path:
    """`WARTA_SOURCES` if set, else `./sources.toml`, else the repository's own file."""
    env = os.environ.get("WARTA_SOURCES")
    if env:
        return Path(env)
    local = Path("sources.toml")
    return local if local.exists() else REPO_SOURCES


def load_sources(path: str | Path | None = None) -> dict[str, Source]:
    """Read and validate the sources config; raise ConfigError on any mistake."""
    path = Path(path) if path else default_sources_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: sources config not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a sources config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read sources config: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"defaults", "sources"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level table(s): {', '.join(sorted(unknown))}")
    defaults = data.get("defaults", {})
    _check_keys(path, "[defaults]", defaults, DEFAULT_KEYS)
    sources = data.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise ConfigError(f"{path}: no [sources.<id>] tables")
    parsed = {sid: _parse_source(path, sid, raw, defaults) for sid, raw in sources.items()}
    _check_overlaps(path, parsed)
    domains = frozenset(domain for source in parsed.values() for domain in source.domains)
    return {sid: replace(source, config_domains=domains) for sid, source in parsed.items()}


def _check_overlaps(path: Path, sources: dict[str, Source]) -> None:
    """Two sources on one domain must tell their URLs apart by distinct url_prefix values:
    otherwise both would claim (and crawl, and file) the same articles."""
    owner: dict[tuple[str, str | None], str] = {}
    for source in sources.values():
        for domain in source.domains:
            key = (domain, source.url_prefix)
            if key in owner:
                raise ConfigError(
                    f"{path}: source '{source.id}': field 'domains': {domain!r} duplicates "
                    f"source '{owner[key]}' (same domain, same url_prefix)"
                )
            owner[key] = source.id


def _check_keys(path: Path, where: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{path}: {where}: unknown field '{key}'")


def _parse_source(path: Path, sid: str, raw: Any, defaults: dict[str, Any]) -> Source:
    where = f"source '{sid}'"

    def fail(field_name: str, problem: str) -> ConfigError:
        return ConfigError(f"{path}: {where}: field '{field_name}': {problem}")

    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {where}: must be a table")
    if not SOURCE_ID.fullmatch(sid):
        raise ConfigError(f"{path}: {where}: a source id is lowercase letters, digits, '-' and '_'")
    _check_keys(path, where, raw, SOURCE_KEYS)
    merged = {**defaults, **raw}

    def get(key: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
        if key not in merged:
            if required:
                raise fail(key, "missing")
            return None
        value = merged[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise fail(key, f"expected {names}, got {type(value).__name__} {value!r}")
        return value

    def bounded(key: str, value: float | None) -> None:
        low, high = LIMITS[key]
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            raise fail(key, f"must be between {low} and {high}, got {value!r}")

    name = get("name", str)
    if not name.strip():
        raise fail("name", "must not be empty")
    domains = get("domains", list)
    if not domains or not all(isinstance(d, str) and d for d in domains):
        raise fail("domains", "must be a non-empty list of host names")
    for domain in domains:
        if not HOST_NAME.fullmatch(domain.lower()):
            raise fail("domains", f"{domain!r} is not a host name like 'www.example.com'")
        if why := non_public_host(domain):
            raise fail("domains", f"{domain!r} is {why}: a crawl fetches public outlets only")
    sections = get("sections", list, required=False) or []
    if not all(isinstance(s, str) and s for s in sections):
        raise fail("sections", "must be a list of section names")
    delay = float(get("download_delay", (int, float)))
    bounded("download_delay", delay)
    concurrency = get("concurrency", int)
    bounded("concurrency", concurrency)
    lookback = get("lookback_days", int)
    bounded("lookback_days", lookback)
    if not get("user_agent", str).strip():
        raise fail("user_agent", "must not be empty")
    timezone = get("timezone", str)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail("timezone", f"unknown time zone {timezone!r}") from None
    schedule = get("schedule", str)
    _check_cron(schedule, timezone, fail)
    jitter = get("jitter", int, required=False) or 0
    bounded("jitter", jitter)
    hosts = {d.lower() for d in domains}
    url_prefix = get("url_prefix", str, required=False)
    if url_prefix is not None:
        _check_url("url_prefix", url_prefix, hosts, fail)
    verify_tls = merged.get("verify_tls", True)
    if not isinstance(verify_tls, bool):
        raise fail("verify_tls", f"expected true or false, got {verify_tls!r}")
    rule = get("rule", str, required=False)
    if rule is not None:
        _check_rule(rule, fail)
    discovery = _parse_discovery(get("discovery", dict), fail)
    for key, value in discovery.items():
        if key in URL_FIELDS:
            _check_url(f"discovery.{key}", _sample_url(value, sections, fail, key), hosts, fail)
        elif key in SELECTOR_FIELDS:
            _check_selector(f"discovery.{key}", value, fail)
    return Source(
        id=sid,
        name=name,
        domains=tuple(d.lower() for d in domains),
        sections=tuple(sections),
        discovery=discovery,
        user_agent=get("user_agent", str),
        download_delay=delay,
        concurrency=concurrency,
        lookback_days=lookback,
        schedule=schedule,
        timezone=timezone,
        jitter=jitter,
        url_prefix=url_prefix,
        verify_tls=verify_tls,
        rule=rule,
    )


def _check_rule(rule: str, fail: Fail) -> None:
    """The rule exists. (Whether it covers the source's domains is the registry test's to
    check, tests/test_outlet_rules.py: a test config may move an outlet to a local host.)"""
    if rule not in OUTLETS:
        raise fail("rule", f"unknown rule {rule!r} (rules: {', '.join(sorted(OUTLETS))})")


def _check_cron(expr: str, timezone: str, fail: Fail) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        trigger = CronTrigger.from_crontab(expr, timezone=timezone)
    except ValueError as exc:
        raise fail("schedule", f"bad cron expression {expr!r}: {exc}") from None
    # '0 0 30 2 *' parses but never fires: the source would silently never be crawled
    now = datetime.now(ZoneInfo(timezone))
    upcoming = trigger.get_next_fire_time(None, now)
    if upcoming is None or upcoming - now > CRON_HORIZON:
        raise fail("schedule", f"cron expression {expr!r} never fires (not within 10 years)")


def _sample_url(template: str, sections: list[str], fail: Fail, key: str) -> str:
    """The template filled in as a spider fills it, so a typo fails now, not mid-crawl."""
    from datetime import date

    day = date(2025, 11, 7)
    try:
        return template.format(
            section=sections[0] if sections else "x",
            page=1,
            date=day,
            year=day.year,
            month=day.month,
            day=day.day,
        )
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
        raise fail(f"discovery.{key}", f"bad URL template {template!r}: {exc!r}") from None


def _check_url(field_name: str, url: str, hosts: set[str], fail: Fail) -> None:
    """An http(s) URL on one of the source's domains: a crawl fetches nothing else.

    The authority must be exactly `host` or `host:port`: user info (`a@host`) and
    backslashes let parsers disagree on the host (`http://127.0.0.1:1\\@outlet/`
    is the outlet to urlsplit and loopback to others), so both are refused.
    """
    from urllib.parse import urlsplit

    if "\\" in url or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise fail(field_name, f"backslashes, spaces and control characters not allowed: {url!r}")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise fail(field_name, f"not a URL: {url!r} ({exc})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise fail(field_name, f"must be an http(s):// URL, got {url!r}")
    if "@" in parts.netloc:
        raise fail(field_name, f"user info ('…@') not allowed in a URL: {url!r}")
    if host not in hosts:
        raise fail(field_name, f"host {host!r} is not one of the source's domains")


# Names that never reach a public outlet (RFC 6761, 6762, 8375, and common practice).
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")
CRON_HORIZON = timedelta(days=3660)  # a schedule must fire within about 10 years


def non_public_host(host: str) -> str | None:
    """Why `host` is not a public outlet's name (an IP literal, loopback, a local name), or None.

    IP literals are refused whatever their address, in any notation the URL
    parsers accept (`127.1`, `0x7f.0.0.1`): an outlet is a name, and a numeric
    last label is never a top-level domain.
    """
    import ipaddress

    name = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        kind = (
            "a loopback address"
            if address.is_loopback
            else "a link-local address"
            if address.is_link_local
            else "a private address"
            if address.is_private
            else "an IP address"
        )
        return f"{kind}, not a host name"
    last = name.rsplit(".", 1)[-1]
    if last.isdigit() or last.startswith("0x"):
        return "an IP address, not a host name"
    if name == "localhost" or name.endswith(LOCAL_SUFFIXES):
        return "a local host name"
    return None


def _check_selector(field_name: str, selector: str, fail: Fail) -> None:
    from parsel import Selector

    try:
        Selector(text="<html></html>").css(selector)
    except Exception as exc:  # cssselect's SelectorSyntaxError, ExpressionError, …
        raise fail(field_name, f"bad CSS selector {selector!r}: {exc}") from None


def _parse_discovery(raw: dict[str, Any], fail: Fail) -> dict[str, str]:
    style = raw.get("style")
    if style not in DISCOVERY_FIELDS:
        raise fail(
            "discovery.style", f"must be one of {', '.join(DISCOVERY_FIELDS)}, got {style!r}"
        )
    wanted = DISCOVERY_FIELDS[style]
    for key, value in raw.items():
        if key != "style" and key not in wanted:
            raise fail(f"discovery.{key}", f"not a field of style '{style}'")
        if not isinstance(value, str):
            raise fail(f"discovery.{key}", f"expected str, got {type(value).__name__}")
    for key, required in wanted.items():
        if required and key not in raw:
            raise fail(f"discovery.{key}", f"missing (style '{style}' needs it)")
    return dict(raw)
