"""Layer 3: pages no outlet rule covers, or whose layout the rule no longer matches.

The body comes from trafilatura, run on the tree we already parsed (it copies
before cleaning). Its paragraphs then get the same boilerplate, dateline and
initials treatment as rule-extracted ones. Deliberately simple for now.

trafilatura's options were chosen by measurement on the shared
article-extraction benchmark (benchmarks/extraction_quality.py, 181 pages):
default F1 0.960 (P 0.948, R 0.972), favor_precision 0.959 (P 0.959, R 0.958),
favor_recall 0.958 — so neither is favoured.
"""

from __future__ import annotations

import logging

import trafilatura
from lxml.html import HtmlElement

from crawler.extraction.text import clean

log = logging.getLogger(__name__)


def generic_paragraphs(root: HtmlElement, url: str) -> list[str]:
    """The page's main text as paragraphs, by trafilatura (empty when it finds none)."""
    text = trafilatura.extract(
        root,
        url=url,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_images=False,
        deduplicate=False,
        with_metadata=False,
    )
    if not text:
        return []
    return [line for line in (clean(part) for part in text.split("\n")) if line]


def generic_title(root: HtmlElement) -> str | None:
    """The first non-empty `<h1>`: the visible headline on nearly every news page."""
    for h1 in root.iter("h1"):
        text = clean(h1.text_content())
        if text:
            return text
    return None
