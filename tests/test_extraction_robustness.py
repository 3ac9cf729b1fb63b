"""extract_article never raises: empty, binary, broken, mis-encoded, huge and hostile input."""

from __future__ import annotations

import gzip
import os
import random
from pathlib import Path

import pytest

from crawler.extraction import continuation_urls, extract_article
from crawler.extraction.decode import decode_html

PAGES = Path(__file__).parent / "fixtures" / "pages"
SEED_URL = "https://jogja.tribunnews.com/2025/11/07/pemkot-magelang-gelar-retreat-diikuti-puluhan-pejabat-asn"
BENCHMARK = (  # vendored in the repository
    Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "article-extraction-benchmark"
)
URLS = [
    SEED_URL,
    "https://regional.kompas.com/read/2025/11/06/1/x?page=all",
    "https://example.org/",
]


@pytest.mark.parametrize(
    "data",
    [b"", "", b"   \n\t", "   ", b"\x00" * 100, bytes(range(256)) * 20, b"\xff\xfe\x00\x00",
     b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"\x89PNG\r\n\x1a\n" + os.urandom(2000),
     "just some plain text without any markup", b"\x1f\x8b\x08\x00" + os.urandom(500)],
)  # fmt: skip
def test_not_html_gives_none(data):
    for url in URLS:
        assert extract_article(data, url) is None
        assert continuation_urls(data, url) == []


def test_random_bytes_never_raise():
    rng = random.Random(42)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
        extract_article(data, rng.choice(URLS))
        continuation_urls(data, rng.choice(URLS))


def test_mangled_real_pages_never_raise():
    """Cut, shuffled and byte-flipped versions of a real-shaped page."""
    rng = random.Random(7)
    original = (PAGES / "tribun_seed.html").read_bytes()
    for _ in range(150):
        data = bytearray(original)
        operation = rng.choice(["cut", "flip", "drop", "splice"])
        if operation == "cut":
            data = data[: rng.randrange(len(data))]
        elif operation == "flip":
            for _ in range(50):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif operation == "drop":
            start = rng.randrange(len(data))
            del data[start : start + rng.randrange(2000)]
        else:
            start, end = sorted(rng.randrange(len(data)) for _ in range(2))
            data = data[end:] + data[:start]
        article = extract_article(bytes(data), SEED_URL)
        assert article is None or article.url


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><div><p>Unclosed <b>bold <i>italic</div></p></span></body>",
        "<p>fragment only</p>",
        "<html><head><script type='application/ld+json'>{not json,,}</script></head><body></body>",
        "<html><head><script type='application/ld+json'>[1, 2, \"x\", null]</script></head></html>",
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline":'
        ' ["a", 2], "author": {"name": {"nested": true}}, "datePublished": 12}</script>'
        "</head></html>",
        "<html><body><div class='side-article txt-article'></div></body></html>",
        "<html><body><div class='side-article txt-article'><figure><img></figure></div>"
        "</body></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><h1>Judul</h1></body></html>",
        "<html><body>\x00\x01 broken \x02 control</body></html>",
        "<html><head><meta charset='no-such-codec'></head><body>x</body></html>",
    ],
)
def test_broken_html_never_raises(html):
    for url in URLS:
        article = extract_article(html, url)
        assert article is not None
        extract_article(html.encode("utf-8"), url)
        continuation_urls(html, url)


def test_closing_tags_only():
    assert extract_article("</div></div></html>", SEED_URL) is None  # nothing to parse


def test_deep_nesting():
    html = "<html><body><div class='side-article txt-article'>" + "<div>" * 5000 + "<p>deep</p>"
    article = extract_article(html + "</div>" * 5000 + "</div></body></html>", SEED_URL)
    assert article is not None


def test_huge_page():
    paragraph = "<p>" + "Kalimat panjang tentang berita daerah. " * 40 + "</p>\n"
    html = (PAGES / "tribun_seed.html").read_text(encoding="utf-8")
    huge = html.replace("<p>Kegiatan hasil", paragraph * 3000 + "<p>Kegiatan hasil")
    assert len(huge) > 4_000_000
    article = extract_article(huge, SEED_URL)
    assert article.body.count("Kalimat panjang") == 3000 * 40


def test_wrong_charset_declarations():
    # Declared ISO-8859-1 but really UTF-8: the (valid) UTF-8 wins.
    html = "<html><head><meta charset='iso-8859-1'></head><body><h1>Café “Kopi”</h1></body></html>"
    assert extract_article(html.encode("utf-8"), "https://example.org/").title == "Café “Kopi”"
    # Declared UTF-8 but really cp1252: detected as cp1252.
    html = (
        "<html><head><meta charset='utf-8'></head><body><h1>Café “Kopi” – Jogja</h1></body></html>"
    )
    assert (
        extract_article(html.encode("cp1252"), "https://example.org/").title
        == "Café “Kopi” – Jogja"
    )
    # Undeclared cp1252.
    assert extract_article(html.replace("utf-8", "").encode("cp1252"), "https://example.org/").title


def test_byte_order_marks():
    html = "<html><body><h1>Judul Berita</h1></body></html>"
    for encoding in ("utf-8-sig", "utf-16", "utf-32"):
        assert (
            extract_article(html.encode(encoding), "https://example.org/").title == "Judul Berita"
        )


def test_mostly_utf8_with_a_broken_byte_stays_utf8():
    data = "<html><body><h1>Kota “Magelang” — berita</h1></body></html>".encode() + b"\xff"
    assert "“Magelang” —" in decode_html(data)


def test_declared_legacy_charset_is_used():
    html = "<html><head><meta charset='windows-1252'></head><body>Caf\xe9</body></html>"
    assert "Café" in decode_html(html.encode("latin-1"))


def test_real_pages_from_many_sites_never_raise():
    """181 real article pages from many sites (generic extraction): an Article for each."""
    for path in sorted((BENCHMARK / "html").glob("*.html.gz"))[:60]:
        article = extract_article(gzip.decompress(path.read_bytes()), "https://example.org/x")
        assert article is not None
