"""Text clean-up shared by every extraction layer and the normalise pipeline step.

Everything the archive stores is Unicode NFC with single spaces and no
leading/trailing space; `clean()` is the one place that guarantees it, and
`clean_paragraphs()` does the same for a body while keeping its paragraphs.

Which characters count as a space is decided here, on purpose:

- Every Unicode whitespace character (Python's `str.isspace`: the ASCII ones,
  NBSP U+00A0, U+1680, U+2000-U+200A, the line and paragraph separators,
  U+202F, U+205F, U+3000) and the zero-width space U+200B collapse to one
  space. CMSs paste NBSP and U+200B where a space belongs; reading them as a
  space never glues two words together.
- Invisible format characters that never separate words are dropped: the soft
  hyphen U+00AD, the zero-width non-joiner and joiner U+200C/U+200D, the
  direction marks and embeddings (U+200E/U+200F, U+202A-U+202E,
  U+2066-U+2069), the word joiner and invisible operators U+2060-U+2064, and
  the byte order mark U+FEFF. Left in, they split a word for search (SQLite's
  tokenizer reads them as letters: "Sleman" with a soft hyphen inside matches
  no query) while the reader sees nothing; read as a space, they would split
  the word on screen too. The price: an emoji ZWJ sequence shows as its parts.
"""

from __future__ import annotations

import re
import unicodedata

from crawler.handover import Handover, Missing

# Runs of whitespace, including the zero-width space (see the module docstring).
_SPACES = re.compile(r"[\s\u200b]+")
# Invisible format characters removed outright (see the module docstring). A regex:
# str.translate with a table is slower on the non-ASCII paragraphs it would scan.
_INVISIBLE = re.compile("[\u00ad\u200c-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+")


def clean(text: str | None) -> str:
    """NFC, invisible characters dropped, whitespace runs collapsed to one space,
    stripped. None becomes ""."""
    if not text:
        return ""
    if not text.isascii():  # the check is much cheaper than the search
        text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    # NFC only when needed: the check is much cheaper than the normalisation.
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


# bodies cleaned by another process (a WARC import's workers): raw body -> cleaned
_handed_over: Handover[str, str | None] = Handover()


def clean_paragraphs(body: str | None) -> str | None:
    """A body cleaned paragraph by paragraph: every line is a paragraph (`clean()`ed),
    empty ones go, and paragraphs are separated by one blank line. None when empty."""
    if not body:
        return None
    known = _handed_over.get(body)
    if not isinstance(known, Missing):
        return known
    paragraphs = (clean(line) for line in body.splitlines())
    return "\n\n".join(p for p in paragraphs if p) or None


def learn_clean_paragraphs(body: str, cleaned: str | None) -> None:
    """Take `clean_paragraphs(body)` computed in another process; the next call here
    with this body returns it instead of cleaning it again."""
    _handed_over.learn(body, cleaned)


def clean_or_none(text: str | None) -> str | None:
    """`clean()`, but an empty result is None (for optional scalar fields)."""
    return clean(text) or None


def slugify_label(label: str | None) -> str | None:
    """A section label as the archive's slug: lowercased, whitespace runs → "-"."""
    text = clean(label)
    return _SPACES.sub("-", text.lower()) if text else None


def title_case(place: str) -> str:
    """Dateline places are upper case on the page: "KULON PROGO" → "Kulon Progo".

    Unlike `str.title()`, letters after an apostrophe stay lower case.
    """
    return " ".join(word[:1].upper() + word[1:].lower() for word in clean(place).split(" "))


def dedupe(items: list[str]) -> list[str]:
    """Drop empty and repeated (case-insensitively) strings, keeping first occurrences."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out
