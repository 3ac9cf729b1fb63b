"""Item pipelines, in order: validate → normalise → deduplicate → archive.

Each is a small Scrapy component enabled in `crawler/settings.py` (ITEM_PIPELINES).
They count what they do in the crawl stats under `warta/…`; the run recorder
copies those counts into the archive's `crawl_runs` row.
"""
