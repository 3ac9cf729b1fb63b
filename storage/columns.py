"""The article column lists, all derived from the `Article` item's fields.

crawler/items.py says that field names are the archive's column names; every
list here follows from its fields, with the exceptions stated once below, so
a field added to `Article` reaches the archive, its versions, the export and
the benchmarks without a hand-kept list to forget.
"""

from __future__ import annotations

from dataclasses import fields

from crawler.items import Article

KEY = "url"  # the row's key: never "content", never changes

# Article fields that are not article columns, and where they go instead.
NOT_STORED = {
    "canonical_url": "only an alias of the row's url (url_aliases)",
    "fetched_url": "only an alias of the row's url (url_aliases)",
    "pages": "the raw_pages table",
    "provenance": "the `extraction` column (renamed: it says how each field was extracted)",
}

# Columns the archive computes from a field, each stored right after that field.
DERIVED_AFTER = {
    "published_at": ("published_tz",),  # the page's own UTC offset; published_at is UTC
    "body": ("body_hash",),  # the exact-duplicate key
}

EXTRACTION = "extraction"  # Article.provenance, as stored

# Columns the archive keeps about a row rather than about the article.
BOOKKEEPING_COLUMNS = ("id", "first_seen_at", "last_seen_at", "cluster_id")

# Columns left out of an export: raw image records and internal keys, not text for research.
NOT_EXPORTED = ("images", "body_hash")

_ARTICLE_FIELDS = fields(Article)

# The Article fields stored as they are, in the item's order (url first).
ARTICLE_FIELDS = tuple(f.name for f in _ARTICLE_FIELDS if f.name not in NOT_STORED)


def _with_derived(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(column for name in names for column in (name, *DERIVED_AFTER.get(name, ())))


# An article's content: a re-crawl that changes none of them is "unchanged".
CONTENT_COLUMNS = _with_derived(tuple(name for name in ARTICLE_FIELDS if name != KEY))

# Every column a stored row is written with (Archive.store's row, article_versions).
ROW_COLUMNS = (KEY, *CONTENT_COLUMNS, EXTRACTION)


def _column_of(name: str) -> str | None:
    """The column an Article field is stored in, if any."""
    if name == "provenance":
        return EXTRACTION
    return None if name in NOT_STORED else name


# Fields typed as lists or dicts: stored as JSON text.
JSON_COLUMNS = tuple(
    column
    for f in _ARTICLE_FIELDS
    if str(f.type).startswith(("list", "dict")) and (column := _column_of(f.name))
)

# Lists of names (not of records): joined with "; " in CSV, list<string> in Parquet.
LIST_COLUMNS = tuple(
    f.name for f in _ARTICLE_FIELDS if str(f.type) == "list[str]" and f.name in ARTICLE_FIELDS
)

# Article fields holding a time (stored as ISO-8601 UTC text, not as the datetime).
TIME_FIELDS = tuple(f.name for f in _ARTICLE_FIELDS if str(f.type).startswith("datetime"))

EXPORT_COLUMNS = (
    BOOKKEEPING_COLUMNS[0],
    KEY,
    *(column for column in CONTENT_COLUMNS if column not in NOT_EXPORTED),
    *BOOKKEEPING_COLUMNS[1:],
)
