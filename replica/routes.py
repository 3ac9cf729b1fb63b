"""Routing: (Host header, request target) -> `Page`, per docs/replica-contract.md.

`/_replica/meta` and `/_replica/truth.jsonl` answer on any host; every other
request goes to the handler of its host (replica/outlets/: each outlet module
registers its hosts, their handlers and robots.txt), when the site serves that
host. Anything else is a 404, as is whatever a handler refuses (`NotFound`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from replica.model import Site
from replica.outlets import SERVED_HOSTS
from replica.pages.common import JSON, JSONL, TEXT, Page, not_found
from replica.routing import NotFound


def route(site: Site, host: str, target: str) -> Page:
    """The response for `GET target` with `Host: host` (host lowercase, without port)."""
    parts = urlsplit(target)
    path = parts.path or "/"
    query = parse_qs(parts.query, keep_blank_values=True)
    if path == "/_replica/meta":
        return Page(200, JSON, json.dumps(meta(site)).encode())
    if path == "/_replica/truth.jsonl":
        return Page(200, JSONL, truth_jsonl(site))
    served = SERVED_HOSTS.get(host) or site.generated_hosts.get(host)
    if served is None or host not in site.hosts:
        return not_found()
    if path == "/robots.txt":
        return Page(200, TEXT, served.robots.encode())
    try:
        return served.handler(site, host, path, query)
    except NotFound:
        return not_found()


def meta(site: Site) -> dict[str, Any]:
    return {
        "seed": site.seed,
        "articles": site.requested,
        "total": len(site.articles),
        "now": site.now.isoformat(),
        "first_day": site.first_day.isoformat(),
        "last_day": site.last_day.isoformat(),
        "night": site.night,
        "hosts": list(site.hosts),
    }


def truth_jsonl(site: Site) -> bytes:
    """One JSON object per article: the truth fields, datetimes as ISO strings with offset."""
    lines = []
    for article in site.articles:
        record = article.truth()
        for name in ("published_at", "modified_at"):
            if record[name] is not None:
                record[name] = record[name].isoformat()
        lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")
