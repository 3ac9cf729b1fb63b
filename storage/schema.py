"""Archive schema, as numbered migrations.

`PRAGMA user_version` records the last migration applied to a file. Opening an
archive applies the missing ones in order, each in its own transaction; a file
from a newer warta (user_version above what we know) is refused rather than
guessed at.

Several processes may open (or create) the same file at once: two crawls started
together on a new archive, say. Each migration therefore takes the write lock
first (`BEGIN IMMEDIATE`) and reads `user_version` again under it; a migration
another process applied meanwhile is skipped, never run twice ("table … already
exists"). SQL-script migrations are run statement by statement inside that
transaction, since `executescript` would commit it first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from storage.origin import V_ARCHIVE_ORIGIN


class SchemaError(RuntimeError):
    """The archive file's schema is not one this version of warta can use."""


_V1_INITIAL = """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,          -- canonical URL
            source TEXT NOT NULL,              -- source id from sources.toml
            section TEXT,                      -- lowercase slug
            title TEXT NOT NULL,
            description TEXT,
            summary TEXT,
            authors TEXT NOT NULL DEFAULT '[]',   -- JSON array of names
            editors TEXT NOT NULL DEFAULT '[]',   -- JSON array of names
            published_at TEXT,                 -- ISO-8601 UTC, ends in Z
            published_tz TEXT,                 -- original offset, e.g. +07:00
            modified_at TEXT,                  -- ISO-8601 UTC, ends in Z
            location TEXT,                     -- dateline place
            tags TEXT NOT NULL DEFAULT '[]',   -- JSON array
            body TEXT NOT NULL,                -- paragraphs separated by a blank line
            images TEXT NOT NULL DEFAULT '[]', -- JSON array of {url, caption, credit}
            language TEXT,
            body_hash TEXT NOT NULL,           -- sha1 of the body, for exact duplicates
            extraction TEXT NOT NULL DEFAULT '{}', -- JSON: field -> extraction layer
            first_seen_at TEXT NOT NULL,       -- ISO-8601 UTC
            last_seen_at TEXT NOT NULL         -- ISO-8601 UTC
        );
        CREATE INDEX idx_articles_body_hash ON articles(body_hash);
        CREATE INDEX idx_articles_source_published ON articles(source, published_at);
        CREATE INDEX idx_articles_published ON articles(published_at);

        -- Every URL that led to an article (canonical, paged, AMP, tracking variants),
        -- so the crawler knows what it already holds without fetching it again.
        CREATE TABLE url_aliases (
            url TEXT PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id)
        ) WITHOUT ROWID;

        -- Raw fetched pages, zlib-compressed, for re-extraction when the extractor improves.
        CREATE TABLE raw_pages (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            page_no INTEGER NOT NULL,          -- 1 for the first page of an article
            url TEXT NOT NULL,
            status INTEGER NOT NULL,
            headers TEXT NOT NULL,             -- JSON object
            fetched_at TEXT NOT NULL,          -- ISO-8601 UTC
            compression TEXT NOT NULL DEFAULT 'zlib',
            html BLOB NOT NULL
        );
        CREATE INDEX idx_raw_pages_article ON raw_pages(article_id);

        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,              -- running, ok, degraded, failed, refused
            pid INTEGER,
            pages INTEGER NOT NULL DEFAULT 0,
            articles_new INTEGER NOT NULL DEFAULT 0,
            articles_updated INTEGER NOT NULL DEFAULT 0,
            articles_unchanged INTEGER NOT NULL DEFAULT 0,
            articles_dropped INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            message TEXT
        );
        CREATE INDEX idx_crawl_runs_source ON crawl_runs(source, started_at);

        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, summary, body,
            content='articles', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, summary, body)
            VALUES (new.id, new.title, new.summary, new.body);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, summary, body)
            VALUES ('delete', old.id, old.title, old.summary, old.body);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, summary, body ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, summary, body)
            VALUES ('delete', old.id, old.title, old.summary, old.body);
            INSERT INTO articles_fts(rowid, title, summary, body)
            VALUES (new.id, new.title, new.summary, new.body);
        END;
"""

_V2_CRAWL_LOCKS = """
-- At most one crawl of a source at a time, whoever starts it (scheduler or operator).
-- A holder whose process is gone, or whose heartbeat stopped, is stale and may be replaced.
CREATE TABLE crawl_locks (
    source TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    run_id INTEGER,
    acquired_at TEXT NOT NULL,         -- ISO-8601 UTC
    heartbeat_at TEXT NOT NULL         -- ISO-8601 UTC
);
"""


def _v3_stemmed_index(conn: sqlite3.Connection) -> None:
    """A second full-text index over Indonesian stems (storage/stemming.py), filled from the rows.

    Triggers cannot call the stemmer, so Archive.store keeps it in sync instead.
    """
    from storage.stemming import stem_text

    conn.execute(
        "CREATE VIRTUAL TABLE articles_fts_stem USING fts5("
        "title, summary, body, tokenize='unicode61 remove_diacritics 2')"
    )
    rows = conn.execute("SELECT id, title, summary, body FROM articles")
    conn.executemany(
        "INSERT INTO articles_fts_stem(rowid, title, summary, body) VALUES (?, ?, ?, ?)",
        ((i, stem_text(t), stem_text(s), stem_text(b)) for i, t, s, b in rows),
    )


_V4_ARTICLE_VERSIONS = """
-- What an article said before an outlet revised it (or before a re-extraction changed it).
-- The row in `articles` is always the latest version; each older one is kept here.
CREATE TABLE article_versions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    reason TEXT NOT NULL,              -- recrawl (the outlet changed it) or reparse (we did)
    fetched_at TEXT,                   -- ISO-8601 UTC: when this version's page was fetched
    raw_page_id INTEGER REFERENCES raw_pages(id),  -- first page of that fetch
    superseded_at TEXT NOT NULL,       -- ISO-8601 UTC: when the next version replaced it
    source TEXT, section TEXT, title TEXT, description TEXT, summary TEXT,
    authors TEXT, editors TEXT, published_at TEXT, published_tz TEXT, modified_at TEXT,
    location TEXT, tags TEXT, body TEXT, images TEXT, language TEXT, body_hash TEXT,
    extraction TEXT
);
CREATE INDEX idx_article_versions_article ON article_versions(article_id, id);
"""


def _v5_story_clusters(conn: sqlite3.Connection) -> None:
    """Near-duplicate clusters (storage/neardup.py): copies of one story share a cluster_id.

    Frozen as it was: band rows without dates (version 16 keys them by date), matched
    here in memory, against every earlier article."""
    from storage.neardup import MAX_BUCKET, THRESHOLD, Signature, signature

    conn.execute("ALTER TABLE articles ADD COLUMN cluster_id INTEGER")
    conn.execute("CREATE INDEX idx_articles_cluster ON articles(cluster_id)")
    conn.execute(
        "CREATE TABLE minhash_signatures (article_id INTEGER PRIMARY KEY REFERENCES articles(id),"
        " signature BLOB NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE minhash_bands (band_key INTEGER NOT NULL, article_id INTEGER NOT NULL,"
        " PRIMARY KEY (band_key, article_id)) WITHOUT ROWID"
    )
    conn.execute("CREATE INDEX idx_minhash_bands_article ON minhash_bands(article_id)")
    buckets: dict[int, list[int]] = {}
    signed: dict[int, Signature] = {}
    clusters: dict[int, int] = {}
    rows = conn.execute("SELECT id, body FROM articles ORDER BY published_at, id").fetchall()
    for article_id, body in rows:  # oldest first: each cluster's original is its earliest copy
        sig = signature(body)
        keys = sig.band_keys if sig else []
        candidates = {
            other
            for key in keys
            if len(buckets.get(key, ())) <= MAX_BUCKET
            for other in buckets.get(key, ())
        }
        scored = sorted((-signed[other].similarity(sig), other) for other in candidates if sig)
        best = scored[0][1] if scored and -scored[0][0] >= THRESHOLD else None
        clusters[article_id] = clusters[best] if best is not None else article_id
        conn.execute(
            "UPDATE articles SET cluster_id = ? WHERE id = ?", (clusters[article_id], article_id)
        )
        if sig:
            signed[article_id] = sig
            for key in keys:
                buckets.setdefault(key, []).append(article_id)
            conn.execute(
                "INSERT INTO minhash_signatures(article_id, signature) VALUES (?, ?)",
                (article_id, sig.to_blob()),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO minhash_bands(band_key, article_id) VALUES (?, ?)",
                [(key, article_id) for key in keys],
            )


_V6_CRAWL_ERRORS = """
-- Every URL a crawl could not archive, and why: a short reason (http_503, timeout,
-- connection_reset, not_html, too_large, redirect_offsite, no_title, …) and a detail.
-- A URL here is not "known": the next crawl tries it again.
CREATE TABLE crawl_errors (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES crawl_runs(id),
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,  -- requests made, retries included
    at TEXT NOT NULL                      -- ISO-8601 UTC
);
CREATE INDEX idx_crawl_errors_run ON crawl_errors(run_id);
CREATE INDEX idx_crawl_errors_url ON crawl_errors(url);
"""


_V7_FILTER_INDEX = """
-- A narrow copy of the columns search filters on, keyed by id: joining a full-text
-- match to it reads a few dense index pages instead of every matching article's row
-- (rows are several KB; a common word matches most of them). storage/search.py.
CREATE INDEX idx_articles_filter
    ON articles(id, published_at, source, section, location, cluster_id);
"""


_V8_WIB_DATE = """
-- The publication day in WIB (UTC+7 all year), computed on read: what researchers
-- facet and group by (Datasette's date facet would otherwise count UTC days).
ALTER TABLE articles ADD COLUMN published_date_wib TEXT
    GENERATED ALWAYS AS (date(published_at, '+7 hours')) VIRTUAL;
"""


_V9_COVERAGE_LEDGER = """
-- The coverage ledger (storage/coverage.py): what each run walked of an outlet's
-- listings, per day and section, and which days the archive holds whole.
CREATE TABLE coverage_days (
    source TEXT NOT NULL,
    section TEXT NOT NULL DEFAULT '',  -- the hub's section, or '' for a whole-outlet day listing
    day TEXT NOT NULL,                 -- YYYY-MM-DD in the source's time zone
    listed INTEGER NOT NULL DEFAULT 0, -- article URLs the listing gave for the day
    walked_run INTEGER,                -- last run that walked the day's whole listing
    walked_at TEXT,                    -- ISO-8601 UTC
    complete_run INTEGER,              -- run that found it complete; NULL: not (yet) complete
    complete_at TEXT,                  -- ISO-8601 UTC
    hole_since TEXT,                   -- ISO-8601 UTC: first seen incomplete after the day ended
    PRIMARY KEY (source, section, day)
) WITHOUT ROWID;
CREATE TABLE coverage_urls (
    source TEXT NOT NULL,
    section TEXT NOT NULL,
    day TEXT NOT NULL,
    url TEXT NOT NULL,                 -- canonical article URL, as listed
    PRIMARY KEY (source, section, day, url)
) WITHOUT ROWID;
CREATE TABLE coverage_failures (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES crawl_runs(id),
    source TEXT NOT NULL,
    section TEXT NOT NULL DEFAULT '',
    day TEXT,                          -- the day the listing page was for, when known
    url TEXT NOT NULL,                 -- the listing URL that failed for good
    reason TEXT,
    at TEXT NOT NULL,                  -- ISO-8601 UTC
    resolved_run INTEGER               -- the later run that fetched it fine
);
CREATE INDEX idx_coverage_failures_open ON coverage_failures(source, resolved_run);
"""


_V11_RUN_HOLDERS = """
-- who holds a lock / ran a run: host|boot id|pid namespace|pid|start time (storage/runs.py)
ALTER TABLE crawl_locks ADD COLUMN holder TEXT;
ALTER TABLE crawl_runs ADD COLUMN holder TEXT;
"""


# Each migration is an SQL script or a function of the connection; index + 1 is the
# user_version it leads to.
def _v12_warc_pointers(conn: sqlite3.Connection) -> None:
    """raw_pages rows may point into a WARC file instead of holding the html (storage/warc.py).

    Such a row has no html, so the column loses its NOT NULL. SQLite cannot ALTER a
    constraint, and copying the table (the largest one) would double the file; removing
    a NOT NULL changes nothing on disk, so the table's stored definition is edited in
    place, as SQLite's ALTER TABLE documentation allows for dropping constraints."""
    for column in ("warc_file TEXT", "warc_offset INTEGER", "warc_length INTEGER"):
        conn.execute(f"ALTER TABLE raw_pages ADD COLUMN {column}")
    for column in ("warc_record_id TEXT", "warc_digest TEXT"):
        conn.execute(f"ALTER TABLE raw_pages ADD COLUMN {column}")
    # the capture's revisit check: the URL's latest pointer (crawler/warc_capture.py)
    conn.execute(
        "CREATE INDEX idx_raw_pages_warc_url ON raw_pages(url) WHERE warc_digest IS NOT NULL"
    )
    (sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'raw_pages'"
    ).fetchone()
    loosened = sql.replace("html BLOB NOT NULL", "html BLOB")
    if loosened == sql:  # not warta's definition: leave it; pointer rows then cannot be stored
        raise SchemaError("raw_pages has an unexpected definition; cannot add WARC pointers")
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'raw_pages'",
            (loosened,),
        )
        conn.execute(f"PRAGMA schema_version = {version + 1}")  # readers reload the schema
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


_V13_NODE_RUNS = """
-- where a run ran (issue #16): the crawl node's name and its Scrapyd job id; NULL for a
-- crawl started on this machine (warta/scheduler.py and the writer stamp them, docs/deploy.md)
ALTER TABLE crawl_runs ADD COLUMN node TEXT;
ALTER TABLE crawl_runs ADD COLUMN job TEXT;
CREATE INDEX idx_crawl_runs_job ON crawl_runs(job);
-- the archive writer's runs (warta/writer.py, storage/stream_runs.py): a node's run key,
-- the run it became, and the last stream entry of the run applied, kept in the same
-- transaction as the entry's rows, so an entry delivered twice is applied once
CREATE TABLE stream_runs (
    run_key TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES crawl_runs(id),
    resume INTEGER NOT NULL DEFAULT 0,  -- the answer the run opened with
    last_seq INTEGER NOT NULL DEFAULT 0,
    articles_new INTEGER NOT NULL DEFAULT 0,
    articles_updated INTEGER NOT NULL DEFAULT 0,
    articles_unchanged INTEGER NOT NULL DEFAULT 0,
    articles_duplicate INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
"""

_V14_STREAM_RUN_LOCKS = """
-- the token of the outlet lock a node's run held (storage/stream_runs.py): a claim closes
-- only runs of another hold, never a backfill peer's run under the claimer's own hold;
-- a run it closes is fenced: what it sends later (its lock was gone) is not applied
ALTER TABLE stream_runs ADD COLUMN lock_token TEXT;
ALTER TABLE stream_runs ADD COLUMN fenced INTEGER NOT NULL DEFAULT 0;
"""

_V15_WARC_CAPTURES = """
-- the latest response record a crawl wrote whole for each URL that is not an article's
-- page (listing pages, sitemaps, robots.txt): the capture's revisit check for those
-- (crawler/warc_capture.py), so an unchanged re-fetch is a revisit record, not a second
-- copy; an article page's latest record is its raw_pages pointer. One row per URL.
CREATE TABLE warc_captures (
    url TEXT PRIMARY KEY,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL,
    warc_record_id TEXT NOT NULL,
    warc_digest TEXT NOT NULL
) WITHOUT ROWID;
"""


def _v16_bands_by_date(conn: sqlite3.Connection) -> None:
    """Band rows keyed by their article's period (fortnight) first, with its day: copies
    are looked for within storage/neardup.py's WINDOW_DAYS, in the recent end of the
    index only; new rows wait in a small table and move in bulk (NearDuplicateIndex).
    Rows are rewritten in key order, which also leaves the index compact."""
    from storage.neardup import day_of, period_of

    conn.create_function("warta_day", 2, day_of, deterministic=True)
    conn.create_function("warta_period", 1, period_of, deterministic=True)
    conn.execute("DROP INDEX idx_minhash_bands_article")
    conn.execute("ALTER TABLE minhash_bands RENAME TO minhash_bands_v5")
    conn.execute(
        "CREATE TABLE minhash_bands (period INTEGER NOT NULL, band_key INTEGER NOT NULL, "
        "article_id INTEGER NOT NULL, day INTEGER NOT NULL, "
        "PRIMARY KEY (period, band_key, article_id)) WITHOUT ROWID"
    )
    # small: keyed by band first, one seek a band key (the main table needs three)
    conn.execute(
        "CREATE TABLE minhash_bands_recent (band_key INTEGER NOT NULL, article_id INTEGER "
        "NOT NULL, period INTEGER NOT NULL, day INTEGER NOT NULL, "
        "PRIMARY KEY (band_key, article_id)) WITHOUT ROWID"
    )
    # an undated article's day is the day it was first seen, as Archive.store takes it
    conn.execute(
        "INSERT INTO minhash_bands(period, band_key, article_id, day) "
        "SELECT warta_period(day), band_key, article_id, day FROM "
        "(SELECT b.band_key, b.article_id, warta_day(a.published_at, a.first_seen_at) AS day "
        "FROM minhash_bands_v5 b JOIN articles a ON a.id = b.article_id) "
        "ORDER BY 1, 2, 3"
    )
    conn.execute("DROP TABLE minhash_bands_v5")
    conn.execute("CREATE INDEX idx_minhash_bands_article ON minhash_bands(article_id)")
    conn.execute(
        "CREATE INDEX idx_minhash_bands_recent_article ON minhash_bands_recent(article_id)"
    )


MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
    _V1_INITIAL,
    _V2_CRAWL_LOCKS,
    _v3_stemmed_index,
    _V4_ARTICLE_VERSIONS,
    _v5_story_clusters,
    _V6_CRAWL_ERRORS,
    _V7_FILTER_INDEX,
    _V8_WIB_DATE,
    _V9_COVERAGE_LEDGER,
    V_ARCHIVE_ORIGIN,  # storage/origin.py: replica or real crawls
    _V11_RUN_HOLDERS,
    _v12_warc_pointers,
    _V13_NODE_RUNS,
    _V14_STREAM_RUN_LOCKS,
    _V15_WARC_CAPTURES,
    _v16_bands_by_date,
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file up to SCHEMA_VERSION; return the version it is at.

    Safe against other processes migrating the same file at the same time (see the
    module docstring): each step re-reads the version under the write lock."""
    current = _version(conn)
    for version in range(current + 1, SCHEMA_VERSION + 1):
        _apply(conn, MIGRATIONS[version - 1], version)
    return SCHEMA_VERSION


def _version(conn: sqlite3.Connection) -> int:
    """The file's user_version; SchemaError when a newer warta wrote it."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise SchemaError(
            f"archive schema version {current} is newer than this warta supports "
            f"({SCHEMA_VERSION}); upgrade warta"
        )
    return current


def _apply(
    conn: sqlite3.Connection, migration: str | Callable[[sqlite3.Connection], None], version: int
) -> None:
    """One migration, one transaction: applied whole or not at all, and only if the
    file (read again under the write lock) still needs it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _version(conn) < version:  # another process may have applied it meanwhile
            if isinstance(migration, str):
                for statement in statements(migration):
                    conn.execute(statement)
            else:
                migration(conn)
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def statements(script: str) -> list[str]:
    """An SQL script's statements, one by one (a trigger's body stays whole): what
    `executescript` would run, without the COMMIT it issues first."""
    found: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if _code(pending):  # not a lone `;` after the last statement
                found.append(pending.strip())
            pending = ""
    if rest := _code(pending[:-1]):
        raise SchemaError(f"incomplete SQL statement in a migration: {rest[:60]}")
    return found


def _code(sql: str) -> str:
    """The SQL text less whole-line comments and the final `;`."""
    lines = (line for line in sql.splitlines() if not line.strip().startswith("--"))
    return "\n".join(lines).strip().rstrip(";").strip()
