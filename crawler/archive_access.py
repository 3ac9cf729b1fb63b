"""One Archive per crawl, shared by the spider, the pipelines and the run recorder.

Sharing one connection matters: the spider's "do we have this URL?" check sees
rows the pipelines wrote a moment ago in a batch not yet committed.
"""

from __future__ import annotations

from storage.archive import Archive, default_db_path


def archive_for(crawler) -> Archive:
    """The crawl's archive, opened on first use from the WARTA_DB setting."""
    archive = getattr(crawler, "warta_archive", None)
    if archive is None:
        path = crawler.settings.get("WARTA_DB") or default_db_path()
        archive = Archive(path)
        crawler.warta_archive = archive
    return archive
