"""Near-duplicate detection: syndicated and wire copies of one story, across runs.

Each article body becomes a MinHash signature (datasketch) over its word
3-shingles. Locality-sensitive hashing splits the signature into BANDS bands of
ROWS values; articles sharing any band are candidates, and a candidate is a
copy when the signatures' estimated Jaccard similarity reaches THRESHOLD.
Signatures and band keys live in the archive (indexed tables), so tonight's
article is matched against last year's, and matching one article costs a few
index look-ups whatever the archive's size.

Copies are never dropped: each keeps its row, and `articles.cluster_id` names
the story's original (the earliest published copy).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
import zlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash

PERMUTATIONS = 128
BANDS, ROWS = 32, 4  # candidate probability ≈ 0.5 at Jaccard 0.42, ≥ 0.95 from 0.55
THRESHOLD = 0.5  # estimated Jaccard of word 3-shingles from which two bodies are one story
# 3 words, not 5: an edited wire copy changes a few words per paragraph, and each
# changed word breaks every shingle it is in (measured with benchmarks/dedupe.py).
SHINGLE = 3
# Articles per band from which a band is a stock phrase (boilerplate, a template line)
# rather than a sign of a copy: far more than one story's copies across our outlets.
MAX_BUCKET = 100
# Fixed, with the hash function (crc32: fast, stable everywhere): signatures stored
# today must compare with signatures made next year.
SEED = 1
SCHEME = "affine32"  # datasketch's hashing scheme, named so an upgrade cannot change it
WORD = re.compile(r"\w+")
MASK = 0xFFFFFFFF


@dataclass(frozen=True)
class Signature:
    values: np.ndarray  # PERMUTATIONS uint32 values

    @cached_property
    def band_keys(self) -> list[int]:
        """One signed 64-bit key per band (band number folded in), for an indexed column."""
        return [
            _band_key(band, self.values[band * ROWS : (band + 1) * ROWS]) for band in range(BANDS)
        ]

    def similarity(self, other: Signature) -> float:
        return float(np.mean(self.values == other.values))

    def to_blob(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_blob(cls, blob: bytes) -> Signature:
        return cls(np.frombuffer(blob, dtype="<u4"))


def _band_key(band: int, values: np.ndarray) -> int:
    """A key stable across processes and machines (Python's hash() is salted)."""
    packed = struct.pack("<I", band) + values.astype("<u4").tobytes()
    return int.from_bytes(hashlib.blake2b(packed, digest_size=8).digest(), "little", signed=True)


# Signatures a worker process computed for the process that stores (a WARC import's
# workers: storage/stemming.py's learn_stems is the same idea): body -> signature.
_learned: dict[str, Signature | None] = {}


def learn_signature(body: str, sig: Signature | None) -> None:
    """Take a body's signature computed in another process (`signature(body)` there); the
    next `signature(body)` here returns it instead of computing it again."""
    if len(_learned) >= 10_000:  # bodies that were never stored (dropped items): bounded
        _learned.clear()
    _learned[body] = sig


def signature(body: str) -> Signature | None:
    """The body's signature, or None when it is too short to say anything."""
    if body in _learned:
        return _learned.pop(body)
    words = WORD.findall(body.lower())
    if len(words) < SHINGLE * 4:
        return None
    # SHINGLE (3) words via zip over shifted lists: the same shingles as joining slices, faster
    triples = zip(words, words[1:], words[2:], strict=False)  # shorter tails end it
    shingles = {f"{a} {b} {c}".encode() for a, b, c in triples}
    minhash = MinHash(
        num_perm=PERMUTATIONS,
        seed=SEED,
        hashfunc=zlib.crc32,
        permutations=_permutations(),
        scheme=SCHEME,
    )
    minhash.update_batch(list(shingles))
    return Signature((minhash.hashvalues & MASK).astype(np.uint32))


@lru_cache(maxsize=1)
def _permutations() -> Any:
    """The seeded permutations, drawn once per process (MinHash() would redraw them each time)."""
    return MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme=SCHEME).permutations


class NearDuplicateIndex:
    """The persistent LSH index, on the archive's own connection (and transaction)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def matches(self, sig: Signature, exclude: int | None = None) -> list[tuple[int, float]]:
        """Archived articles whose body is a copy of this one: (article id, similarity)."""
        keys = sig.band_keys
        values = ",".join("(?)" for _ in keys)
        # A band shared by more than MAX_BUCKET articles is a stock phrase, not evidence:
        # it is skipped (counted up to the cap only), so matching costs the same at any
        # archive size. Copies still meet in their other bands.
        candidates = self.conn.execute(
            f"WITH keys(k) AS (VALUES {values}), "
            "usable AS (SELECT k FROM keys WHERE (SELECT count(*) FROM (SELECT 1 FROM "
            "minhash_bands WHERE band_key = keys.k LIMIT ?)) <= ?) "
            "SELECT DISTINCT s.article_id, s.signature FROM usable "
            "JOIN minhash_bands b ON b.band_key = usable.k "
            "JOIN minhash_signatures s ON s.article_id = b.article_id",
            [*keys, MAX_BUCKET + 1, MAX_BUCKET],
        ).fetchall()
        candidates = [(i, blob) for i, blob in candidates if i != exclude]
        if not candidates:
            return []
        # every candidate at once: one matrix of signatures against this one
        others = np.frombuffer(b"".join(blob for _, blob in candidates), dtype="<u4")
        similarities = (others.reshape(len(candidates), -1) == sig.values).mean(axis=1)
        found = [
            (article_id, float(similarity))
            for (article_id, _), similarity in zip(candidates, similarities, strict=True)
            if similarity >= THRESHOLD
        ]
        return sorted(found, key=lambda pair: -pair[1])

    def add(self, article_id: int, sig: Signature, new: bool = False) -> None:
        """Index an article's signature (`new`: it has none yet, nothing to replace)."""
        if not new:
            self.remove(article_id)
        self.conn.execute(
            "INSERT INTO minhash_signatures(article_id, signature) VALUES (?, ?)",
            (article_id, sig.to_blob()),
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO minhash_bands(band_key, article_id) VALUES (?, ?)",
            [(key, article_id) for key in sig.band_keys],
        )

    def remove(self, article_id: int) -> None:
        self.conn.execute("DELETE FROM minhash_signatures WHERE article_id = ?", (article_id,))
        self.conn.execute("DELETE FROM minhash_bands WHERE article_id = ?", (article_id,))

    def bytes_on_disk(self) -> int:
        """The index's size in the file: its tables and their indexes (SQLite's dbstat)."""
        row = self.conn.execute(
            "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'minhash%' "
            "OR name LIKE '%autoindex_minhash%' OR name = 'idx_minhash_bands_article'"
        ).fetchone()
        return row[0]
