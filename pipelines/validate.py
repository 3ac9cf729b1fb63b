"""Drop items that cannot be archived, with a logged and counted reason.

A drop raises `InvalidArticle`, whose `reason` (no_title, no_body, mojibake…)
crawler/errors.py records in the run's `crawl_errors`.
"""

from __future__ import annotations

import re

from scrapy.exceptions import DropItem

from crawler.items import Article
from pipelines.base import PipelineStep, Stats, StepContext

MIN_BODY_CHARS = 80  # shorter than two sentences: an empty shell, not an article
# Text decoded with the wrong charset: replacement characters, C1 controls (latin-1
# read of windows-1252), or UTF-8 read as windows-1252 ("â€œ", "Ã©"). Indonesian
# news text has none of them; better no row than a garbled one.
MOJIBAKE = re.compile(r"[\ufffd\x80-\x9f]|â€|Ã[\xa0-\xbf]")


class InvalidArticle(DropItem):
    """An article that cannot be archived; `reason` is its crawl_errors category."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def validate(item: Article, stats: Stats | None = None) -> Article:
    """The item, if it can be archived; else raise `InvalidArticle`, counted in `stats`."""
    reason = problem(item)
    if reason is None:
        return item
    if stats is not None:
        stats.inc_value("warta/articles_dropped")
        stats.inc_value(f"warta/dropped/{reason.split(':')[0]}")
    raise InvalidArticle(reason.replace(" ", "_"), f"{reason}: {item.fetched_url or item.url}")


class ValidatePipeline(PipelineStep):
    @staticmethod
    def run(item: Article, context: StepContext) -> Article:
        return validate(item, context.stats)


def problem(item: Article) -> str | None:
    """Why an article cannot be archived, or None when it can."""
    if not item.url:
        return "no url"
    if not item.title or not item.title.strip():
        return "no title"
    if not item.body or len(item.body.strip()) < MIN_BODY_CHARS:
        return "no body"
    if any(MOJIBAKE.search(text) for text in (item.title, item.body, item.description) if text):
        return "mojibake"
    return None
