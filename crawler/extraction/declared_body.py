"""JSON-LD `articleBody` as a rescue for the generic body.

Measured on the shared benchmark (17 of 181 pages declare one), trafilatura's
text is as good or better wherever both exist: declared bodies are often
truncated teasers (~500 characters), carry HTML, or add captions and the
headline. So the declared body is used only when it is plausible *and* the
extracted text clearly fell short — typically a page whose visible text is
rendered by JavaScript, where the HTML holds nothing but the JSON-LD.

Plausible: long enough, not cut off with an ellipsis, and about what the page
shows — it contains most words of the title, description and whatever little
text was extracted (a declared body about another story is a CMS bug).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from lxml.html import fragment_fromstring

from crawler.extraction.text import clean

_MIN_CHARS = 600
# Use the declared body only when the extracted one is under this share of it.
_SHORTFALL = 0.5
_TRUNCATED = re.compile(r"(?:\.\.\.|…|\[\.\.\.\])\s*$")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\r\n|\n")
_WORD = re.compile(r"\w+")
# Of the words the page shows (extracted text, title, description), the share the
# declared body must contain to be about the same article.
_MIN_COVERED = 0.5


def declared_paragraphs(value: object) -> list[str]:
    """A JSON-LD articleBody as clean paragraphs (HTML markup and entities undone)."""
    if not isinstance(value, str) or not value.strip():
        return []
    if "<" in value and ">" in value:
        return _html_paragraphs(value)
    text = html.unescape(value)
    return [p for p in (clean(part) for part in _PARAGRAPH_BREAK.split(text)) if p]


def prefer_declared(
    extracted: list[str], declared: list[str], stated: Iterable[str | None]
) -> bool:
    """Whether the declared body should replace the extracted one; `stated` are the
    page's title and description."""
    if " ".join(extracted) == " ".join(declared):
        return True  # trafilatura's own rescue read the same JSON-LD: keep its paragraphs
    declared_chars = sum(len(p) for p in declared)
    if declared_chars < _MIN_CHARS or _TRUNCATED.search(declared[-1]):
        return False
    if sum(len(p) for p in extracted) >= _SHORTFALL * declared_chars:
        return False
    return _covered_share([*extracted, *(s for s in stated if s)], declared) >= _MIN_COVERED


def _covered_share(seen: list[str], declared: list[str]) -> float:
    """Share of the words seen on the page (the little text extracted, the title, the
    description) that the declared body contains: low when it is about something else."""
    seen_words = {w.casefold() for text in seen for w in _WORD.findall(text)}
    if not seen_words:
        return 0.0
    declared_words = {w.casefold() for text in declared for w in _WORD.findall(text)}
    return len(seen_words & declared_words) / len(seen_words)


def _html_paragraphs(value: str) -> list[str]:
    try:
        container = fragment_fromstring(value, create_parent="div")
    except Exception:  # markup beyond repair: keep its text
        return [p for p in (clean(s) for s in re.split(r"<[^>]*>", value)) if p]
    blocks = [clean(e.text_content()) for e in container.iter("p", "li", "h2", "h3", "blockquote")]
    if not any(blocks):
        return [p for p in (clean(s) for s in container.text_content().split("\n")) if p]
    return [b for b in blocks if b]
