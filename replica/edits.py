"""Nightly revisions: the outlets edit a few recent articles after publishing them.

On night j (docs/replica-contract.md, "Nights") `revise_night` picks
`edits_per_night` articles published in the few days before day j and revises
each: its title gets (or changes) a tail like ", Ini Penjelasannya", and/or a
paragraph gets another sentence, and/or a paragraph is appended. The URL stays;
`modified_at` becomes a time on day j. Paragraph 0 is never touched, so the
dateline and the description stay as they were.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from random import Random

from replica.model import WIB, TrueArticle
from replica.seed import SEED_URL
from replica.text import NewsWriter, between, make_context, pick

# Tails outlets add to a revised title; a regular title never ends with one.
TITLE_TAILS = (
    "Ini Penjelasannya",
    "Begini Kronologinya",
    "Ini Kata Warga",
    "Simak Faktanya",
    "Ini Update Terbarunya",
)
RECENT_DAYS = 3  # revisions touch the articles of the last few days
KINDS = ("title", "change", "append", "title+change", "title+append")
FIRST_MINUTE, LAST_MINUTE = 5 * 60, 23 * 60 + 59


def revise_night(
    articles: list[TrueArticle],
    rng: Random,
    day: date,
    count: int,
    titles: set[str],
    paragraphs: set[str],
) -> list[str]:
    """Revise `count` articles in place (replacing them in `articles`); their URLs.

    Fewer when the site has fewer articles before `day` (a tiny site). `titles`
    and `paragraphs` are the site's: new text stays unique and is added to them.
    """
    if count == 0:
        return []
    candidates = _candidates(articles, day, count)
    chosen = sorted(rng.sample(candidates, min(count, len(candidates))))
    for index in chosen:
        articles[index] = revise(articles[index], rng, day, titles, paragraphs)
    return [articles[index].url for index in chosen]


def _candidates(articles: list[TrueArticle], day: date, count: int) -> list[int]:
    """Indexes of the recent articles published before `day` (all of them if too few)."""
    older = [
        index
        for index, article in enumerate(articles)
        if article.published_at.date() < day and article.url != SEED_URL
    ]
    recent = [i for i in older if (day - articles[i].published_at.date()).days <= RECENT_DAYS]
    return recent if len(recent) >= count else older


def revise(
    article: TrueArticle, rng: Random, day: date, titles: set[str], paragraphs: set[str]
) -> TrueArticle:
    """The article as the outlet revised it on `day`: same URL, later `modified_at`."""
    minute = between(rng, FIRST_MINUTE, LAST_MINUTE)
    modified = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=WIB)
    kind = pick(rng, KINDS)
    changes: dict = {"modified_at": modified}
    text = _new_text(article, rng, modified, paragraphs) if kind != "title" else None
    if text is None or kind.startswith("title"):
        changes["title"] = _retitle(article.title, rng, titles)
    if text is not None:
        changes.update(_with_text(article, rng, text, paragraphs, append=kind.endswith("append")))
    return replace(article, **changes)


def _retitle(title: str, rng: Random, titles: set[str]) -> str:
    """The title with a (different) tail: "…, Ini Penjelasannya"."""
    base, current = title, None
    for tail in TITLE_TAILS:
        if title.endswith(f", {tail}"):
            base, current = title.removesuffix(f", {tail}"), tail
    tails = [tail for tail in TITLE_TAILS if tail != current]
    rng.shuffle(tails)
    for tail in tails:
        candidate = f"{base}, {tail}"
        if candidate not in titles:
            titles.add(candidate)
            return candidate
    raise RuntimeError(f"no fresh title for {title!r}")  # every tail taken: never seen


def _new_text(
    article: TrueArticle, rng: Random, modified: datetime, paragraphs: set[str]
) -> str | None:
    """A new detail of the article's topic and place, as of the revision's day."""
    topic = article.rendering.topic
    if topic is None or article.location is None:
        return None
    slots = make_context(rng, article.location, topic, modified)
    return NewsWriter(rng, topic, slots, paragraphs).detail()


def _with_text(
    article: TrueArticle, rng: Random, text: str, paragraphs: set[str], append: bool
) -> dict:
    """The body (and paragraph kinds) with `text` appended, or added to a paragraph."""
    body, kinds = article.paragraphs, article.rendering.kinds
    spots = [i for i, kind in enumerate(kinds) if kind == "p" and i > 0]
    if not append and spots:
        spot = pick(rng, spots)
        changed = f"{body[spot]} {text}"
        if changed not in paragraphs:  # else (never seen) append instead
            paragraphs.add(changed)
            body[spot] = changed
            return {"body": "\n\n".join(body)}
    rendering = replace(article.rendering, kinds=(*kinds, "p"))
    return {"body": "\n\n".join([*body, text]), "rendering": rendering}
