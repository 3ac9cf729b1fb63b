"""What several benchmarks share."""

from __future__ import annotations

import sys
from pathlib import Path

from storage.archive import body_hash, iso_utc

TEXT_FIELDS = (
    "url",
    "source",
    "section",
    "title",
    "description",
    "summary",
    "authors",
    "editors",
    "location",
    "tags",
    "body",
    "images",
    "language",
)


def archive_row(truth: dict) -> dict:
    """The archive row a replica article's truth implies (as the pipelines would write it)."""
    return {
        **{key: truth[key] for key in TEXT_FIELDS},
        "published_at": iso_utc(truth["published_at"]),
        "published_tz": truth["published_at"].isoformat()[-6:],
        "body_hash": body_hash(truth["body"]),
        "extraction": {},
    }


def crawl_command(replica_url: str, db: Path, *extra: str) -> list[str]:
    """`warta crawl` of every source of the replica at `replica_url` into `db`, quietly."""
    return [
        sys.executable,
        "-m",
        "warta",
        "crawl",
        "--replica",
        replica_url,
        "--db",
        str(db),
        "--progress",
        "0",
        *extra,
    ]
