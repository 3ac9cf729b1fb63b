"""Body-extraction quality on the article-extraction benchmark (181 real pages).

Scores warta's `extract_article` and trafilatura (the baseline named in the
extraction issue) in the same run, with the benchmark's own metric:
tokens are `\\w+` matches; each body is a multiset of 4-token shingles; per page
tp/fp/fn are normalised by their sum; precision is averaged over pages with a
prediction, recall over pages with a truth; F1 from the two means.
Prints F1, precision, recall and median milliseconds per page for each; the
two are timed page by page in turn, so load from other processes hits both alike.

    python benchmarks/extraction_quality.py [--dataset PATH] [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

# Vendored in the repository (MIT, see its LICENSE), so a plain clone can run it.
DATASET = Path(__file__).resolve().parent / "data" / "article-extraction-benchmark"
TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def page_counts(truth: str, predicted: str) -> tuple[float, float, float]:
    true_sh, pred_sh = shingles(truth), shingles(predicted)
    tp = sum((true_sh & pred_sh).values())
    fp = sum((pred_sh - true_sh).values())
    fn = sum((true_sh - pred_sh).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    def ratio(tp: float, other: float, fp: float, fn: float) -> float:
        if fp == fn == 0:
            return 1.0
        return tp / (tp + other) if tp + other else 0.0

    precision = statistics.mean(ratio(tp, fp, fp, fn) for tp, fp, fn in counts if tp + fp > 0)
    recall = statistics.mean(ratio(tp, fn, fp, fn) for tp, fp, fn in counts if tp + fn > 0)
    return {
        "f1": 2 * precision * recall / (precision + recall),
        "precision": precision,
        "recall": recall,
    }


def load(dataset: Path) -> list[tuple[str, str, str, str]]:
    truth = json.loads((dataset / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, record in sorted(truth.items()):
        with gzip.open(dataset / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as handle:
            pages.append((key, record.get("url", ""), handle.read(), record.get("articleBody", "")))
    return pages


def warta_body(html: str, url: str) -> str:
    from crawler.extraction import extract_article

    article = extract_article(html, url)
    return (article.body or "") if article else ""


def trafilatura_body(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def measure(extractor: Callable[[str, str], str], pages, runs: int) -> dict[str, float]:
    """One extractor's scores and median ms/page (median of `runs` timings per page)."""
    return measure_all({"extractor": extractor}, pages, runs)["extractor"]


def measure_all(
    extractors: dict[str, Callable[[str, str], str]], pages, runs: int
) -> dict[str, dict[str, float]]:
    """Each extractor's scores and median ms/page. Timings are interleaved page by
    page, so a load change on a shared machine hits every extractor alike."""
    per_page_ms = {name: {key: [] for key, *_ in pages} for name in extractors}
    predictions: dict[str, dict[str, str]] = {name: {} for name in extractors}
    for _ in range(runs):
        for key, url, html, _truth in pages:
            for name, extractor in extractors.items():
                started = time.perf_counter()
                predictions[name][key] = extractor(html, url)
                per_page_ms[name][key].append((time.perf_counter() - started) * 1000)
    results = {}
    for name in extractors:
        counts = [page_counts(truth, predictions[name][key]) for key, _u, _h, truth in pages]
        results[name] = score(counts)
        results[name]["median_ms"] = statistics.median(
            statistics.median(v) for v in per_page_ms[name].values()
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--runs", type=int, default=3, help="timing runs per page (median)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    pages = load(args.dataset)
    results = measure_all({"warta": warta_body, "trafilatura": trafilatura_body}, pages, args.runs)
    print(f"{len(pages)} pages, {args.runs} timing runs each")
    print(f"{'extractor':<12} {'F1':>6} {'prec':>6} {'recall':>6} {'ms/page':>8}")
    for name, r in results.items():
        print(
            f"{name:<12} {r['f1']:6.3f} {r['precision']:6.3f} {r['recall']:6.3f} "
            f"{r['median_ms']:8.2f}"
        )
    ratio = results["warta"]["median_ms"] / results["trafilatura"]["median_ms"]
    print(f"time ratio warta/trafilatura: {ratio:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
