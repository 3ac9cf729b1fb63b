"""The GENERIC layer alone on real Indonesian news pages, beside trafilatura.

Every article page under a realpages folder (`<outlet>/NAME.html` with its checked
`NAME.truth.json`, keys described in the folder's README) is extracted as if its
outlet were unknown: the URL's host is replaced by one no outlet rule covers, so
structured data, the generic body and `generic_meta` decide everything. trafilatura
(`bare_extraction`, metadata on) reads the same page and URL.

Per extractor it reports:

- body, on pages whose truth has a full `body`: precision/recall/F1 with the
  shingle metric of benchmarks/extraction_quality.py;
- body, on every page: starts right (`body_first`), ends right (`body_last`),
  clean (none of `must_not_contain` in it);
- title exact, authors exact (as a set, case-folded), location exact,
  publication time right to the minute (the same instant) and right to the day
  (the page's local calendar day), and the offset kept (same UTC offset).

    python -m benchmarks.generic_realpages [--pages tests/fixtures/realpages] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.extraction_quality import page_counts, score

PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "realpages"
UNKNOWN_HOST = "news.outlet-unknown.example"
_SPACES = re.compile(r"\s+")


def squash(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def unknown_url(url: str) -> str:
    """The page's URL on a host no rule covers (path and query kept)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme or "https", UNKNOWN_HOST, parts.path, parts.query, ""))


def load(folder: Path) -> list[tuple[str, str, dict]]:
    """(name, html, truth) of every article page (listings have `article_links`)."""
    pages = []
    for truth_path in sorted(folder.glob("*/*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        html_path = truth_path.with_name(truth_path.name.replace(".truth.json", ".html"))
        if "article_links" in truth or not html_path.exists() or "title" not in truth:
            continue
        name = f"{truth_path.parent.name}/{html_path.stem}"
        pages.append((name, html_path.read_bytes().decode("utf-8", "replace"), truth))
    return pages


def warta_fields(html: str, url: str) -> dict:
    from crawler.extraction import extract_article

    article = extract_article(html, url)
    return {
        "title": article.title,
        "authors": article.authors,
        "published": article.published_at,
        "location": article.location,
        "body": article.body or "",
    }


def trafilatura_fields(html: str, url: str) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={
            "extensive_search": True,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S",
        },
    )
    if doc is None:
        return {"title": None, "authors": [], "published": None, "location": None, "body": ""}
    authors = [a.strip() for a in re.split(r";|,", doc.author or "") if a.strip()]
    published = None
    if doc.date:
        try:
            published = datetime.fromisoformat(doc.date)
        except ValueError:
            published = None
    return {
        "title": doc.title,
        "authors": authors,
        "published": published,
        "location": None,
        "body": doc.text or "",
    }


def judge(fields: dict, truth: dict) -> dict:
    """Per-page verdicts for one extractor."""
    body = squash(fields["body"])
    expected = datetime.fromisoformat(truth["published"]) if truth.get("published") else None
    got = fields["published"]
    verdict = {
        "title": squash(fields["title"]) == squash(truth["title"]),
        "authors": {a.casefold() for a in fields["authors"]}
        == {a.casefold() for a in truth.get("authors", [])},
        "location": (fields["location"] or None) == truth.get("location"),
        "starts": bool(truth.get("body_first")) and body.startswith(squash(truth["body_first"])),
        "ends": bool(truth.get("body_last")) and body.endswith(squash(truth["body_last"])),
        "clean": not any(squash(junk) in body for junk in truth.get("must_not_contain", [])),
    }
    if expected is not None:
        verdict.update(_time_verdicts(got, expected))
    if truth.get("body"):
        verdict["counts"] = page_counts(truth["body"], fields["body"])
    return verdict


def _time_verdicts(got: datetime | None, expected: datetime) -> dict:
    if got is None:
        return {"minute": False, "day": False, "offset": False}
    if got.tzinfo is None:  # trafilatura: wall-clock only; compare it as the page's local time
        got = got.replace(tzinfo=expected.tzinfo)
    return {
        "minute": abs((got - expected).total_seconds()) < 60,
        "day": got.astimezone(expected.tzinfo).date() == expected.date(),
        "offset": got.utcoffset() == expected.utcoffset(),
    }


def summarise(verdicts: list[dict]) -> dict:
    out: dict = {}
    for key in ("title", "authors", "location", "minute", "day", "offset"):
        values = [v[key] for v in verdicts if key in v]
        out[key] = sum(values) / len(values) if values else None
    for key in ("starts", "ends", "clean"):
        out[key] = sum(v[key] for v in verdicts) / len(verdicts)
    counts = [v["counts"] for v in verdicts if "counts" in v]
    out["body_pages"] = len(counts)
    if counts:
        out.update(score(counts))
    return out


def run(folder: Path, verbose: bool = False) -> dict[str, dict]:
    pages = load(folder)
    extractors = {"generic": warta_fields, "trafilatura": trafilatura_fields}
    verdicts: dict[str, list[dict]] = {name: [] for name in extractors}
    for name, html, truth in pages:
        url = unknown_url(truth["url"])
        for extractor, fields_of in extractors.items():
            fields = fields_of(html, url)
            verdict = judge(fields, truth)
            verdicts[extractor].append(verdict)
            if verbose and extractor == "generic":
                _explain(name, fields, truth, verdict)
    results = {name: summarise(v) for name, v in verdicts.items()}
    results["pages"] = {"count": len(pages)}
    return results


def _explain(name: str, fields: dict, truth: dict, verdict: dict) -> None:
    wrong = [k for k, v in verdict.items() if k != "counts" and v is False]
    if "counts" in verdict:
        tp, fp, fn = verdict["counts"]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        wrong.append(f"P={precision:.2f} R={recall:.2f}")
    print(f"{name}: {' '.join(wrong) or 'ok'}", file=sys.stderr)
    for key in ("title", "authors", "location"):
        if verdict.get(key) is False:
            print(f"    {key}: {fields[key]!r} != {truth.get(key)!r}", file=sys.stderr)
    if verdict.get("minute") is False or verdict.get("offset") is False:
        print(f"    published: {fields['published']} != {truth['published']}", file=sys.stderr)
    body = squash(fields["body"])
    if verdict.get("starts") is False:
        print(f"    starts: {body[:120]!r}", file=sys.stderr)
    if verdict.get("ends") is False:
        print(f"    ends: {body[-160:]!r}", file=sys.stderr)
    for junk in truth.get("must_not_contain", []):
        if squash(junk) in body:
            print(f"    junk: {junk!r}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=PAGES)
    parser.add_argument("--verbose", action="store_true", help="explain each generic miss")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = run(args.pages, args.verbose)
    print(f"{results['pages']['count']} article pages under {args.pages}")
    columns = ("f1", "precision", "recall", "starts", "ends", "clean", "title", "authors")
    columns += ("location", "minute", "day", "offset")
    print(f"{'extractor':<12}" + "".join(f"{c[:6]:>8}" for c in columns))
    for name in ("generic", "trafilatura"):
        row = results[name]
        cells = [f"{row[c]:8.3f}" if row.get(c) is not None else f"{'-':>8}" for c in columns]
        print(f"{name:<12}" + "".join(cells))
    print(f"(body P/R/F1 over {results['generic']['body_pages']} pages with a full body)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
