"""Near-duplicate clustering at scale: quality, time per article, index size, flatness.

Generates a corpus of N article bodies (300 words from a Zipf-distributed
Indonesian-like vocabulary) with planted copies: syndicated copies (a sentence
added or removed), edited wire copies (a paragraph dropped, words changed), and
traps (different stories sharing one long paragraph). Every body goes through
the archive's own LSH index (storage/neardup.py) on a real SQLite file, the way
Archive.store uses it.

Prints pair precision and recall against the planted truth, milliseconds per
article overall and per 10 % slice of the run (flat means matching does not
grow with the archive), and the index's bytes per article.

    python benchmarks/dedupe.py [--articles 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from itertools import accumulate, combinations
from pathlib import Path

from storage.archive import Archive
from storage.neardup import signature

SYLLABLES = (
    "ba be bi bo bu da de di du ga gi ka ke ki ku la le li lu ma me mi mu na ne ni nu "
    "pa pe pi pu ra re ri ru sa se si su ta te ti tu wa ya jo ha an ang ar ung in".split()
)
# bodies are dated in publication order at about the growth archives' rate
# (archive_builder.py: ~670 a day), so the index spans months as a real archive's does
ARTICLES_PER_DAY = 700


def vocabulary(rng: random.Random, size: int = 30000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class Corpus:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng)
        # cumulative once: random.choices would redo the sum for every paragraph
        self.cum_weights = list(accumulate(1 / (rank + 1) for rank in range(len(self.words))))

    def paragraph(self, length: int = 50) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=length)

    def story(self) -> list[list[str]]:
        return [self.paragraph() for _ in range(6)]

    def syndicated(self, story: list[list[str]]) -> list[list[str]]:
        copy = [list(p) for p in story]
        if self.rng.random() < 0.5:
            copy.insert(self.rng.randrange(1, len(copy)), self.paragraph(20))
        else:
            del copy[self.rng.randrange(1, len(copy))][:15]
        return copy

    def wire_copy(self, story: list[list[str]]) -> list[list[str]]:
        copy = [list(p) for p in story]
        del copy[self.rng.randrange(1, len(copy))]
        for paragraph in copy:
            for _ in range(3):
                paragraph[self.rng.randrange(len(paragraph))] = self.rng.choice(self.words)
        return copy


def text(story: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) + "." for p in story)


def build(n: int, seed: int) -> tuple[list[str], list[int]]:
    """Bodies in publication order, and each body's true story number."""
    corpus = Corpus(seed)
    bodies: list[str] = []
    stories: list[int] = []
    shared = corpus.paragraph(60)  # a statement many different stories quote in full
    while len(bodies) < n:
        number = len(set(stories))
        story = corpus.story()
        roll = corpus.rng.random()
        if roll < 0.01:
            story[-1] = list(shared)  # a trap: different stories, one shared paragraph
        bodies.append(text(story))
        stories.append(number)
        if roll > 0.98:  # planted copies follow their original
            for make in (corpus.syndicated, corpus.wire_copy)[: corpus.rng.randint(1, 2)]:
                bodies.append(text(make(story)))
                stories.append(number)
    return bodies[:n], stories[:n]


def pairs(groups: dict[int, list[int]]) -> set[tuple[int, int]]:
    return {pair for members in groups.values() for pair in combinations(sorted(members), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    bodies, stories = build(args.articles, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        archive = Archive(Path(folder) / "bench.db")
        index = archive.near_duplicates
        cluster_of: list[int] = []
        slices: list[float] = []
        slice_size = max(1, len(bodies) // 10)
        started = slice_start = time.perf_counter()
        with archive.bulk(foreign_keys=False) as commit:  # index rows without article rows
            for number, body in enumerate(bodies):
                sig = signature(body)
                if sig is None:  # generated bodies are always long enough to sign
                    raise ValueError(f"article {number} is too short for a signature")
                day = number // ARTICLES_PER_DAY
                matches = index.matches(sig, day)
                cluster_of.append(cluster_of[matches[0][0]] if matches else number)
                index.add(number, sig, day)
                if (number + 1) % slice_size == 0:
                    commit()
                    now = time.perf_counter()
                    slices.append((now - slice_start) / slice_size * 1000)
                    slice_start = now
        elapsed = time.perf_counter() - started
        index_bytes = index.bytes_on_disk()
        archive.close()
    truth: dict[int, list[int]] = {}
    predicted: dict[int, list[int]] = {}
    for number, (story, cluster) in enumerate(zip(stories, cluster_of, strict=True)):
        truth.setdefault(story, []).append(number)
        predicted.setdefault(cluster, []).append(number)
    true_pairs, found_pairs = pairs(truth), pairs(predicted)
    hits = len(true_pairs & found_pairs)
    precision = hits / len(found_pairs) if found_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    copies = sum(len(m) - 1 for m in truth.values() if len(m) > 1)
    print(f"{len(bodies)} articles, {copies} planted copies, {len(true_pairs)} true pairs")
    print(f"pair precision {precision:.4f}   recall {recall:.4f}")
    print(f"time per article {elapsed / len(bodies) * 1000:.3f} ms (signature + match + index)")
    print("ms/article per 10% slice: " + " ".join(f"{ms:.2f}" for ms in slices))
    print(f"index size {index_bytes / len(bodies):.0f} bytes/article on disk")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
