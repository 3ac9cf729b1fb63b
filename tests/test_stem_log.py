"""Worker processes share their stems (storage/stemming.py StemLog): a word is stemmed
by one worker, and the others take its stem instead of stemming it again."""

from __future__ import annotations

import pytest

from storage import stemming
from storage.stemming import StemLog

TEXT = "Pelayanan warga dilayani petugas kecamatan; pembangunan jembatan dimulai"


@pytest.fixture
def stem_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Words Sastrawi is asked to stem, from a cold cache."""
    calls: list[str] = []
    real = stemming._stem

    def counting(word: str) -> str:
        calls.append(word)
        return real(word)

    monkeypatch.setattr(stemming, "_stem", counting)
    monkeypatch.setattr(stemming, "_stems", stemming._StemCache())
    return calls


def test_a_word_stemmed_by_one_worker_is_not_stemmed_by_another(tmp_path, stem_calls):
    path = tmp_path / "stems"
    path.touch()
    first = StemLog(path).stems_of(TEXT)
    assert first["pelayanan"] == "layan" and first["dilayani"] == "layan"
    assert stem_calls  # the first worker stemmed them
    stem_calls.clear()
    stemming._stems.clear()  # another worker: a process with its own, cold cache
    second = StemLog(path).stems_of(TEXT, "pelayanan warga baru")
    assert second == {**first, "baru": "baru"}
    assert stem_calls == ["baru"]  # only the word no worker had met


def test_a_half_written_line_waits_for_its_end(tmp_path, stem_calls):
    path = tmp_path / "stems"
    path.write_bytes(b"pelayanan\tlay")  # another worker's write, seen half done
    stemming.learn_stems({"warga": "warga"})
    log = StemLog(path)
    assert log.stems_of("warga") == {"warga": "warga"}  # nothing new: nothing written
    assert "pelayanan" not in stemming._stems  # not "lay"
    with path.open("ab") as other:
        other.write(b"an\nmembangun\tbangun\n")
    assert log.stems_of("pelayanan membangun") == {"pelayanan": "layan", "membangun": "bangun"}
    assert stem_calls == []


def test_without_a_log_stems_are_the_same(tmp_path, stem_calls):
    path = tmp_path / "stems"
    path.touch()
    shared = StemLog(path).stems_of(TEXT)
    stemming._stems.clear()
    assert stemming.stems_of(TEXT) == shared
