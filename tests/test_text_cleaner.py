"""The one text cleaner (crawler/extraction/text.py) that extraction and the normalise
step share: which characters are spaces, which are dropped, and paragraphs kept."""

from __future__ import annotations

import pytest

from crawler.extraction import extract_article
from crawler.extraction.text import clean, clean_paragraphs
from crawler.items import Article
from pipelines.normalise import normalise

UNICODE_SPACES = [
    "\u00a0",  # no-break space
    "\u1680",  # ogham space mark
    "\u2002",  # en space
    "\u2009",  # thin space
    "\u200a",  # hair space
    "\u2028",  # line separator
    "\u202f",  # narrow no-break space
    "\u205f",  # medium mathematical space
    "\u3000",  # ideographic space
    "\u200b",  # zero-width space: CMSs paste it where a space belongs
    "\t",
]
INVISIBLE = [
    "\u00ad",  # soft hyphen
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202a",  # left-to-right embedding
    "\u2060",  # word joiner
    "\u2066",  # left-to-right isolate
    "\ufeff",  # byte order mark
]


@pytest.mark.parametrize("space", UNICODE_SPACES, ids=lambda c: f"U+{ord(c):04X}")
def test_unicode_spaces_are_one_space(space):
    assert clean(f" Banjir{space}{space} di{space}Sleman{space}") == "Banjir di Sleman"


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_format_characters_are_dropped_not_spaces(char):
    # Read as a space they would split the word; left in, search could not find it.
    assert clean(f"{char}Sle{char}man {char}Yogyakarta") == "Sleman Yogyakarta"


def test_newlines_are_spaces_in_a_field_but_paragraph_breaks_in_a_body():
    assert clean("Satu\ndua\r\n tiga") == "Satu dua tiga"
    body = "Satu\u00a0 dua.\n\n\n  Tiga\u200b empat. \r\nLima\u00ad.\n \n"
    assert clean_paragraphs(body) == "Satu dua.\n\nTiga empat.\n\nLima."
    assert clean_paragraphs(" \n\u200b\n") is None


def test_nfc_after_cleaning():
    assert clean("Cafe\u0301\u00a0Kopi") == "Café Kopi"


def test_normalise_step_and_extraction_clean_alike():
    """The normalise step uses the extraction's cleaner: text the extractor already
    cleaned is left as it is, and raw text comes out as the extractor would leave it."""
    raw = "Warga\u2060 Sle\u00adman\u1680panen\u200d kopi"
    item = normalise(
        Article(
            url="https://jogja.tribunnews.com/2025/11/07/x",
            title=raw,
            authors=[raw, clean(raw)],
            body=f"{raw}\n\n{raw}",
        )
    )
    assert item.title == clean(raw) == "Warga Sleman panen kopi"
    assert item.authors == [clean(raw)]
    assert item.body == f"{clean(raw)}\n\n{clean(raw)}"


def test_extraction_drops_invisible_characters_from_a_page():
    html = (
        "<html><head><title>Petani\u00ad Kopi Panen</title></head><body><article>"
        "<h1>Petani\u00adKopi\u200d Panen</h1>"
        + "".join(
            f"<p>Para petani\u00a0kopi di lereng Sumbing\u200e memanen lebih awal tahun"
            f" ini, kata ketua kelompok tani yang ke-{n}.</p>"
            for n in range(4)
        )
        + "</article></body></html>"
    ).encode()
    article = extract_article(html, "https://www.example.id/berita/petani-kopi")
    assert article is not None and article.body
    assert "\u00ad" not in article.title and "\u200d" not in article.title
    assert "petani kopi di lereng Sumbing memanen" in article.body
    assert normalise(article).body == article.body  # already clean: nothing left to do
