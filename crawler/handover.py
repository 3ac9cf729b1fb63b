"""Results another process worked out, handed over to this one.

A WARC import's workers compute, per article, what the writing process's pipeline
chain would compute again: URLs' canonical forms (crawler/urls.py), the cleaned body
(crawler/extraction/text.py), the stemmed texts (storage/stemming.py) and the body's
near-duplicate signature (storage/neardup.py). The writing process learns them into
one `Handover` per kind, and the function that would compute one looks it up first.

Each is bounded: a result never asked for (its article was dropped before that step)
must not pile up over a long import.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
LIMIT = 10_000  # results held at most; then all are dropped (they are only a shortcut)


class Missing:
    """Nothing was handed over for the key (a result may itself be None)."""


MISSING = Missing()


class Handover(Generic[K, V]):
    """Results by key. `keep`: a result may be asked for more than once (it stays);
    otherwise it is taken by the first ask."""

    def __init__(self, *, keep: bool = False, limit: int = LIMIT) -> None:
        self._results: dict[K, V] = {}
        self.keep = keep
        self.limit = limit

    def learn(self, key: K, value: V) -> None:
        if len(self._results) >= self.limit:
            self._results.clear()
        self._results[key] = value

    def __len__(self) -> int:
        return len(self._results)

    def clear(self) -> None:
        self._results.clear()

    def get(self, key: K) -> V | Missing:
        """The result handed over for `key`, or MISSING."""
        if not self._results:  # outside an import: one cheap check
            return MISSING
        if self.keep:
            return self._results.get(key, MISSING)
        return self._results.pop(key, MISSING)
