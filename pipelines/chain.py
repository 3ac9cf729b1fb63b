"""The whole pipeline chain as one call, for work that is not a Scrapy crawl.

`warta reparse` (and WARC import) must treat an article exactly as a crawl
does, deduplication included, so `process` runs the very steps the crawl's
item pipelines run, in the order `crawler/settings.py` (ITEM_PIPELINES) gives
them: one list of steps, no hand-built copy of it to drift.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

from scrapy.utils.misc import load_object

from crawler import settings as project_settings
from crawler.items import Article
from pipelines.base import CountingStats, PipelineStep, Stats, StepContext
from storage.archive import Archive, StoreResult


@cache
def steps() -> tuple[type[PipelineStep], ...]:
    """The pipeline classes of ITEM_PIPELINES, in the order a crawl runs them."""
    configured: dict[str, int] = project_settings.ITEM_PIPELINES
    classes = tuple(load_object(path) for path in sorted(configured, key=configured.__getitem__))
    for step in classes:
        if not issubclass(step, PipelineStep):  # a step `process` could not run
            raise TypeError(f"{step.__qualname__} in ITEM_PIPELINES is not a PipelineStep")
    return classes


def process(
    item: Article,
    archive: Archive,
    stats: Stats | None = None,
    *,
    hosts: Collection[str] = frozenset(),
    reread: str | None = None,
) -> StoreResult:
    """Run the item through every step into `archive`; the store step's outcome.

    A step that drops the item raises a `DropItem` subclass (`InvalidArticle`,
    `DuplicateArticle`), which the caller handles. `hosts` are the sources config's
    domains (`crawler.urls.configured_hosts`), as a crawl's canonical URLs use them;
    `reread` is the archived row's URL when a reparse extracted that row's raw pages
    again (see StepContext).
    """
    counts = stats if stats is not None else CountingStats()
    context = StepContext(lambda: archive, counts, hosts, reread)
    for step in steps():
        item = step.run(item, context)
    if context.stored is None:
        raise RuntimeError("no step in ITEM_PIPELINES stores the article")
    return context.stored
