"""Near-duplicate detection: syndicated and wire copies of one story, across runs.

Each article body becomes a MinHash signature over its word 3-shingles (datasketch's
"affine32" MinHash, computed here: see _minhash). Locality-sensitive hashing splits the
signature into BANDS bands of ROWS values; articles sharing any band are candidates,
and a candidate is a copy when the signatures' estimated Jaccard similarity reaches THRESHOLD.
Signatures and band keys live in the archive (indexed tables), so tonight's
article is matched against every archived one published within WINDOW_DAYS of it,
in any earlier run, and matching one article costs a few index look-ups whatever
the archive's size.

Why a window: syndicated and wire copies of a story appear within days of each
other. Band rows are keyed by the fortnight of their article's date first, so a
night's inserts and look-ups touch only the recent end of the index; unkeyed by
time, each of an article's 32 band rows landed on a random page of an index as big
as the archive, and at 332,000 articles the index made the store 3.7x slower
(benchmarks/README.md, "Growth").

Copies are never dropped: each keeps its row, and `articles.cluster_id` names
the story's original (the earliest published copy).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

import numpy as np

from crawler.handover import Handover, Missing

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
# Copies are looked for among articles published at most this many days before or after.
WINDOW_DAYS = 14
# Band rows are keyed by period (`period_of`) first; a look-up reads the period either
# side of its own, which is why the window cannot be wider than a period.
PERIOD_DAYS = 14
# Band rows held in the small table before they move into the main one in bulk (a
# couple of thousand articles' worth), and how often (articles added) that is checked.
RECENT_ROWS = 64_000
RECENT_CHECK_EVERY = 200
SCHEME = "affine32"  # datasketch's hashing scheme (2.0), which _minhash computes
WORD = re.compile(r"\w+")
MASK = 0xFFFFFFFF


@dataclass(frozen=True)
class Signature:
    values: np.ndarray  # PERMUTATIONS uint32 values

    @cached_property
    def band_keys(self) -> list[int]:
        """One signed 64-bit key per band (band number folded in), for an indexed column."""
        blob = self.to_blob()  # one conversion, sliced per band (4 bytes a value)
        return [
            _band_key(band, blob[band * ROWS * 4 : (band + 1) * ROWS * 4]) for band in range(BANDS)
        ]

    def similarity(self, other: Signature) -> float:
        return float(np.mean(self.values == other.values))

    def to_blob(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_blob(cls, blob: bytes) -> Signature:
        return cls(np.frombuffer(blob, dtype="<u4"))


def day_of(*timestamps: str | None) -> int:
    """Days since 1970-01-01 of the first of these ISO-8601 timestamps that has a date
    (an article's UTC `published_at`, then when it was first seen); 0 for none, which
    sets an article with only malformed dates apart from every dated one."""
    for timestamp in timestamps:
        try:
            return date.fromisoformat((timestamp or "")[:10]).toordinal() - _EPOCH
        except ValueError:
            continue
    return 0


_EPOCH = date(1970, 1, 1).toordinal()


def period_of(day: int) -> int:
    """The period (fortnight) a day's band rows are keyed by."""
    return day // PERIOD_DAYS


def _band_key(band: int, values: bytes) -> int:
    """A key stable across processes and machines (Python's hash() is salted), of a band's
    values as little-endian uint32 bytes."""
    packed = struct.pack("<I", band) + values
    return int.from_bytes(hashlib.blake2b(packed, digest_size=8).digest(), "little", signed=True)


# Signatures a worker process computed for the process that stores (a WARC import's
# workers): body -> signature.
_handed_over: Handover[str, Signature | None] = Handover()


def learn_signature(body: str, sig: Signature | None) -> None:
    """Take a body's signature computed in another process (`signature(body)` there); the
    next `signature(body)` here returns it instead of computing it again."""
    _handed_over.learn(body, sig)


def signature(body: str) -> Signature | None:
    """The body's signature, or None when it is too short to say anything."""
    known = _handed_over.get(body)
    if not isinstance(known, Missing):
        return known
    words = WORD.findall(body.lower())
    if len(words) < SHINGLE * 4:
        return None
    # SHINGLE (3) words via zip over shifted lists: the same shingles as joining slices, faster
    triples = zip(words, words[1:], words[2:], strict=False)  # shorter tails end it
    shingles = {f"{a} {b} {c}".encode() for a, b, c in triples}
    return Signature(_minhash(shingles))


# -- MinHash, datasketch's "affine32" scheme, computed here ---------------------------------
#
# Why our own lines and not datasketch: importing datasketch imports its asyncio LSH and,
# through it, scipy: about 1.3 s of start-up for every `warta` process (an import of a
# few hundred articles spent a quarter of its time there), and a large install, for the
# dozen lines below. Why exactly these lines: signatures already stored were made by
# datasketch 2.0's MinHash(num_perm=128, seed=1, hashfunc=zlib.crc32, scheme="affine32"),
# and new ones must compare with them, so this is that computation bit for bit
# (tests/test_minhash.py checks it against datasketch itself, a test dependency):
#   permutations: a = 2 * randint(0, 2**31) + 1 (odd: a bijection), b = randint(0, 2**32),
#                 PERMUTATIONS of each, uint32, from numpy's RandomState(SEED), a first;
#   a value:      h = fmix32(crc32(shingle)) (MurmurHash3's finalizer, a bijection);
#   signature:    per permutation, the least (a * h + b) mod 2**32 over the shingles.
# RandomState's stream is frozen by numpy (NEP 19), so the permutations never change.

_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The seeded permutations (a, b), drawn once per process."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, PERMUTATIONS, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, PERMUTATIONS, dtype=np.uint32)
    return a, b


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, element-wise (uint32 products wrap: mod 2**32)."""
    shift1, multiplier1, shift2, multiplier2 = _FMIX32
    values = values ^ (values >> shift1)
    values = values * multiplier1
    values = values ^ (values >> shift2)
    values = values * multiplier2
    return values ^ (values >> shift1)


def _minhash(shingles: Collection[bytes]) -> np.ndarray:
    """The PERMUTATIONS uint32 MinHash values of a set of shingles (all 2**32 - 1 for none,
    as datasketch's empty MinHash)."""
    if not shingles:
        return np.full(PERMUTATIONS, MASK, dtype=np.uint32)
    a, b = _permutations()
    hashed = _fmix32(np.fromiter(map(zlib.crc32, shingles), np.uint32, len(shingles)))
    return (hashed[:, None] * a + b).min(axis=0)


def _count(table: str) -> str:
    """SQL: how many rows of `table` hold the band key keys.k near the date, up to :cap."""
    return (
        f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE period IN "
        "(:before, :period, :after) AND band_key = keys.k LIMIT :cap))"
    )


def _found(table: str) -> str:
    """SQL: the articles of `table` within the window that share a usable band key."""
    return (
        f"SELECT b.article_id FROM usable JOIN {table} b ON b.period IN "
        "(:before, :period, :after) AND b.band_key = usable.k "
        "WHERE b.day BETWEEN :first_day AND :last_day"
    )


class NearDuplicateIndex:
    """The persistent LSH index, on the archive's own connection (and transaction).

    New band rows go to a small table, `minhash_bands_recent`, and move into
    `minhash_bands` in bulk, in key order, once it holds RECENT_ROWS: a commit of a few
    dozen articles then rewrites a few hundred pages of the small table instead of one
    page of the big one per band row (32 an article), which is what made each stored
    article cost more as the archive grew. Look-ups read both tables."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # adds since the recent table's size was last counted: counted at the first add
        # too, so processes that each store fewer than RECENT_CHECK_EVERY articles (a
        # small nightly crawl) still move the rows their predecessors left
        self._added = RECENT_CHECK_EVERY - 1

    def matches(
        self, sig: Signature, day: int, exclude: int | None = None
    ) -> list[tuple[int, float]]:
        """Archived articles whose body is a copy of this one and whose day (`day_of`)
        is within WINDOW_DAYS of `day`: (article id, similarity), most similar first."""
        keys = {f"k{band}": key for band, key in enumerate(sig.band_keys)}
        period = period_of(day)
        # A band shared by more than MAX_BUCKET articles around this date is a stock
        # phrase, not evidence: it is skipped (counted up to the cap only), so matching
        # costs the same whatever the archive holds. Copies still meet in other bands.
        candidates = self.conn.execute(
            f"WITH keys(k) AS (VALUES {','.join(f'(:{name})' for name in keys)}), "
            f"usable AS (SELECT k FROM keys WHERE {_count('minhash_bands')} "
            f"+ {_count('minhash_bands_recent')} <= :most), "
            f"found AS ({_found('minhash_bands')} UNION {_found('minhash_bands_recent')}) "
            "SELECT s.article_id, s.signature FROM found "
            "JOIN minhash_signatures s ON s.article_id = found.article_id",
            {
                **keys,
                "before": period - 1,
                "period": period,
                "after": period + 1,
                "cap": MAX_BUCKET + 1,
                "most": MAX_BUCKET,
                "first_day": day - WINDOW_DAYS,
                "last_day": day + WINDOW_DAYS,
            },
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

    def add(self, article_id: int, sig: Signature, day: int, new: bool = False) -> None:
        """Index an article's signature at its day (`new`: it has none yet, nothing to
        replace)."""
        if not new:
            self.remove(article_id)
        self.conn.execute(
            "INSERT INTO minhash_signatures(article_id, signature) VALUES (?, ?)",
            (article_id, sig.to_blob()),
        )
        period = period_of(day)
        self.conn.executemany(
            "INSERT OR IGNORE INTO minhash_bands_recent(period, band_key, article_id, day) "
            "VALUES (?, ?, ?, ?)",
            [(period, key, article_id, day) for key in sig.band_keys],
        )
        self._added += 1
        if self._added >= RECENT_CHECK_EVERY:
            self._added = 0
            self._move_recent_when_full()

    def _move_recent_when_full(self) -> None:
        """Move the recent band rows into the main table once there are RECENT_ROWS of them
        (on the caller's transaction, like every write here)."""
        held = self.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM minhash_bands_recent LIMIT ?)", (RECENT_ROWS,)
        ).fetchone()[0]
        if held < RECENT_ROWS:
            return
        self.conn.execute(
            "INSERT OR IGNORE INTO minhash_bands(period, band_key, article_id, day) "
            "SELECT period, band_key, article_id, day FROM minhash_bands_recent "
            "ORDER BY period, band_key, article_id"
        )
        self.conn.execute("DELETE FROM minhash_bands_recent")

    def remove(self, article_id: int) -> None:
        self.conn.execute("DELETE FROM minhash_signatures WHERE article_id = ?", (article_id,))
        for table in ("minhash_bands", "minhash_bands_recent"):
            self.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))

    def bytes_on_disk(self) -> int:
        """The index's size in the file: its tables and their indexes (SQLite's dbstat)."""
        row = self.conn.execute(
            "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'minhash%' "
            "OR name LIKE '%autoindex_minhash%' OR name LIKE 'idx_minhash_bands%'"
        ).fetchone()
        return row[0]
