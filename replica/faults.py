"""Switchable misbehaviour for the replica: faults per URL pattern.

A `Fault` says what goes wrong (`kind`), where (`pattern`, matched against
`host + path-with-query`, e.g. `jogja.tribunnews.com/2025/11/07/slug`), how
often (`times` requests per URL, then the URL recovers; None: always) and how
(`params`). Faults are parsed from compact specs, as given to
`warta replica --faults SPEC`:

    KIND:PATTERN[:key=value[,key=value…]]

    5xx:*/read/*:times=2                 # each Kompas article: two 503s, then fine
    retry-after:www.detik.com/jogja/*:times=1,after=1
    hang:jogja.tribunnews.com/2025/*:seconds=60
    layout:regional.kompas.com/read/*

The pattern is a shell glob (`*` also matches `/` and `?`), or a regular
expression (searched) when it starts with `~`. docs/replica-contract.md
("Faults") lists every kind and its parameters. `ReplicaServer.faults` applies
them per request; the transformations of a rendered page live here, what needs
the socket (hang, trickle, reset, truncate, huge) lives in replica/server.py.
"""

from __future__ import annotations

import gzip
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase

from replica.pages.common import HTML, Page

# kind -> (parameter defaults, one-line description). Parameters not listed are refused.
KINDS: dict[str, tuple[dict[str, str], str]] = {
    "5xx": ({"code": "503"}, "answer an HTTP error (code=500/502/503/404…)"),
    "retry-after": ({"code": "429", "after": "1"}, "answer 429 (or code=503) with Retry-After"),
    "forbid-ua": ({"allow": ""}, "403 unless the User-Agent contains allow=TEXT"),
    "hang": ({"seconds": "60"}, "say nothing for seconds=N, then close"),
    "trickle": ({"interval": "1", "chunk": "64"}, "send the body chunk bytes every interval s"),
    "reset": ({}, "reset the connection before answering"),
    "truncate": ({"keep": "0.5", "length": "declared"}, "send only part of the body"),
    "bad-gzip": ({}, "Content-Encoding: gzip with a corrupt stream"),
    "huge": ({"mb": "50", "length": "declared"}, "an HTML page of mb=N megabytes"),
    "charset": ({"declare": "utf-8"}, "the page in windows-1252, declared utf-8/latin-1/none"),
    "not-html": ({"type": "pdf"}, "a PDF (type=pdf) or PNG image (type=png)"),
    "redirect-loop": ({"mode": "pingpong"}, "redirect A→A?loop=1→A, or endless new URLs"),
    "redirect-offsite": ({"to": "berita.example.net"}, "301 to the same path on another host"),
    "empty": ({}, "200 with an empty body"),
    "no-title": ({}, "the article without any title"),
    "no-body": ({}, "the article without its body text"),
    "malformed": ({}, "misnested and unclosed tags"),
    "robots": ({}, "robots.txt disallows the pattern's path"),
    "layout": ({}, "the outlets' article markup with renamed classes"),
}
ALIASES = {"status": "5xx", "http": "5xx"}
_OPTION = re.compile(r"^[a-z-]+=[^,]*(,[a-z-]+=[^,]*)*$")


class FaultSpecError(ValueError):
    """A fault spec that cannot be used; the message names the bad part."""


@dataclass
class Fault:
    """One misbehaviour: `kind` at URLs matching `pattern`, `times` per URL (None: always)."""

    kind: str
    pattern: str
    times: int | None = None
    params: dict[str, str] = field(default_factory=dict)
    # URL -> monotonic times of the requests this fault answered (tests read the gaps)
    hits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._regex = re.compile(self.pattern[1:]) if self.pattern.startswith("~") else None

    def matches(self, url: str) -> bool:
        """Whether `host + path-with-query` is one of this fault's URLs."""
        if self._regex is not None:
            return self._regex.search(url) is not None
        return fnmatchcase(url, self.pattern)

    def claim(self, url: str) -> bool:
        """Whether this request at `url` misbehaves; counts it against `times`."""
        if not self.matches(url):
            return False
        with self._lock:  # the server answers requests on many threads
            hits = self.hits[url]
            if self.times is not None and len(hits) >= self.times:
                return False
            hits.append(time.monotonic())
            return True

    def param(self, name: str) -> str:
        return self.params.get(name, KINDS[self.kind][0].get(name, ""))

    def number(self, name: str) -> float:
        return float(self.param(name))

    def spec(self) -> str:
        """The compact spec this fault was (or could have been) parsed from."""
        options = [f"{k}={v}" for k, v in self.params.items()]
        if self.times is not None:
            options.insert(0, f"times={self.times}")
        return f"{self.kind}:{self.pattern}" + (f":{','.join(options)}" if options else "")


def parse_fault(spec: str) -> Fault:
    """`KIND:PATTERN[:key=value,…]` → Fault; FaultSpecError names what is wrong."""
    kind, sep, rest = spec.strip().partition(":")
    kind = ALIASES.get(kind.lower(), kind.lower())
    if kind not in KINDS:
        raise FaultSpecError(f"fault {spec!r}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
    pattern, options = rest, ""
    if ":" in rest and _OPTION.match(rest.rsplit(":", 1)[1]):
        pattern, options = rest.rsplit(":", 1)
    if not sep or not pattern:
        raise FaultSpecError(f"fault {spec!r}: missing URL pattern (KIND:PATTERN[:options])")
    params = dict(option.split("=", 1) for option in options.split(",") if option)
    times = _times(spec, params.pop("times", "always"))
    for name, value in params.items():
        if name not in KINDS[kind][0]:
            known = ", ".join(["times", *KINDS[kind][0]])
            raise FaultSpecError(f"fault {spec!r}: {kind} has no option {name!r} ({known})")
        _check_value(spec, kind, name, value)
    if pattern.startswith("~"):
        try:
            re.compile(pattern[1:])
        except re.error as exc:
            raise FaultSpecError(f"fault {spec!r}: bad regular expression: {exc}") from None
    if kind == "forbid-ua" and not params.get("allow"):
        raise FaultSpecError(f"fault {spec!r}: forbid-ua needs allow=TEXT")
    return Fault(kind, pattern, times, params)


def _times(spec: str, value: str) -> int | None:
    if value == "always":
        return None
    if not value.isdigit() or int(value) < 1:
        raise FaultSpecError(f"fault {spec!r}: times must be a whole number ≥ 1 or 'always'")
    return int(value)


_NUMERIC = {"code", "after", "seconds", "interval", "chunk", "keep", "mb"}
_CHOICES = {
    "length": ("declared", "none"),
    "declare": ("utf-8", "latin-1", "none"),
    "type": ("pdf", "png"),
    "mode": ("pingpong", "endless"),
}


def _check_value(spec: str, kind: str, name: str, value: str) -> None:
    if name in _NUMERIC:
        try:
            number = float(value)
        except ValueError:
            number = -1
        if number < 0 or (name == "code" and not 100 <= number < 600):
            raise FaultSpecError(f"fault {spec!r}: {name}={value!r} is not a valid number")
    if name in _CHOICES and value not in _CHOICES[name]:
        choices = "/".join(_CHOICES[name])
        raise FaultSpecError(f"fault {spec!r}: {name} must be one of {choices}")


def parse_faults(specs: list[str] | tuple[str, ...]) -> list[Fault]:
    return [parse_fault(spec) for spec in specs]


def first_fault(faults: list[Fault], url: str) -> Fault | None:
    """The first fault that claims this request (robots faults act on robots.txt only)."""
    for fault in faults:
        if fault.kind != "robots" and fault.claim(url):
            return fault
    return None


# -- robots.txt ------------------------------------------------------------------------


def robots_disallows(faults: list[Fault], host: str) -> list[str]:
    """Extra `Disallow:` paths for `host`'s robots.txt: each robots fault's path up to
    its first wildcard (robots.txt rules are path prefixes)."""
    paths = []
    for fault in faults:
        if fault.kind != "robots" or fault.pattern.startswith("~"):
            continue
        fault_host, _, path = fault.pattern.partition("/")
        if fnmatchcase(host, fault_host):
            paths.append("/" + re.split(r"[*?\[]", path, maxsplit=1)[0])
    return paths


def with_disallows(robots: bytes, paths: list[str]) -> bytes:
    extra = "".join(f"Disallow: {path}\n" for path in paths)
    # Add the lines to the first `User-agent: *` group, which every crawler reads.
    return re.sub(rb"(User-agent: \*\n)", lambda m: m.group(1) + extra.encode(), robots, count=1)


# -- page transformations --------------------------------------------------------------

# The outlets' article markup the outlet rules select on, renamed as a redesign would.
LAYOUT_RENAMES = (
    (b"side-article txt-article", b"side-article konten-berita"),
    (b'id="arttitle"', b'id="judul-berita"'),
    (b'class="read__content"', b'class="isi-artikel"'),
    (b'class="read__title"', b'class="judul-artikel"'),
    (b'class="detail__body-text itp_bodycontent"', b'class="badan-berita"'),
    (b'class="detail__title"', b'class="kepala-berita"'),
    (b'class="article-content"', b'class="konten-artikel"'),
    (b'class="article-header"', b'class="kepala-artikel"'),
)
_TITLES = (
    re.compile(rb"<title>.*?</title>", re.S),
    re.compile(rb"<h1[^>]*>.*?</h1>", re.S),
    re.compile(rb'<meta (?:property|name)="(?:og|twitter):title"[^>]*>'),
    re.compile(rb'"(?:headline|name)":\s*"(?:[^"\\]|\\.)*",\s*'),
)
_PARAGRAPH = re.compile(rb"<p[ >].*?</p>", re.S)
_JSON_LD_BODY = re.compile(rb'"(?:articleBody|description)":\s*"(?:[^"\\]|\\.)*",\s*')
# A one-page PDF and a 1×1 PNG: what an outlet serves when a link points at a document.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def transform(fault: Fault, page: Page) -> tuple[Page, dict[str, str]]:
    """The page as `fault` serves it, and extra response headers. Kinds that act on the
    connection (hang, trickle, reset, truncate, huge) pass the page through."""
    kind, body = fault.kind, page.body
    if kind == "bad-gzip":
        corrupt = gzip.compress(body)[:12] + bytes(64) + b"not a deflate stream"
        return replace(page, body=corrupt), {"Content-Encoding": "gzip"}
    if kind == "charset":
        return _windows_1252(page, fault.param("declare")), {}
    if kind == "not-html":
        if fault.param("type") == "png":
            return Page(200, "image/png", PNG), {}
        return Page(200, "application/pdf", PDF), {}
    if kind == "empty":
        return Page(200, HTML, b""), {}
    if not page.content_type.startswith("text/html") or page.status != 200:
        return page, {}
    if kind == "no-title":
        for pattern in _TITLES:
            body = pattern.sub(b"", body)
    elif kind == "no-body":
        body = _JSON_LD_BODY.sub(b"", _PARAGRAPH.sub(b"", body))
    elif kind == "malformed":
        body = _misnest(body)
    elif kind == "layout":
        for old, new in LAYOUT_RENAMES:
            body = body.replace(old, new)
    return replace(page, body=body), {}


def _windows_1252(page: Page, declare: str) -> Page:
    """The page's text in windows-1252 (what old CMSes send), with a right, wrong or no label."""
    text = page.body.decode("utf-8")
    text = re.sub(
        r'<meta charset="[^"]*">', "" if declare == "none" else f'<meta charset="{declare}">', text
    )
    content_type = "text/html" if declare == "none" else f"text/html; charset={declare}"
    return Page(page.status, content_type, text.encode("cp1252", errors="xmlcharrefreplace"))


def _misnest(body: bytes) -> bytes:
    """Tags a sloppy template emits: unclosed paragraphs, crossed inline tags, stray closers."""
    body = body.replace(b"</p>", b"")  # every paragraph left open
    body = body.replace(b"<strong>", b"<strong><em>").replace(b"</strong>", b"</strong></em>")
    return body.replace(b"</h1>", b"</h1></span></b>")
