"""The read-only web view of the archive (`warta serve`, warta/cli/serve.py), on Datasette.

The archive is served as the database "warta" (URLs stay the same whatever the
file is called), opened `mode=ro` and with `PRAGMA query_only` (see
warta/datasette_plugin.py): nightly crawls keep writing to it through WAL, so
it is not `immutable`, and nothing served here can write to it.

Metadata is built here, in Python, from the archive's actual schema and
`sources.toml`: column descriptions (meaning, type, time zone), facets, the
exact FTS index for the article list's search box, and canned queries,
stemmed search first. Queries that depend on newer migrations (story clusters,
article versions) are written for the schema the file has when serving starts.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm

from crawler.sources import Source
from storage.runs import RECENT_RUNS_SQL
from storage.search import BM25_WEIGHTS
from warta import datasette_plugin
from warta.datasette_plugin import DATABASE, GUARD

SETTINGS = {
    "allow_download": False,  # a live WAL file is no consistent download; use CSV exports
    "suggest_facets": False,  # the configured facets are the useful ones; suggesting is slow
    "sql_time_limit_ms": 5000,  # stemmed search + bm25 over a year of news
    "facet_time_limit_ms": 2000,  # JSON array facets (authors, tags) scan the table
    "truncate_cells_html": 200,
    "default_page_size": 50,
    "max_returned_rows": 1000,  # Datasette's default, stated: the canned search's cap too
    "max_csv_mb": 50,  # a streamed CSV export stops there (each query is capped as well)
}

UTC_TIME = "ISO-8601 UTC ending in Z, e.g. 2025-11-07T08:30:00Z"

COLUMNS: dict[str, dict[str, str]] = {
    "articles": {
        "id": "Stable article id; the row page is the archived copy (stored text)",
        "url": "Canonical URL on the outlet's site; links to the original",
        "source": "Outlet id from sources.toml (see the list of sources on the home page)",
        "section": "Regional section, lowercase slug (e.g. sleman, magelang)",
        "title": "Headline as published",
        "description": "The page's meta description",
        "summary": "Lead / summary paragraph",
        "authors": "Reporters, a JSON array of names",
        "editors": "Editors, a JSON array of names",
        "published_at": f"Publication time, {UTC_TIME}",
        "published_tz": "The offset the outlet published with, e.g. +07:00 (WIB); "
        "published_at shifted by it is the local time",
        "modified_at": f"Last modification the outlet declared, {UTC_TIME}",
        "location": "Dateline place",
        "tags": "Outlet's tags, a JSON array",
        "body": "Full text, paragraphs separated by a blank line, boilerplate removed; "
        "left out of the list view, shown on each row page",
        "images": "JSON array of {url, caption, credit}",
        "language": "Language code, e.g. id",
        "body_hash": "SHA-1 of the body: equal hashes mean identical text (links to the copies)",
        "extraction": "JSON object: which extraction layer (structured data, outlet rule, "
        "generic fallback) produced each field",
        "first_seen_at": f"When a crawl first archived it, {UTC_TIME}",
        "last_seen_at": f"When a crawl last saw it, {UTC_TIME}",
        "cluster_id": "Story cluster: near-duplicate copies share it (the id of the "
        "cluster's earliest article)",
        "published_date_wib": "Publication day in WIB (UTC+7), YYYY-MM-DD, computed from "
        "published_at",
    },
    "raw_pages": {
        "id": "Raw page id",
        "article_id": "The article extracted from it (articles.id)",
        "page_no": "1 for an article's first page, 2… for continuation pages",
        "url": "URL fetched",
        "status": "HTTP status of the fetch",
        "headers": "Response headers, a JSON object, zlib-compressed like html (pages "
        "archived by older warta versions: the JSON text)",
        "fetched_at": f"Fetch time, {UTC_TIME}",
        "compression": "How html is compressed (zlib)",
        "html": "The fetched page, compressed; never shown in lists (download from a row page). "
        "Empty when the page is in a WARC file (the warc_* columns)",
        "warc_file": "WARC file holding the response record (in the folder beside the archive)",
        "warc_offset": "Byte offset of the record's gzip member in that file",
        "warc_length": "Byte length of the record's gzip member",
        "warc_record_id": "The record's WARC-Record-ID",
        "warc_digest": "The record's WARC-Payload-Digest (sha1, base32)",
    },
    "url_aliases": {
        "url": "A URL that led to the article: canonical, paged, AMP or tracking variant",
        "article_id": "The article it leads to (articles.id)",
    },
    "crawl_runs": {
        "id": "Run id",
        "source": "Outlet id from sources.toml",
        "started_at": f"Start, {UTC_TIME}",
        "finished_at": f"End, {UTC_TIME}; empty while running",
        "status": "running, ok, degraded, failed, refused (another crawl held the source) or "
        "lost_lock (paused or hung, it was taken over by another crawl, and stopped)",
        "pid": "Process id of the crawl",
        "holder": "The crawl's process: host|boot id|pid namespace|pid|start time",
        "pages": "Pages fetched",
        "articles_new": "Articles archived for the first time",
        "articles_updated": "Archived articles whose content changed",
        "articles_unchanged": "Archived articles seen again unchanged",
        "articles_dropped": "Items the pipelines dropped (invalid or duplicate)",
        "errors": "Fetch and extraction errors",
        "message": "How the run ended",
    },
    "article_versions": {
        "article_id": "The article (articles.id) this is an older version of",
        "reason": "recrawl (the outlet changed it) or reparse (the extractor did)",
        "fetched_at": f"When this version's page was fetched, {UTC_TIME}",
        "raw_page_id": "First raw page of that fetch (raw_pages.id)",
        "superseded_at": f"When the next version replaced it, {UTC_TIME}",
    },
}


def read_schema(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Each table's (column, declared type), read-only."""
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: [(c[1], c[2]) for c in conn.execute(f"PRAGMA table_xinfo([{t}])")] for t in tables
        }
    finally:
        conn.close()


def column_descriptions(table: str, columns: list[tuple[str, str]]) -> dict[str, str]:
    """The known descriptions of the columns the table has, each with its SQLite type."""
    known = COLUMNS.get(table, {})
    return {
        name: f"{known[name]} ({kind or 'any type'})" for name, kind in columns if name in known
    }


# -- canned queries --------------------------------------------------------------------


def wib_day_start(day: str, plus: str = "") -> str:
    """SQL for the UTC instant a WIB day (a YYYY-MM-DD parameter) starts; WIB is UTC+7, no DST."""
    shift = f", '{plus}'" if plus else ""
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {day}{shift}, '-7 hours')"


SEARCH_PAGE = 100  # hits per page of the canned search, unless per_page says otherwise
SEARCH_PAGE_MAX = 1000


def search_query() -> dict[str, Any]:
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    start, end = wib_day_start(":from"), wib_day_start(":to", "+1 day")
    # The page of hits first (ids and ranks), then snippets for those rows only:
    # a snippet per match would cost seconds for a common word.
    # per_page: a number from 1 to the maximum; anything else (empty, 0, negative, text)
    # is the default. A negative LIMIT would mean no limit at all to SQLite.
    sql = f"""with asked as (select cast(:per_page as integer) as n),
per_page as (
  select case when n between 1 and {SEARCH_PAGE_MAX} then n
    when n > {SEARCH_PAGE_MAX} then {SEARCH_PAGE_MAX} else {SEARCH_PAGE} end as n
  from asked
),
hits as (
  select a.id, bm25(articles_fts_stem, {weights}) as rank
  from articles_fts_stem join articles a on a.id = articles_fts_stem.rowid
  where articles_fts_stem match warta_stem_query(:q)
    and (:source = '' or a.source = :source)
    and (:from = '' or a.published_at >= {start})
    and (:to = '' or a.published_at < {end})
  order by rank, a.id
  limit (select n from per_page)
  offset (max(cast(:page as integer), 1) - 1) * (select n from per_page)
)
select a.id as archived, a.title, a.source, a.section, a.published_at,
  warta_snippet(:q, a.body, a.summary, a.title) as snippet, a.url as original,
  round(hits.rank, 3) as rank
from hits join articles a on a.id = hits.id
order by hits.rank, a.id"""
    return {
        "title": "Search (stemmed)",
        "hide_sql": True,
        "description": "Words match by their Indonesian stem: pelayanan also finds melayani, "
        'dilayani, layanan. FTS5 syntax ("phrases", AND/OR/NOT, NEAR, prefix*). '
        "source: an outlet id; from/to: days (YYYY-MM-DD, WIB), inclusive; page: 1, 2, … "
        f"of per_page hits (default {SEARCH_PAGE}, at most {SEARCH_PAGE_MAX}), best first by "
        "bm25, title counting most. The list's "
        "search box is the exact-word search.",
        "sql": sql,
    }


def per_day_query() -> dict[str, Any]:
    return {
        "title": "Articles per day per source",
        "description": "Days are WIB (UTC+7) days of published_at. source: optional outlet id.",
        "sql": """select date(published_at, '+7 hours') as day_wib, source, count(*) as articles
from articles
where published_at is not null and (:source = '' or source = :source)
group by day_wib, source
order by day_wib desc, source""",
    }


def copies_query(article_columns: set[str]) -> dict[str, Any]:
    # Story clusters (near-duplicates) come with a later migration; exact copies always work.
    clustered = "cluster_id" in article_columns
    same = "o.body_hash = a.body_hash"
    if clustered:
        same = f"(o.cluster_id = a.cluster_id or {same})"
    return {
        "title": "A story's syndicated copies",
        "description": "Articles carrying the same story as article_id: identical text "
        "(body_hash)"
        + (" or the same near-duplicate cluster (cluster_id)" if clustered else "")
        + ", oldest first.",
        "sql": f"""select o.id as archived, o.source, o.published_at, o.title, o.url as original,
  o.body_hash = a.body_hash as same_text, o.id = a.id as this_article
from articles a join articles o on {same}
where a.id = :article_id
order by o.published_at, o.id""",
    }


def revisions_query(tables: set[str]) -> dict[str, Any]:
    # Every fetch is a raw page; when article_versions exists, a fetch whose content was
    # later replaced also shows why and when (superseded_at empty: the current text).
    versions = "article_versions" in tables
    extra = ", v.reason, v.superseded_at, v.title as title_then" if versions else ""
    join = " left join article_versions v on v.raw_page_id = r.id" if versions else ""
    return {
        "title": "An article's revisions",
        "description": "Every fetch of article_id: time, HTTP status, page, stored size"
        + (", and the older versions it held (article_versions)" if versions else "")
        + ".",
        "sql": f"""select r.fetched_at, r.status, r.page_no, r.url,
  length(r.html) as stored_bytes{extra}
from raw_pages r{join}
where r.article_id = :article_id
order by r.fetched_at, r.page_no, r.id""",
    }


def runs_query() -> dict[str, Any]:
    return {
        "title": "Recent crawl runs",
        "description": "Newest first, 100 at most. source: optional outlet id.",
        "sql": RECENT_RUNS_SQL,
    }


def canned_queries(schema: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    article_columns = {name for name, _ in schema.get("articles", [])}
    return {
        "search": search_query(),
        "articles_per_day": per_day_query(),
        "copies": copies_query(article_columns),
        "revisions": revisions_query(set(schema)),
        "recent_runs": runs_query(),
    }


# -- metadata -------------------------------------------------------------------------


TABLES: dict[str, dict[str, Any]] = {
    "articles": {
        "description": "One row per article, keyed by its canonical URL. The search box "
        "matches exact words (title, summary, body); the 'search' query matches stems.",
        "fts_table": "articles_fts",
        "fts_pk": "id",
        "searchmode": "escaped",  # typed words are words, not FTS syntax errors
        "sort_desc": "published_at",
        "label_column": "title",
        "facets": [
            "source",
            "section",
            {"array": "authors"},
            {"array": "tags"},
            {"date": "published_date_wib"},  # WIB days, as everywhere else in warta
        ],
    },
    "raw_pages": {
        "description": "Every fetched page, compressed, for re-extraction. The html column "
        "is left out of lists.",
        "sort_desc": "fetched_at",
        "facets": ["status"],
    },
    "url_aliases": {"description": "Every URL that led to an article."},
    "crawl_runs": {
        "description": "One row per crawl of one source.",
        "sort_desc": "started_at",
        "facets": ["source", "status"],
    },
    "article_versions": {"description": "What an article said before it was revised."},
    # bookkeeping of the crawler and the near-duplicate index, not research data
    "crawl_locks": {"hidden": True},
    "minhash_signatures": {"hidden": True},
    "minhash_bands": {"hidden": True},
    "minhash_bands_recent": {"hidden": True},
    "warc_captures": {"hidden": True},  # the capture's revisit check (crawler/warc_capture.py)
}


def sources_html(sources: dict[str, Source]) -> str:
    items = "".join(
        f"<li><code>{html.escape(s.id)}</code>: {html.escape(s.name)} "
        f"({html.escape(', '.join(s.domains))}; sections {html.escape(', '.join(s.sections))})"
        "</li>"
        for s in sources.values()
    )
    return f"<ul class='warta-sources'>{items}</ul>"


def _facets_present(settings: dict[str, Any], columns: list[tuple[str, str]]) -> dict[str, Any]:
    """The table's facets on columns it has (an archive from an older warta lacks some)."""
    if "facets" not in settings:
        return {}
    names = {name for name, _ in columns}
    facets = [
        facet
        for facet in settings["facets"]
        if (facet if isinstance(facet, str) else next(iter(facet.values()))) in names
    ]
    return {"facets": facets}


def build_metadata(
    sources: dict[str, Source], schema: dict[str, list[tuple[str, str]]]
) -> dict[str, Any]:
    """Datasette metadata for the archive's schema: descriptions, facets, FTS, canned queries."""
    tables = {
        name: {
            **settings,
            "columns": column_descriptions(name, schema[name]),
            **_facets_present(settings, schema[name]),
        }
        for name, settings in TABLES.items()
        if name in schema
    }
    description = (
        "<p>Articles crawled every night from the regional sections of Indonesian news "
        "outlets, read-only. Times are ISO-8601 UTC ending in Z; <code>published_tz</code> "
        "keeps the outlet's offset (WIB is +07:00). Lists are JSON arrays.</p>"
        f"<p>Sources:</p>{sources_html(sources)}"
        "<p>Start with the <a href='/warta/search'>stemmed search</a> or the "
        "<a href='/warta/articles'>articles</a> (exact-word search box, facets).</p>"
    )
    return {
        "title": "warta: Indonesian regional news archive",
        "description_html": description,
        "license": "Article texts © their publishers; archived for research, not republication",
        "source": f"Crawled by warta from {len(sources)} outlets",
        "databases": {
            DATABASE: {
                "description_html": description,
                "tables": tables,
                "queries": canned_queries(schema),
            }
        },
    }


# -- serving --------------------------------------------------------------------------


class GuardedDatabase(Database):
    """Datasette's Database, running every query under warta's QueryGuard (time, size)."""

    async def execute_fn(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        return await super().execute_fn(GUARD.running(fn, self.ds.sql_time_limit_ms))


def build_datasette(db_path: Path, sources: dict[str, Source]) -> Datasette:
    """A Datasette serving the archive read-only as "warta", with warta's plugin and metadata."""
    # Registered here rather than via entry points: no reinstall needed, and only `warta
    # serve` (which supplies the metadata the hooks go with) loads it.
    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="warta")
    metadata = build_metadata(sources, read_schema(db_path))
    datasette = Datasette(files=[], metadata=metadata, settings=SETTINGS)
    datasette.remove_database("_memory")  # only there because no files were given
    database = GuardedDatabase(datasette, path=str(db_path), is_mutable=True)
    datasette.add_database(database, name=DATABASE)
    return datasette
