"""Every field of real saved outlet pages, warta and trafilatura side by side.

    python -m benchmarks.realpages [--outlet detik] [--runs 3] [--json results.json]

The pages are tests/fixtures/realpages/<outlet>/NAME.html, each with a
NAME.truth.json that says what a correct extraction holds (see the README
there). Per field, each extractor gets a check right or wrong:

- title, authors, editors, location: exact (authors and editors as lists);
- published_second: the same instant to the second AND the outlet's own offset;
  published_minute: the same instant to the minute (any offset);
  published_day: the same local calendar day;
- body_first / body_last: the body starts / ends with those words (whitespace
  collapsed); no_junk: no `must_not_contain` string in body, title, people or place;
- body: equals the truth's full `body`, where the truth has one; body precision,
  recall and F1 use the article-extraction benchmark's shingle metric
  (benchmarks/extraction_quality.py).

A check the truth gives no value for is not counted. A page is entirely right
when every check counted for it is. trafilatura has no editors and no dateline
place, so those count as empty for it; a naive date-time it returns is read in
the truth's own offset (generous to it), a date alone only counts for the day.
ms/page is the median, over pages, of the median of `--runs` timings per page
(wall clock, and process CPU time, which a loaded shared machine disturbs less);
the two extractors are timed page by page in turn.

tests/test_realpages.py runs the same checks on warta (the strict ones) as a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from benchmarks.extraction_quality import page_counts, score

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "realpages"
CHECKS = (
    "title",
    "authors",
    "editors",
    "published_second",
    "published_minute",
    "published_day",
    "location",
    "body_first",
    "body_last",
    "no_junk",
    "body",
)
# The checks a correct extraction passes; the looser date checks are only for scoring.
STRICT = tuple(name for name in CHECKS if name not in ("published_minute", "published_day"))
# trafilatura's date: to the second, with an offset when the page states one.
TRAFILATURA_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


@dataclass(frozen=True)
class Page:
    """One saved article page and its truth."""

    outlet: str
    name: str
    html: bytes
    truth: dict

    @property
    def id(self) -> str:
        return f"{self.outlet}/{self.name}"

    @property
    def url(self) -> str:
        return self.truth["url"]


@dataclass
class Fields:
    """What an extractor found on a page, in the truth's terms."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    published: datetime | date | None = None  # a date alone when no time was found
    location: str | None = None
    body: str = ""


def collapse(text: str | None) -> str:
    """Whitespace collapsed to single spaces (saved pages are often re-wrapped), and
    Unicode format characters (category Cf: the left-to-right marks and zero-width
    joiners CMSs leave in text) dropped: they are invisible, and extractors drop them by
    design, so a truth copied from the page's source may keep them while a body
    without them is the same text."""
    text = text or ""
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def truth_files(fixtures: Path = FIXTURES) -> list[Path]:
    """Every truth file of an article page (listing pages carry `article_links`)."""
    files = sorted(fixtures.glob("*/*.truth.json"))
    return [f for f in files if "article_links" not in json.loads(f.read_text(encoding="utf-8"))]


def load_page(truth_file: Path) -> Page:
    name = truth_file.name.removesuffix(".truth.json")
    html = truth_file.with_name(f"{name}.html").read_bytes()
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    return Page(truth_file.parent.name, name, html, truth)


def load_pages(outlet: str | None = None, fixtures: Path = FIXTURES) -> list[Page]:
    pages = [load_page(f) for f in truth_files(fixtures)]
    return [p for p in pages if outlet is None or p.outlet == outlet]


def warta_fields(page: Page) -> Fields:
    """warta's extraction, from the bytes as fetched (it decodes them as a crawl does)."""
    from crawler.extraction import extract_article

    article = extract_article(page.html, page.url)
    if article is None:
        return Fields()
    return Fields(
        title=article.title,
        authors=list(article.authors),
        editors=list(article.editors),
        published=article.published_at,
        location=article.location,
        body=article.body or "",
    )


def trafilatura_fields(page: Page) -> Fields:
    """trafilatura's extraction with metadata, the URL given, the same bytes."""
    import trafilatura

    document = trafilatura.bare_extraction(
        page.html,
        url=page.url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={
            "extensive_search": True,
            "original_date": True,
            "outputformat": TRAFILATURA_DATE_FORMAT,
        },
    )
    if document is None:
        return Fields()
    data = document if isinstance(document, dict) else document.as_dict()
    authors = [a.strip() for a in (data.get("author") or "").split(";") if a.strip()]
    return Fields(
        title=data.get("title"),
        authors=authors,
        published=_parse_date(data.get("date")),
        body=data.get("text") or "",
    )


def _parse_date(value: str | None) -> datetime | date | None:
    if not value:
        return None
    try:
        parsed = datetime.strptime(value, TRAFILATURA_DATE_FORMAT)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    # htmldate pads a date without a time with midnight: only the day is known then.
    if parsed.tzinfo is None and (parsed.hour, parsed.minute, parsed.second) == (0, 0, 0):
        return parsed.date()
    return parsed


def check(truth: dict, got: Fields) -> dict[str, bool | None]:
    """Each check of CHECKS: right, wrong, or None when the truth gives no value."""
    body = collapse(got.body)
    checks: dict[str, bool | None] = dict.fromkeys(CHECKS)
    checks["title"] = got.title == truth["title"] if "title" in truth else None
    for people in ("authors", "editors"):
        if people in truth:
            checks[people] = list(getattr(got, people)) == list(truth[people])
    if "published" in truth:
        checks.update(_date_checks(truth["published"], got.published))
    if "location" in truth:
        checks["location"] = got.location == truth["location"]
    if "body_first" in truth:
        checks["body_first"] = body.startswith(collapse(truth["body_first"]))
    if "body_last" in truth:
        checks["body_last"] = body.endswith(collapse(truth["body_last"]))
    if "must_not_contain" in truth:
        checks["no_junk"] = not junk_found(truth, got)
    if "body" in truth:
        checks["body"] = body == collapse(truth["body"])
    return checks


def junk_found(truth: dict, got: Fields) -> list[str]:
    """The `must_not_contain` strings found in the body, title, people or place.

    A string the truth itself names as an author or editor (Kompas's credit box names,
    listed because they must stay out of the body) is junk only outside the people."""
    texts = [collapse(got.body), got.title or "", got.location or ""]
    people = list(got.authors) + list(got.editors)
    named = {*truth.get("authors", ()), *truth.get("editors", ())}
    return [
        junk
        for junk in truth.get("must_not_contain", [])
        if any(junk in t for t in texts) or (junk not in named and any(junk in p for p in people))
    ]


def _date_checks(expected: str | None, got: datetime | date | None) -> dict[str, bool]:
    names = ("published_second", "published_minute", "published_day")
    if expected is None or got is None:
        return dict.fromkeys(names, expected is None and got is None)
    want = datetime.fromisoformat(expected)
    if not isinstance(got, datetime):  # a date alone
        return {
            "published_second": False,
            "published_minute": False,
            "published_day": got == want.date(),
        }
    if got.tzinfo is None:  # a naive wall clock: read it in the truth's own offset
        got = got.replace(tzinfo=want.tzinfo)
        same_offset = False  # it did not say the offset
    else:
        same_offset = got.utcoffset() == want.utcoffset()
    return {
        "published_second": got == want and same_offset,
        "published_minute": _to_minute(got) == _to_minute(want),
        "published_day": got.astimezone(want.tzinfo).date() == want.date(),
    }


def _to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def describe(truth: dict, got: Fields, checks: dict[str, bool | None], names=STRICT) -> str:
    """A field-by-field account of the failed checks among `names`."""
    lines = []
    for name in names:
        if checks.get(name) is not False:
            continue
        lines.append(f"{name}:")
        lines += [f"    {line}" for line in _difference(name, truth, got)]
    return "\n".join(lines)


def _difference(name: str, truth: dict, got: Fields) -> list[str]:
    body = collapse(got.body)
    if name.startswith("published"):
        shown = got.published.isoformat() if got.published else None
        return [f"expected {truth['published']!r}", f"got      {shown!r}"]
    if name in ("title", "authors", "editors", "location"):
        return [f"expected {truth[name]!r}", f"got      {getattr(got, name)!r}"]
    if name == "body_first":
        return [f"expected to start {truth['body_first']!r}", f"starts   {body[:120]!r}"]
    if name == "body_last":
        return [f"expected to end {truth['body_last']!r}", f"ends     {body[-120:]!r}"]
    if name == "no_junk":
        return [f"found {junk!r}" for junk in junk_found(truth, got)]
    return _body_difference(collapse(truth["body"]), body)


def _body_difference(want: str, have: str) -> list[str]:
    at = next((i for i, (a, b) in enumerate(zip(want, have, strict=False)) if a != b), None)
    if at is None:
        at = min(len(want), len(have))
    return [
        f"first difference at character {at} (expected {len(want)}, got {len(have)} characters)",
        f"expected …{want[max(0, at - 60) : at + 60]!r}",
        f"got      …{have[max(0, at - 60) : at + 60]!r}",
    ]


Extractor = Callable[[Page], Fields]
EXTRACTORS: dict[str, Extractor] = {"warta": warta_fields, "trafilatura": trafilatura_fields}


def measure(pages: list[Page], runs: int = 1, extractors=EXTRACTORS) -> dict:
    """Per extractor: per-check share right, body P/R/F1, pages entirely right, ms/page."""
    timings = {name: {p.id: [] for p in pages} for name in extractors}
    cpu = {name: {p.id: [] for p in pages} for name in extractors}
    found: dict[str, dict[str, Fields]] = {name: {} for name in extractors}
    for _ in range(max(runs, 1)):
        for page in pages:  # interleaved, so load changes hit both alike
            for name, extract in extractors.items():
                started, cpu_started = time.perf_counter(), time.process_time()
                found[name][page.id] = extract(page)
                timings[name][page.id].append((time.perf_counter() - started) * 1000)
                cpu[name][page.id].append((time.process_time() - cpu_started) * 1000)
    results = {}
    for name in extractors:
        per_page = {p.id: check(p.truth, found[name][p.id]) for p in pages}
        results[name] = _summary(pages, per_page, found[name])
        results[name]["ms_per_page"] = statistics.median(
            statistics.median(t) for t in timings[name].values()
        )
        # CPU time too: on a shared, loaded machine wall time mostly measures the others.
        results[name]["cpu_ms_per_page"] = statistics.median(
            statistics.median(t) for t in cpu[name].values()
        )
    return {"pages": [p.id for p in pages], "extractors": results}


def _summary(pages: list[Page], per_page: dict, found: dict[str, Fields]) -> dict:
    fields = {}
    for name in CHECKS:
        counted = [c[name] for c in per_page.values() if c[name] is not None]
        fields[name] = {"right": sum(counted), "counted": len(counted)}
    every = [v for c in per_page.values() for v in c.values() if v is not None]
    whole = [p.id for p in pages if all(v is not False for v in per_page[p.id].values())]
    with_body = [p for p in pages if "body" in p.truth]
    counts = [page_counts(p.truth["body"], found[p.id].body) for p in with_body]
    return {
        "fields": fields,
        "checks_right": sum(every) / len(every) if every else 0.0,
        "pages_right": len(whole),
        "pages_right_ids": whole,
        "body_scores": {"pages": len(with_body), **(score(counts) if counts else {})},
        "failed": {
            page_id: [name for name, ok in checks.items() if ok is False]
            for page_id, checks in per_page.items()
        },
    }


def table(results: dict) -> str:
    """The side-by-side table: one row per check, then the totals."""
    names = list(results["extractors"])
    lines = [
        f"{len(results['pages'])} real article pages",
        f"{'check':<18}" + "".join(f"{n:>14}" for n in names),
    ]
    for check_name in CHECKS:
        cells = []
        for name in names:
            f = results["extractors"][name]["fields"][check_name]
            cells.append(f"{f['right']}/{f['counted']}" if f["counted"] else "-")
        lines.append(f"{check_name:<18}" + "".join(f"{c:>14}" for c in cells))
    for label, key, fmt in (
        ("body precision", "precision", "{:.3f}"),
        ("body recall", "recall", "{:.3f}"),
        ("body F1", "f1", "{:.3f}"),
    ):
        cells = [results["extractors"][n]["body_scores"].get(key) for n in names]
        lines.append(
            f"{label:<18}"
            + "".join(f"{fmt.format(c) if c is not None else '-':>14}" for c in cells)
        )
    lines.append(
        f"{'checks right':<18}"
        + "".join(f"{results['extractors'][n]['checks_right']:>14.1%}" for n in names)
    )
    lines.append(
        f"{'pages all right':<18}"
        + "".join(f"{results['extractors'][n]['pages_right']:>14}" for n in names)
    )
    lines.append(
        f"{'CPU ms/page':<18}"
        + "".join(f"{results['extractors'][n]['cpu_ms_per_page']:>14.2f}" for n in names)
    )
    lines.append(
        f"{'ms/page':<18}"
        + "".join(f"{results['extractors'][n]['ms_per_page']:>14.2f}" for n in names)
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlet", help="only this outlet's pages (a folder name, e.g. detik)")
    parser.add_argument("--runs", type=int, default=1, help="timing runs per page (median)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    pages = load_pages(args.outlet)
    if not pages:
        outlets = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
        parser.error(f"no pages for outlet {args.outlet!r}; outlets: {', '.join(outlets)}")
    results = measure(pages, args.runs)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
