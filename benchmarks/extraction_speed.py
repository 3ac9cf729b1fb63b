"""Median extraction time per article page, on one core.

    .venv/bin/python benchmarks/extraction_speed.py [--pages N] [--repeat R]

Uses the offline replica's article pages when `replica/` can render them (the
outlets' real page sizes, 30–60 KB of chrome), else the hand-built fixtures in
tests/fixtures/pages/ padded with sidebar chrome to a realistic size.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extraction import extract_article, fetch_url_for  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "pages"
FIXTURE_URLS = {
    "tribun_seed.html": "https://jogja.tribunnews.com/2025/11/07/pemkot-magelang-gelar-retreat-diikuti-puluhan-pejabat-asn",
    "tribun_two_page_1.html": "https://jogja.tribunnews.com/2025/11/05/jembatan-gantung-kalibawang-kembali-dibuka-warga-lega",
    "kompas_all.html": "https://regional.kompas.com/read/2025/11/06/101500778/warga-lereng-merapi?page=all",
    "detik_single.html": "https://www.detik.com/jogja/berita/d-8201234/sleman-gelar-pasar-murah?single=1",
    "harianjogja.html": "https://jogjapolitan.harianjogja.com/r-1223456/kemarau-panjang-petani-sleman",
}
# A sidebar item like the ones outlets repeat dozens of times around an article.
CHROME_ITEM = (
    '<li class="art-list"><a href="https://example.org/2025/11/0{i}/berita-{i}">'
    '<img src="https://example.org/img/{i}.jpg" alt="Berita {i}"></a><h3><a href='
    '"https://example.org/2025/11/0{i}/berita-{i}">Judul berita populer nomor {i} hari ini di '
    'kabupaten</a></h3><time class="foot timeago">{i} jam lalu</time></li>\n'
)


def replica_pages(count: int) -> list[tuple[bytes, str]]:
    """(html, url) of the replica's first article pages, or [] when the replica is missing."""
    try:
        from replica.generator import build_site
        from replica.server import ReplicaServer
    except ImportError:
        return []
    site = build_site(articles=count, seed=1)
    pages = []
    with ReplicaServer(site) as server:
        for article in site.articles:
            url = fetch_url_for(article.url)
            pages.append((fetch(server, url), url))
    return pages


def fetch(server, url: str) -> bytes:
    """GET an outlet URL from the replica server (it routes on the Host header)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = urllib.request.Request(server.base_url + path, headers={"Host": parts.netloc})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def fixture_pages(target_kb: int = 45) -> list[tuple[bytes, str]]:
    pages = []
    for name, url in FIXTURE_URLS.items():
        html = (FIXTURES / name).read_text(encoding="utf-8")
        items = []
        while len(html) + sum(map(len, items)) < target_kb * 1024:
            items.append(CHROME_ITEM.format(i=len(items) % 9 + 1))
        padded = html.replace("</body>", f'<ul class="chrome">{"".join(items)}</ul></body>')
        pages.append((padded.encode("utf-8"), url))
    return pages


def measure(pages: int = 60, repeat: int = 3, *, baseline: bool = True) -> dict:
    """Median ms/page of `extract_article` and, page by page in turn in the same run,
    of trafilatura (`trafilatura.extract` on the same bytes), for run_all.py."""
    sample = replica_pages(pages) or fixture_pages()
    extractors = {"warta": extract_article}
    if baseline:
        import trafilatura

        extractors["trafilatura"] = lambda html, url: trafilatura.extract(html, url=url)
    timings: dict[str, list[float]] = {name: [] for name in extractors}
    for html, url in sample:  # warm-up: selector compilation, imports
        for extractor in extractors.values():
            extractor(html, url)
    gc.disable()
    try:
        for _ in range(repeat):
            for html, url in sample:
                for name, extractor in extractors.items():
                    start = time.perf_counter()
                    extractor(html, url)
                    timings[name].append((time.perf_counter() - start) * 1000)
    finally:
        gc.enable()
    result = {
        "pages": len(sample),
        "source": "replica" if len(sample) > len(FIXTURE_URLS) else "padded fixtures",
        **{f"{name}_ms": statistics.median(values) for name, values in timings.items()},
    }
    if baseline:
        result["ratio"] = result["warta_ms"] / result["trafilatura_ms"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pages = replica_pages(args.pages) or fixture_pages()
    source = "replica" if len(pages) > len(FIXTURE_URLS) else "padded fixtures"
    for html, url in pages:  # warm-up: selector compilation, imports
        extract_article(html, url)
    timings = []
    gc.disable()
    for _ in range(args.repeat):
        for html, url in pages:
            start = time.perf_counter()
            extract_article(html, url)
            timings.append((time.perf_counter() - start) * 1000)
    gc.enable()
    sizes = sorted(len(html) for html, _ in pages)
    print(
        f"{len(pages)} pages ({source}), median size {sizes[len(sizes) // 2] / 1024:.0f} KB: "
        f"median {statistics.median(timings):.2f} ms/page, "
        f"p90 {statistics.quantiles(timings, n=10)[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
