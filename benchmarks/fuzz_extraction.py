"""Fuzz `extract_article`: random and mutated HTML must never raise, and must stay fast.

    .venv/bin/python benchmarks/fuzz_extraction.py [--examples 5000] [--seed 1]
    .venv/bin/python benchmarks/fuzz_extraction.py --atheris 600   # coverage-guided

The corpus is the offline replica's pages (every outlet's article pages, their
continuation pages and listings; `build_site(articles=20, seed=3)`) and a
sample of the (vendored) article-extraction benchmark's real pages from many
sites. Each example takes a page (or random HTML-ish text), applies one to
four mutations (truncation, deleted/duplicated byte ranges, unbalanced tags,
charsets and BOMs, null bytes, huge attributes, deep nesting, byte flips,
hostile JSON-LD, splices of two pages) and calls `extract_article` on it.
Prints the examples run, the exceptions and wrongly typed results, and the
time per call (median, p99, max).

tests/test_extraction_fuzz.py runs the same mutations under hypothesis with a
modest number of examples; this script is for the long runs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import random
import statistics
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extraction import continuation_urls, extract_article, fetch_url_for  # noqa: E402
from crawler.items import Article  # noqa: E402

BENCHMARK = ROOT / "benchmarks" / "data" / "article-extraction-benchmark"  # vendored
TIME_LIMIT = 5.0  # seconds one call may take, whatever the input
URLS = [  # URLs that select each outlet rule, and one that none covers
    "https://jogja.tribunnews.com/2025/11/07/judul-berita",
    "https://regional.kompas.com/read/2025/11/06/101500778/judul?page=all",
    "https://www.detik.com/jogja/berita/d-8201234/judul?single=1",
    "https://jogjapolitan.harianjogja.com/r-1223456/judul",
    "https://example.org/berita/1",
]
Page = tuple[bytes, str]  # (html, url)


# -- the corpus ---------------------------------------------------------------------------


def replica_pages(articles: int = 20, seed: int = 3) -> list[Page]:
    """Every article page of a small replica site (continuation pages too) and its listings."""
    from replica.generator import build_site
    from replica.routes import route

    site = build_site(articles=articles, seed=seed)

    def get(url: str) -> bytes:
        parts = urlsplit(url)
        page = route(site, parts.hostname, parts.path + (f"?{parts.query}" if parts.query else ""))
        return page.body

    pages = []
    for article in site.articles:
        url = fetch_url_for(article.url)
        first = get(url)
        pages.append((first, url))
        pages += [(get(more), more) for more in continuation_urls(first, url)]
    day = site.last_day
    for url in (
        "https://jogja.tribunnews.com/magelang",
        f"https://indeks.kompas.com/?site=regional&date={day:%Y-%m-%d}&page=1",
        f"https://www.detik.com/jogja/indeks?date={day:%m/%d/%Y}&page=1",
        "https://jogjapolitan.harianjogja.com/sitemap.xml",
    ):
        pages.append((get(url), url))
    return pages


def benchmark_pages(sample: int | None = 40, seed: int = 0) -> list[Page]:
    """A sample of the benchmark's real pages; FileNotFoundError when it is missing."""
    truth_file = BENCHMARK / "ground-truth.json"
    if not truth_file.is_file():
        raise FileNotFoundError(f"article-extraction benchmark not found at {BENCHMARK}")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    keys = sorted(truth)
    if sample is not None:
        keys = random.Random(seed).sample(keys, min(sample, len(keys)))
    return [
        (
            gzip.decompress((BENCHMARK / "html" / f"{key}.html.gz").read_bytes()),
            truth[key].get("url") or "https://example.org/x",
        )
        for key in keys
    ]


# -- mutations: (data, rng) -> data --------------------------------------------------------

TAGS = ["div", "p", "span", "a", "script", "style", "table", "tr", "td", "article", "html",
        "body", "head", "title", "meta", "h1", "li", "ul", "iframe", "noscript", "svg", "template",
        "textarea", "select", "form", "figure", "img", "br", "time", "main"]  # fmt: skip
CHARSETS = ["utf-8", "utf-16", "utf-16-le", "utf-32", "iso-8859-1", "windows-1252", "gbk",
            "shift_jis", "koi8-r", "ascii", "no-such-codec", "", "utf-7",
            "x-user-defined"]  # fmt: skip
BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]


def _position(data: bytes, rng: random.Random) -> int:
    return rng.randrange(len(data) + 1)


def _insert(data: bytes, rng: random.Random, piece: bytes) -> bytes:
    at = _position(data, rng)
    return data[:at] + piece + data[at:]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: _position(data, rng)]


def delete_range(data: bytes, rng: random.Random) -> bytes:
    start = _position(data, rng)
    return data[:start] + data[start + rng.randrange(1, 5000) :]


def duplicate_range(data: bytes, rng: random.Random) -> bytes:
    start = _position(data, rng)
    piece = data[start : start + rng.randrange(1, 5000)]
    return _insert(data, rng, piece * rng.randrange(1, 20))


def unbalanced_tags(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randrange(1, 30)):
        tag = rng.choice(TAGS)
        piece = rng.choice(
            [
                f"<{tag}>",
                f"</{tag}>",
                f"<{tag}",
                f"<{tag} class='",
                "<!--",
                "-->",
                "<![CDATA[",
                "]]>",
                "<!DOCTYPE html>",
                "<?xml version='1.0'?>",
                f"<{tag}/>",
                "&",
                "&#x110000;",
                "&#0;",
                "&nbsp",
                "<",
                ">",
                '"',
                "'",
            ]  # fmt: skip
        )
        data = _insert(data, rng, piece.encode())
    return data


def charset(data: bytes, rng: random.Random) -> bytes:
    """A random (maybe false, maybe bogus) charset declaration, re-encoding and/or BOM."""
    name = rng.choice(CHARSETS)
    declaration = (
        f'<meta charset="{name}">'
        f'<meta http-equiv="Content-Type" content="text/html; charset={name}">'
    )
    data = _insert(data, rng, declaration.encode())
    if rng.random() < 0.5:
        text = data.decode("utf-8", errors="replace")
        target = rng.choice(["utf-16", "utf-16-be", "utf-32", "cp1252", "latin-1", "gbk", "utf-8"])
        data = text.encode(target, errors="replace")
    if rng.random() < 0.5:
        data = rng.choice(BOMS) + data
    return data


def control_bytes(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randrange(1, 50)):
        data = _insert(data, rng, bytes([rng.choice([0, 0, 1, 7, 8, 11, 12, 27, 127])]))
    if rng.random() < 0.2:
        data = _insert(data, rng, b"\x00" * rng.randrange(1, 100_000))
    return data


def huge_attribute(data: bytes, rng: random.Random) -> bytes:
    size = rng.choice([10_000, 100_000, 1_000_000])
    value = rng.choice(["A", "x y ", "&amp;", "\u00e9", '"'])
    attribute = rng.choice(["class", "content", "href", "data-x", "style", "property"])
    tag = rng.choice(["div", "meta", "a", "p", "img"])
    piece = f'<{tag} {attribute}="{value * (size // len(value))}">'
    return _insert(data, rng, piece.encode("utf-8"))


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([100, 1000, 5000, 20_000])
    tag = rng.choice(["div", "span", "b", "table", "ul", "p", "a"]).encode()
    opening = b"<" + tag + b">"
    closing = b"</" + tag + b">" if rng.random() < 0.5 else b""
    return _insert(data, rng, opening * depth + b"deep" + closing * depth)


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    buffer = bytearray(data)
    for _ in range(rng.randrange(1, 200)):
        buffer[rng.randrange(len(buffer))] = rng.randrange(256)
    return bytes(buffer)


def hostile_jsonld(data: bytes, rng: random.Random) -> bytes:
    """JSON-LD of the wrong shapes, types and sizes where structured data is read."""
    value = rng.choice([
        "{", "[]", "null", "1e999999", '"x"', '{"@graph": {"@graph": [null, 1, "x"]}}',
        '{"@type": ["NewsArticle", 3], "headline": {"a": [1, {"b": null}]}, "author": 5}',
        '{"@type": "NewsArticle", "datePublished": "2025-99-99T99:99:99+99:99", '
        '"dateModified": ["x"], "articleBody": 12, "image": {"url": []}}',
        '{"@type": "NewsArticle", "headline": "' + "H" * 200_000 + '"}',
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 5000 + "1" + "}" * 5000,
        '{"@type": "NewsArticle", "author": [' + ",".join(['{"name": "A"}'] * 20_000) + "]}",
        '{"@type": "NewsArticle", "keywords": "' + ",".join(["k"] * 50_000) + '"}',
    ])  # fmt: skip
    piece = f'<script type="application/ld+json">{value}</script>'
    return _insert(data, rng, piece.encode("utf-8"))


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": truncate,
    "delete_range": delete_range,
    "duplicate_range": duplicate_range,
    "unbalanced_tags": unbalanced_tags,
    "charset": charset,
    "control_bytes": control_bytes,
    "huge_attribute": huge_attribute,
    "deep_nesting": deep_nesting,
    "flip_bytes": flip_bytes,
    "hostile_jsonld": hostile_jsonld,
}


def mutate(corpus: list[Page], rng: random.Random) -> tuple[bytes, str, list[str]]:
    """One fuzz example from the corpus: (html, url, the mutations applied)."""
    data, url = rng.choice(corpus)
    if rng.random() < 0.2:
        url = rng.choice(URLS)  # a page under another outlet's rule
    applied = []
    if rng.random() < 0.1:
        other, _ = rng.choice(corpus)
        cut = rng.randrange(len(data) + 1)
        data = data[:cut] + other[rng.randrange(len(other) + 1) :]
        applied.append("splice")
    for _ in range(rng.randrange(1, 5)):
        name = rng.choice(list(MUTATIONS))
        data = MUTATIONS[name](data, rng)
        applied.append(name)
    return data, url, applied


def random_html(rng: random.Random) -> str:
    """HTML-ish text from tags, attributes, entities, words and junk."""
    pieces = []
    for _ in range(rng.randrange(0, 400)):
        kind = rng.randrange(6)
        tag = rng.choice(TAGS)
        if kind == 0:
            attrs = " ".join(
                f"{rng.choice(['class', 'id', 'itemprop', 'property', 'name', 'content', 'rel'])}="
                f'"{rng.choice(["article", "content", "author", "og:title", "canonical", "x"])}"'
                for _ in range(rng.randrange(3))
            )
            pieces.append(f"<{tag} {attrs}>")
        elif kind == 1:
            pieces.append(f"</{tag}>")
        elif kind == 2:
            pieces.append(rng.choice(["Banjir", "Sleman", "Kamis", "(7/11/2025)", "WIB", "Oleh"]))
        elif kind == 3:
            pieces.append(rng.choice(["&amp;", "&#8211;", "&bogus;", "&#xD800;", "<!--", "-->"]))
        elif kind == 4:
            pieces.append("".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(8))))
        else:
            pieces.append(" " * rng.randrange(3) + "\n" * rng.randrange(2))
    return "".join(pieces)


# -- the property ----------------------------------------------------------------------------


class LayerErrors(logging.Handler):
    """Counts what the extraction's guards caught and logged (a layer's bug on some input):
    the caller got an Article anyway, but each one is a bug to look at."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> LayerErrors:
        logger = logging.getLogger("crawler.extraction")
        self._propagate, logger.propagate = logger.propagate, False
        logger.addHandler(self)
        return self

    def __exit__(self, *exc_info) -> None:
        logger = logging.getLogger("crawler.extraction")
        logger.removeHandler(self)
        logger.propagate = self._propagate

    def describe(self, record: logging.LogRecord) -> str:
        kind = record.exc_info[0].__name__ if record.exc_info else "error"
        return f"{kind}: {record.getMessage()}"


def check(html: str | bytes, url: str) -> float:
    """Extract once; raise AssertionError on a wrongly typed result; return the seconds taken."""
    started = time.perf_counter()
    article = extract_article(html, url)
    elapsed = time.perf_counter() - started
    if article is not None:
        check_types(article)
    return elapsed


def check_types(article: Article) -> None:
    assert isinstance(article, Article), type(article)
    assert isinstance(article.url, str) and article.url
    for name in ("title", "description", "summary", "section", "location", "body", "language"):
        value = getattr(article, name)
        assert value is None or isinstance(value, str), (name, value)
        assert value is None or "\x00" not in value, (name, "NUL in text")
    for name in ("authors", "editors", "tags"):
        value = getattr(article, name)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), (name, value)
    for name in ("published_at", "modified_at"):
        value = getattr(article, name)
        assert value is None or (isinstance(value, datetime) and value.tzinfo), (name, value)
    assert isinstance(article.images, list) and all(isinstance(i, dict) for i in article.images)
    assert isinstance(article.provenance, dict)


# -- the long run ------------------------------------------------------------------------------


def run(examples: int, seed: int, benchmark_sample: int | None) -> dict:
    corpus = replica_pages() + benchmark_pages(benchmark_sample)
    rng = random.Random(seed)
    times: list[float] = []
    failures: Counter[str] = Counter()
    used: Counter[str] = Counter()
    first_failure = None
    guarded: Counter[str] = Counter()
    slow: list[tuple] = []
    started = time.perf_counter()
    with LayerErrors() as caught:
        for number in range(examples):
            if number % 5 == 4:
                html, url, applied = random_html(rng), rng.choice(URLS), ["random_html"]
            else:
                html, url, applied = mutate(corpus, rng)
            used.update(applied)
            seen = len(caught.records)
            try:
                times.append(check(html, url))
                if times[-1] > TIME_LIMIT:
                    slow.append((round(times[-1], 1), number, " + ".join(applied), url, len(html)))
            except Exception as exc:  # counted and reported, the run goes on
                failures[type(exc).__name__] += 1
                if first_failure is None:
                    first_failure = (applied, url, traceback.format_exc())
            for record in caught.records[seen:]:
                where = f"#{number}: {' + '.join(applied)}"
                guarded[f"{caught.describe(record)} ({where})"[:160]] += 1
    times.sort()
    return {
        "corpus pages": len(corpus),
        "examples": examples,
        "exceptions": sum(failures.values()),
        "by type": dict(failures),
        "layer errors": sum(guarded.values()),
        "layer errors by kind": dict(guarded.most_common(10)),
        "over time limit": sum(1 for t in times if t > TIME_LIMIT),
        "slow examples": sorted(slow, reverse=True)[:10],
        "median ms": round(statistics.median(times) * 1000, 1) if times else None,
        "p99 ms": round(times[int(len(times) * 0.99) - 1] * 1000, 1) if times else None,
        "max ms": round(times[-1] * 1000, 1) if times else None,
        "wall s": round(time.perf_counter() - started, 1),
        "mutations used": dict(used.most_common()),
        "first failure": first_failure,
    }


def run_atheris(seconds: int, benchmark_sample: int | None) -> None:
    """Coverage-guided fuzzing with atheris (pip install atheris), seeded with the corpus.
    A crash, a wrongly typed field or a call over TIME_LIMIT stops it with the input saved."""
    import tempfile

    import atheris

    seeds = Path(tempfile.mkdtemp(prefix="warta-fuzz-"))
    for number, (html, _url) in enumerate(replica_pages() + benchmark_pages(benchmark_sample)):
        (seeds / f"{number}.html").write_bytes(html)

    def one_input(data: bytes) -> None:
        url = URLS[data[0] % len(URLS)] if data else URLS[0]
        assert check(data, url) < TIME_LIMIT, "over the time limit"

    atheris.instrument_all()
    logging.disable(logging.ERROR)  # the guards' logs; crashes still surface
    atheris.Setup(
        [sys.argv[0], str(seeds), f"-max_total_time={seconds}", "-rss_limit_mb=4096"],
        one_input,
    )
    atheris.Fuzz()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--benchmark-pages", type=int, default=60, help="benchmark pages in the corpus (0: all)"
    )
    parser.add_argument(
        "--atheris", type=int, metavar="SECONDS", help="coverage-guided fuzzing instead"
    )
    args = parser.parse_args()
    if args.atheris:
        run_atheris(args.atheris, args.benchmark_pages or None)
        return
    summary = run(args.examples, args.seed, args.benchmark_pages or None)
    failure = summary.pop("first failure")
    for key, value in summary.items():
        print(f"{key:<16} {value}")
    if failure:
        applied, url, trace = failure
        print(f"\nfirst failure ({' + '.join(applied)}, {url}):\n{trace}")
    failed = summary["exceptions"] or summary["over time limit"] or summary["layer errors"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
