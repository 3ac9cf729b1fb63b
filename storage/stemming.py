"""Indonesian stemming for search: `pelayanan`, `melayani`, `dilayani` all find `layan`.

Sastrawi (PySastrawi, the Nazief–Adriani algorithm) does the stemming; it is
slow per word, so words are cached: news vocabulary repeats, and after the
first few hundred articles almost every word is a cache hit.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from crawler.handover import Handover, Missing

WORD = re.compile(r"\w+")
# FTS5 query syntax, token by token: phrases, words (with an optional prefix star), the rest.
QUERY_TOKEN = re.compile(r'"[^"]*"?|\w+\*?|\s+|.')
OPERATORS = {"AND", "OR", "NOT", "NEAR"}
# A query is typed by a person: a few words, a long OR-list at most. Each new word costs
# Sastrawi about a millisecond, so the cap bounds a query's stemming to about a second.
MAX_QUERY_CHARS = 4000


class QueryTooLong(ValueError):
    """A search query longer than MAX_QUERY_CHARS."""

    def __init__(self, length: int) -> None:
        super().__init__(
            f"query too long: {length} characters, at most {MAX_QUERY_CHARS}; "
            "search for fewer words at a time"
        )


_stemmer: Any = None  # Sastrawi's stemmer (an untyped package), made on first use


def _sastrawi() -> Any:
    global _stemmer
    if _stemmer is None:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        _stemmer = StemmerFactory().create_stemmer()
    return _stemmer


class _StemCache(dict):
    """word -> stem; a plain dict look-up is the fast path on ingest (millions of words)."""

    def __missing__(self, word: str) -> str:
        if len(self) > 500_000:  # bounded: a crawl of junk pages must not grow it forever
            self.clear()
        stem = self[word] = _stem(word)
        return stem


def _stem(word: str) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    return _sastrawi().stem(word) or word


_stems = _StemCache()


def stem_word(word: str) -> str:
    """The stem of one lowercase word (digits and short words pass through), cached."""
    return _stems[word]


# texts stemmed by another process (a WARC import's workers), taken once
_handed_over: Handover[str, str] = Handover()


def stem_text(text: str | None) -> str:
    """A text as the stemmed index holds it: stems separated by spaces."""
    if not text:
        return ""
    known = _handed_over.get(text)
    if not isinstance(known, Missing):
        return known
    return " ".join(map(_stems.__getitem__, WORD.findall(text.lower())))


def learn_stemmed(text: str, stemmed: str) -> None:
    """Take `stem_text(text)` computed in another process; the next `stem_text(text)`
    here returns it instead of looking up every word again."""
    _handed_over.learn(text, stemmed)


def stems_of(*texts: str | None) -> dict[str, str]:
    """Each word of the texts with its stem: what a worker process computes for the
    process that writes the index, which then only looks them up (`learn_stems`)."""
    words = {word for text in texts if text for word in WORD.findall(text.lower())}
    return {word: _stems[word] for word in words}


def learn_stems(stems: dict[str, str]) -> None:
    """Take stems computed by `stems_of` in another process into this one's cache (a
    stem depends on its word alone, so they are the ones this process would compute)."""
    if len(_stems) + len(stems) > 500_000:  # bounded, as _StemCache is
        _stems.clear()
    _stems.update(stems)


class StemLog:
    """Stems shared by worker processes as they stem, through an append-only file.

    Each worker of a WARC import has its own cache: without sharing, every word of the
    vocabulary was stemmed once per worker (Sastrawi's cost, twice over with two). A
    worker appends each stem it computes ("word\tstem\n", one write per article, the
    file opened O_APPEND) and, before stemming an article, reads what the others
    appended since it last looked: a word is stemmed twice only when two workers meet
    it at the same moment. Only complete lines are read (a write may be seen half done).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_to = 0  # bytes of the file taken into this process's cache
        self._fd: int | None = None  # opened in the worker (after the fork), on first use

    def stems_of(self, *texts: str | None) -> dict[str, str]:
        """`stems_of(*texts)`, with the other workers' stems taken first and this one's
        new stems shared."""
        self._catch_up()
        words = {word for text in texts if text for word in WORD.findall(text.lower())}
        new = [word for word in words if word not in _stems]
        stems = {word: _stems[word] for word in words}
        if new:
            self._share("".join(f"{word}\t{stems[word]}\n" for word in new))
        return stems

    def _catch_up(self) -> None:
        with self.path.open("rb") as handle:
            handle.seek(self.read_to)
            data = handle.read()
        complete = data.rfind(b"\n") + 1
        if not complete:
            return
        self.read_to += complete
        lines = data[:complete].decode().splitlines()
        learn_stems(dict(line.split("\t", 1) for line in lines if "\t" in line))

    def _share(self, lines: str) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        os.write(self._fd, lines.encode())


def stem_query(query: str) -> tuple[str, set[str]]:
    """An FTS5 query with its words stemmed, and the stems it looks for.

    Operators (AND, OR, NOT, NEAR), column names (`title:`) and prefix terms
    (`bank*`, matched literally against stems) are left as they are.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise QueryTooLong(len(query))
    tokens = QUERY_TOKEN.findall(query)
    out: list[str] = []
    stems: set[str] = set()
    for token, following in zip(tokens, _next_non_space(tokens), strict=True):
        if token.startswith('"'):
            words = [stem_word(w) for w in WORD.findall(token.lower())]
            stems.update(words)
            out.append(
                '"' + " ".join(words) + ('"' if token.endswith('"') and len(token) > 1 else "")
            )
        elif WORD.fullmatch(token.rstrip("*")) and token.rstrip("*"):
            if token in OPERATORS or following == ":" or token.endswith("*"):
                out.append(token if token in OPERATORS or following == ":" else token.lower())
            else:
                stem = stem_word(token.lower())
                stems.add(stem)
                out.append(stem)
        else:
            out.append(token)
    return "".join(out), stems


def _next_non_space(tokens: list[str]) -> list[str]:
    """For each token, the next token that is not whitespace ("" at the end).

    One pass from the end: looking ahead from each token instead made a query's
    stemming quadratic in its length (a 100 KB query took minutes).
    """
    following = [""] * len(tokens)
    upcoming = ""
    for index in range(len(tokens) - 1, -1, -1):
        following[index] = upcoming
        if not tokens[index].isspace():
            upcoming = tokens[index]
    return following


def snippet(text: str, stems: set[str], highlight: tuple[str, str], words: int = 24) -> str:
    """A window of `text` around its first word whose stem is searched, matches highlighted."""
    tokens = text.split()
    first = first_hit(tokens, stems)
    if first is None:
        return " ".join(tokens[:words]) + (" …" if len(tokens) > words else "")
    start = max(0, first - words // 3)
    window = tokens[start : start + words]
    marked = [f"{highlight[0]}{t}{highlight[1]}" if _token_stem(t) in stems else t for t in window]
    prefix = "… " if start else ""
    suffix = " …" if start + words < len(tokens) else ""
    return prefix + " ".join(marked) + suffix


def first_hit(tokens: list[str], stems: set[str]) -> int | None:
    """The index of the first whitespace-separated token whose stem is searched, if any."""
    return next((i for i, token in enumerate(tokens) if _token_stem(token) in stems), None)


def _token_stem(token: str) -> str:
    word = WORD.search(token.lower())
    return _stems[word.group()] if word else ""
