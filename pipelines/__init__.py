"""Item pipelines, in order: validate → normalise → deduplicate → archive (store).

Each step is a plain function (`validate`, `normalise`, `deduplicate`, `store`)
that a small Scrapy component wraps, enabled in `crawler/settings.py`
(ITEM_PIPELINES); `pipelines.chain.process` runs the same chain outside a crawl.
The steps count what they do in the stats under `warta/…`; the run recorder
copies those counts into the archive's `crawl_runs` row.
"""
