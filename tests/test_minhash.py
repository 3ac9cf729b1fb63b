"""Our MinHash (storage/neardup.py) is datasketch's "affine32" MinHash bit for bit.

Signatures stored by earlier versions were made by datasketch; ours must compare with
them, so every value must be the one datasketch computes, for any body.
"""

from __future__ import annotations

import hashlib
import random
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.neardup import (
    BANDS,
    MASK,
    PERMUTATIONS,
    ROWS,
    SCHEME,
    SEED,
    WORD,
    _minhash,
    signature,
)

REPO = Path(__file__).resolve().parent.parent
WORDS = (
    "warga desa jalan banjir sungai pemerintah kabupaten bupati dinas sekolah pasar harga "
    "petani panen hujan longsor jembatan polisi kecamatan rumah sakit pelayanan program "
    "bantuan anggaran tahun kegiatan masyarakat wisata pantai gunung kota provinsi camat "
    "lurah kepala Rp 2.500 17 Agustus 1945 Jawa Timur Sulawesi Selatan café naïve 北京 ß"
).split()


def datasketch_signature(body: str) -> np.ndarray | None:
    """What storage/neardup.py computed with datasketch before it computed it itself."""
    words = WORD.findall(body.lower())
    if len(words) < 12:
        return None
    shingles = {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}
    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED, hashfunc=zlib.crc32, scheme=SCHEME)
    minhash.update_batch(list(shingles))
    return (minhash.hashvalues & MASK).astype(np.uint32)


def assert_same(body: str) -> None:
    ours = signature(body)
    theirs = datasketch_signature(body)
    if theirs is None:
        assert ours is None
        return
    assert ours is not None
    assert ours.values.dtype == np.uint32
    assert np.array_equal(ours.values, theirs)


def test_signatures_equal_datasketch_on_many_bodies() -> None:
    rng = random.Random(15)
    bodies = [
        " ".join(rng.choice(WORDS) for _ in range(rng.choice([12, 13, 30, 200, 2000, 20000])))
        for _ in range(300)
    ]
    for body in bodies:
        assert_same(body)


def test_short_bodies_have_no_signature_either_way() -> None:
    for length in range(0, 14):
        assert_same(" ".join(WORDS[:length]))


def test_one_repeated_shingle_and_the_empty_set() -> None:
    assert_same("banjir " * 50)
    empty = MinHash(num_perm=PERMUTATIONS, seed=SEED, hashfunc=zlib.crc32, scheme=SCHEME)
    assert np.array_equal(_minhash(set()), empty.hashvalues.astype(np.uint32))


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=600))
def test_signatures_equal_datasketch_on_any_text(body: str) -> None:
    assert_same(body)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=12, max_size=400))
def test_signatures_equal_datasketch_on_word_lists(words: list[str]) -> None:
    assert_same(" ".join(words))


def test_the_archive_never_imports_datasketch() -> None:
    """datasketch (and scipy, which it imports) is a test dependency only: start-up of
    every warta process paid over a second for it."""
    code = (
        "import sys, storage.neardup, storage.archive, warta.importing; "
        "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_band_keys_are_those_stored_before() -> None:
    """Band keys are indexed in archives: worked out from the signature's bytes at once,
    they must stay the keys worked out band by band from its values."""
    rng = random.Random(16)
    for _ in range(50):
        sig = signature(" ".join(rng.choice(WORDS) for _ in range(100)))
        assert sig is not None
        before = []
        for band in range(BANDS):
            values = sig.values[band * ROWS : (band + 1) * ROWS].astype("<u4").tobytes()
            digest = hashlib.blake2b(struct.pack("<I", band) + values, digest_size=8).digest()
            before.append(int.from_bytes(digest, "little", signed=True))
        assert sig.band_keys == before
