"""Text clean-up shared by every extraction layer.

Everything the archive stores is Unicode NFC with single spaces and no
leading/trailing space; `clean()` is the one place that guarantees it.
"""

from __future__ import annotations

import re
import unicodedata

# Any run of whitespace, including no-break and zero-width spaces that CMSs love.
_SPACES = re.compile(r"[\s\u00a0\u200b\u200c\u200d\u2060\ufeff]+")


def clean(text: str | None) -> str:
    """NFC, whitespace runs collapsed to one space, stripped. None becomes ""."""
    if not text:
        return ""
    text = _SPACES.sub(" ", text).strip()
    # NFC only when needed: the check is much cheaper than the normalisation.
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


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
