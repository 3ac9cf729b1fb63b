"""The archive file: one SQLite file (WAL mode) holding articles, their raw pages,
the URLs that led to them, and the crawl runs.

This is the core every storage module builds on: opening, batched writes, the
article write path and reads of single articles. `storage.archive.Archive` adds
search, export, stats, health, runs and locks on top (the facade), so that those
modules can take an `ArchiveCore` without importing the facade back.

Writers batch rows into short transactions (a few hundred milliseconds at
most) so that researchers can read, and other crawls can write, while a crawl
runs. `Archive.store()` is the single write path for articles: it decides
whether a row is new, updated, unchanged or an exact duplicate of another.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from storage.columns import CONTENT_COLUMNS, EXTRACTION, JSON_COLUMNS, ROW_COLUMNS
from storage.neardup import NearDuplicateIndex, day_of, signature
from storage.opening import (
    ArchiveError,
    check_header,
    connect_readonly,
    damaged_message,
    enable_wal,
    is_damage,
    note_checked,
    probe_write,
    quick_check,
    refuse_foreign,
    unchanged_since_check,
    unwritable,
)
from storage.schema import SchemaError, migrate
from storage.stemming import stem_text
from storage.warc import WarcPointer, default_warc_dir, read_payload

if TYPE_CHECKING:
    import sqlite_utils

DEFAULT_DB = "warta.db"
_IDS_PER_QUERY = 500  # ids bound in one IN (…): well under SQLite's variable limit


@dataclass
class StoreResult:
    outcome: str  # new | updated | unchanged | duplicate
    article_id: int


def default_db_path() -> str:
    return os.environ.get("WARTA_DB") or DEFAULT_DB


def utc_now() -> str:
    return iso_utc(datetime.now(UTC))


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC ending in Z, seconds precision (the archive's time format)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def body_hash(body: str) -> str:
    """The exact-duplicate key of an article body."""
    return hashlib.sha1(body.encode("utf-8")).hexdigest()


def encode_headers(headers: dict[str, str]) -> bytes:
    """Response headers as stored: JSON, zlib-compressed like the page (a BLOB).

    Pages archived before warta compressed them hold the JSON text; decode_headers
    reads both. Compressed, a hostile site's repetitive headers take little room
    (and the crawler caps them anyway: crawler/middlewares.py).
    """
    return zlib.compress(json.dumps(headers, ensure_ascii=False).encode("utf-8"), 6)


def decode_headers(value: bytes | str) -> dict[str, str]:
    """A raw page's stored headers: compressed JSON (bytes) or, from older rows, JSON text."""
    if isinstance(value, bytes):
        value = zlib.decompress(value).decode("utf-8")
    return json.loads(value)


class FencedOut(RuntimeError):
    """A write of a crawl whose source lock another crawl took over (storage/runs.py)."""


class ArchiveCore:
    """An open archive file. Not thread-safe: one per process (or per crawler)."""

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        readonly: bool = False,
        batch_size: int = 200,
        batch_seconds: float = 0.5,
        warc_dir: str | os.PathLike | None = None,
    ) -> None:
        self.path = Path(path or default_db_path())
        # where raw_pages' WARC pointers point (storage/warc.py)
        self.warc_dir = Path(warc_dir) if warc_dir else default_warc_dir(self.path)
        self.readonly = readonly
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self._pending = 0
        self._batch_started = 0.0
        # called in each write batch's transaction before its first write: the crawl's
        # lock fence (storage/runs.py) checks there that its runs still hold their locks
        self.before_batch: Callable[[], None] | None = None
        self.fenced_out: set[str] = set()  # sources whose crawl here lost its lock
        # called before each commit: a WARC writer makes the records that rows of the
        # batch point at durable first, so no committed row points at a lost record
        self.before_commit: list[Callable[[], None]] = []
        # asked for the pointer of a page that comes without one, only when the page is
        # kept: a WARC import copies the page's record into the WARC folder there, so a
        # page the store does not keep (unchanged, duplicate) costs no copy
        self.page_pointer: Callable[[Any], WarcPointer | None] | None = None
        # as the file was before this connection wrote anything (see verify_intact)
        self._known_intact = not readonly and unchanged_since_check(self.path)
        self.conn = self._connect()
        self.near_duplicates = NearDuplicateIndex(self.conn)

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the archive's connection (imported when first asked for:
        the write path never needs it, and its import costs every process start)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    # -- opening -------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise ArchiveError(f"{self.path} is a folder, not an archive file")
        if self.readonly:
            from storage.schema import SCHEMA_VERSION

            # refuse from the header first: SQLite would create -wal/-shm files beside it
            check_header(self.path, SCHEMA_VERSION)
            try:
                conn = connect_readonly(self.path)
            except sqlite3.DatabaseError as exc:
                raise ArchiveError(self._open_error(exc)) from None
        else:
            if self.path.parent and not self.path.parent.exists():
                raise ArchiveError(f"cannot create archive {self.path}: folder does not exist")
            if why := unwritable(self.path):  # SQLite would open it and fail at the first write
                raise ArchiveError(f"cannot write to archive {self.path}: {why}")
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            except sqlite3.Error as exc:
                raise ArchiveError(self._open_error(exc, "cannot open archive")) from None
            try:
                self._refuse_newer(conn)  # before WAL mode rewrites a newer warta's file header
                refuse_foreign(conn, self.path)  # nor another application's database
                probe_write(conn, self.path)  # a file we may not write opens read-only
                enable_wal(conn)  # retried while another process creating it holds a lock
            except ArchiveError:
                conn.close()
                raise
            except sqlite3.Error as exc:
                conn.close()
                raise ArchiveError(self._open_error(exc, "cannot open archive")) from None
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            if not self.readonly:
                # Each article touches ~35 scattered index pages: checkpoint the WAL every
                # ~40 MB rather than every 4 MB, so a page changed by many commits is copied
                # back once (measured: commits cost most of a crawl into a big archive).
                conn.execute("PRAGMA wal_autocheckpoint=10000")
                conn.execute("PRAGMA journal_size_limit=67108864")
            conn.execute("PRAGMA recursive_triggers=ON")
            self._check_schema(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ArchiveError(self._open_error(exc)) from None
        return conn

    def _open_error(self, exc: sqlite3.Error, prefix: str | None = None) -> str:
        """The one line for a SQLite error while opening: damage named as damage."""
        if is_damage(exc) and "not a database" not in str(exc):
            return damaged_message(self.path, exc)
        if prefix:
            return f"{prefix} {self.path}: {exc}"
        return f"{self.path} is not a warta archive: {exc}"

    def claim_origin(self, origin: str) -> None:
        """Mark the archive 'real' or 'replica' on its first crawl; refuse the other kind."""
        from storage.origin import claim_origin

        self.flush()
        claim_origin(self.conn, self.path, origin)

    def origin(self) -> str | None:
        """'real', 'replica', or None (never crawled since the mark existed)."""
        from storage.origin import archive_origin

        return archive_origin(self.conn)

    def verify_intact(self) -> None:
        """Refuse (ArchiveError) a file SQLite's quick_check finds damaged: run before writing.
        Skipped when the file is as a writer that knew it intact left it (storage/opening.py)."""
        if self._known_intact:
            return
        quick_check(self.conn, self.path)
        self._known_intact = True

    def _refuse_newer(self, conn: sqlite3.Connection) -> None:
        from storage.schema import SCHEMA_VERSION

        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            conn.close()
            raise ArchiveError(
                f"{self.path}: archive schema version {version} is newer than this warta "
                f"supports ({SCHEMA_VERSION}); upgrade warta"
            )

    def _check_schema(self, conn: sqlite3.Connection) -> None:
        try:
            if self.readonly:
                from storage.schema import SCHEMA_VERSION

                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise SchemaError(
                        f"archive schema version {version} is newer than this warta "
                        f"supports ({SCHEMA_VERSION}); upgrade warta"
                    )
                if version == 0:
                    raise SchemaError("file has no warta schema")
            else:
                migrate(conn)
        except SchemaError as exc:
            conn.close()
            raise ArchiveError(f"{self.path}: {exc}") from None

    def close(self) -> None:
        self.flush()
        self.conn.close()
        if self._known_intact:  # after SQLite's last checkpoint: the file as it stays
            note_checked(self.path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- batched writes --------------------------------------------------------

    def _begin(self) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self._batch_started = time.monotonic()
            self._pending = 0
            if self.before_batch is not None:
                self.before_batch()

    @contextmanager
    def _write_in_batch(self) -> Iterator[None]:
        """One write in the open batch (begun if none is); a SQLite error rolls the whole
        batch back and is an ArchiveError, so no half-written article is ever committed."""
        self._begin()
        try:
            yield
        except sqlite3.Error as exc:
            if self.conn.in_transaction:  # SQLite may have rolled back already (disk full)
                self.conn.execute("ROLLBACK")
            raise ArchiveError(f"cannot write to archive {self.path}: {exc}") from exc
        self._wrote()

    def _wrote(self) -> None:
        self._pending += 1
        if (
            self._pending >= self.batch_size
            or time.monotonic() - self._batch_started >= self.batch_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Commit the open batch, if any; a batch that cannot be committed is rolled back whole."""
        self._pending = 0
        if self.conn.in_transaction:
            try:
                for make_durable in self.before_commit:
                    make_durable()
            except OSError as exc:  # the WARC records cannot be kept: nor can the rows
                self.conn.execute("ROLLBACK")
                raise ArchiveError(f"cannot write WARC records for {self.path}: {exc}") from exc
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:  # disk full, say
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise ArchiveError(f"cannot write to archive {self.path}: {exc}") from exc

    def flush_if_stale(self) -> None:
        """Commit a batch that has been open too long (called on a timer by the crawler)."""
        if (
            self.conn.in_transaction
            and time.monotonic() - self._batch_started >= self.batch_seconds
        ):
            self.flush()

    # -- articles ----------------------------------------------------------------

    def has_url(self, url: str) -> bool:
        """Whether this URL (canonical or an alias) already led to an archived article."""
        row = self.conn.execute("SELECT 1 FROM url_aliases WHERE url = ?", (url,)).fetchone()
        return row is not None

    def _same_body(self, digest: str, source: str | None) -> int | None:
        """The article of the same source with exactly this body, if any.

        The same body at another outlet is a syndicated copy, not the same article:
        it keeps its own row and joins the story's cluster instead.
        """
        # Look up by hash alone: with "AND source = ?" SQLite may pick the (source, …)
        # index and scan a whole outlet for every stored article.
        rows = self.conn.execute("SELECT id, source FROM articles WHERE body_hash = ?", (digest,))
        return next((article_id for article_id, other in rows if other == source), None)

    def url_with_body(self, digest: str, source: str | None) -> str | None:
        """The URL of the same source's archived article with this body hash, if any."""
        article_id = self._same_body(digest, source)
        if article_id is None:
            return None
        return self.conn.execute("SELECT url FROM articles WHERE id = ?", (article_id,)).fetchone()[
            0
        ]

    def _cluster(
        self, article_id: int, values: Mapping[str, Any], first_seen: str, *, new: bool
    ) -> None:
        """Put a new article in its story's cluster; keep a revised one's signature current."""
        sig = signature(values.get("body") or "")
        day = day_of(values.get("published_at"), first_seen)
        if new:
            matches = self.near_duplicates.matches(sig, day, exclude=article_id) if sig else []
            self._join_clusters(article_id, [match_id for match_id, _ in matches])
        if sig is not None:
            self.near_duplicates.add(article_id, sig, day, new=new)

    def _join_clusters(self, article_id: int, matching: list[int]) -> None:
        """The story's original is its earliest copy; every member points at it."""
        if not matching:  # a story of its own (most articles): no other row changes
            self.conn.execute("UPDATE articles SET cluster_id = id WHERE id = ?", (article_id,))
            return
        clusters = (
            {
                row[0]
                for row in self.conn.execute(
                    f"SELECT coalesce(cluster_id, id) FROM articles WHERE id IN "
                    f"({','.join('?' * len(matching))})",
                    matching,
                )
            }
            if matching
            else set()
        )
        originals = [article_id, *clusters]
        original = self.conn.execute(
            f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(originals))}) "
            "ORDER BY published_at IS NULL, published_at, id LIMIT 1",
            originals,
        ).fetchone()[0]
        members = [article_id, *clusters]
        self.conn.execute(
            f"UPDATE articles SET cluster_id = ? WHERE id IN ({','.join('?' * len(members))}) "
            f"OR cluster_id IN ({','.join('?' * len(members))})",
            [original, *members, *members],
        )

    def add_alias(self, url: str, canonical: str) -> None:
        """Record that `url` led to the archived article at `canonical`."""
        self._begin()
        self.conn.execute(
            "INSERT OR IGNORE INTO url_aliases(url, article_id) "
            "SELECT ?, id FROM articles WHERE url = ?",
            (url, canonical),
        )
        self._wrote()

    def store(
        self,
        row: Mapping[str, Any],
        *,
        pages: Iterable[Any] = (),
        aliases: Iterable[str] = (),
        seen_at: str | None = None,
        reason: str = "recrawl",
    ) -> StoreResult:
        """Write one normalised article row; decide new/updated/unchanged/duplicate.

        `row` holds the article columns (lists already as Python lists);
        `pages` are the FetchedPage objects it was extracted from, kept as raw
        pages when the row is new or changed; `aliases` are further URLs that led
        to it (the fetched URL, for instance). When the row changes, its previous
        content is kept in `article_versions` with `reason` ("recrawl": the outlet
        revised it; "reparse": our extractor changed its reading).
        """
        seen_at = seen_at or utc_now()
        values = encode_row(row)
        self._begin()  # a new batch runs the lock fence (before_batch), which may fence out
        if values.get("source") in self.fenced_out:
            raise FencedOut(f"the crawl of {values['source']} lost its lock: not stored")
        with self._write_in_batch():
            result = self._store_in_batch(values, list(pages), seen_at, reason)
            for url in {values["url"], *aliases}:
                self.conn.execute(
                    "INSERT OR IGNORE INTO url_aliases(url, article_id) VALUES (?, ?)",
                    (url, result.article_id),
                )
        return result

    def _store_in_batch(
        self, values: dict[str, Any], pages: list, seen_at: str, reason: str
    ) -> StoreResult:
        cursor = self.conn.execute("SELECT * FROM articles WHERE url = ?", (values["url"],))
        existing = cursor.fetchone()
        if existing is None:
            same_body = self._same_body(values["body_hash"], values["source"])
            if same_body is not None:
                self._touch(same_body, seen_at)
                return StoreResult("duplicate", same_body)
            article_id = self._insert(values, seen_at)
            self._index_stems(article_id, values, new=True)
            self._cluster(article_id, values, seen_at, new=True)
            self._save_pages(article_id, pages)
            return StoreResult("new", article_id)
        current = dict(zip([d[0] for d in cursor.description], existing, strict=True))
        article_id = current["id"]
        if all(current[col] == values.get(col) for col in CONTENT_COLUMNS):
            self._touch(article_id, seen_at)
            return StoreResult("unchanged", article_id)
        self._keep_version(current, reason, seen_at)
        assignments = ", ".join(f"{col} = :{col}" for col in (*CONTENT_COLUMNS, EXTRACTION))
        self.conn.execute(
            f"UPDATE articles SET {assignments}, last_seen_at = :seen WHERE id = :id",
            {**values, "seen": seen_at, "id": article_id},
        )
        self._index_stems(article_id, values, new=False)
        self._cluster(article_id, values, current["first_seen_at"], new=False)
        self._save_pages(article_id, pages)
        return StoreResult("updated", article_id)

    def _keep_version(self, current: dict[str, Any], reason: str, superseded_at: str) -> None:
        """Copy the row as it is now into article_versions, with the fetch it came from."""
        fetch = self._latest_fetch(current["id"]) or (None, None)
        columns = (*CONTENT_COLUMNS, EXTRACTION)
        self.conn.execute(
            f"INSERT INTO article_versions (article_id, reason, raw_page_id, fetched_at, "
            f"superseded_at, {', '.join(columns)}) VALUES (:id, :reason, :raw_page_id, "
            f":fetched_at, :superseded_at, {', '.join(':' + c for c in columns)})",
            {
                **current,
                "reason": reason,
                "raw_page_id": fetch[0],
                "fetched_at": fetch[1],
                "superseded_at": superseded_at,
            },
        )

    def _latest_fetch(self, article_id: int) -> tuple[int, str] | None:
        """(raw page id, fetched_at) of the first page of the article's latest fetch."""
        return self.conn.execute(
            "SELECT id, fetched_at FROM raw_pages WHERE article_id = ? AND page_no = 1 "
            "ORDER BY id DESC LIMIT 1",
            (article_id,),
        ).fetchone()

    def versions(self, article_id: int) -> list[dict[str, Any]]:
        """Every version of an article, oldest first; the last one is the current row.
        Each has the WARC record id of the fetch it came from (None: not in WARC)."""
        older = [
            decode_row(r)
            for r in self.db.query(
                "SELECT * FROM article_versions WHERE article_id = ? ORDER BY id", [article_id]
            )
        ]
        for version in older:
            version["warc_record_id"] = self._record_id(version.get("raw_page_id"))
        current = self.article(article_id)
        if current is not None:
            fetch = self._latest_fetch(article_id)
            current["fetched_at"] = fetch[1] if fetch else current["last_seen_at"]
            current["warc_record_id"] = self._record_id(fetch[0] if fetch else None)
            older.append(current)
        return older

    def _record_id(self, raw_page_id: int | None) -> str | None:
        """The WARC-Record-ID a raw page points at, if it points into WARC."""
        if raw_page_id is None:
            return None
        row = self.conn.execute(
            "SELECT warc_record_id FROM raw_pages WHERE id = ?", (raw_page_id,)
        ).fetchone()
        return row[0] if row else None

    def article_id_for(self, url: str) -> int | None:
        """The article a URL (canonical or alias) leads to."""
        row = self.conn.execute(
            "SELECT article_id FROM url_aliases WHERE url = ?", (url,)
        ).fetchone()
        return row[0] if row else None

    def _insert(self, values: dict[str, Any], seen_at: str) -> int:
        columns = ROW_COLUMNS
        cursor = self.conn.execute(
            f"INSERT INTO articles ({', '.join(columns)}, first_seen_at, last_seen_at) "
            f"VALUES ({', '.join(':' + c for c in columns)}, :seen, :seen)",
            {**values, "seen": seen_at},
        )
        return row_id(cursor)

    def _index_stems(self, article_id: int, values: Mapping[str, Any], *, new: bool) -> None:
        """Keep the stemmed FTS index in step with the row (triggers cannot stem)."""
        if not new:
            self.conn.execute("DELETE FROM articles_fts_stem WHERE rowid = ?", (article_id,))
        self.conn.execute(
            "INSERT INTO articles_fts_stem(rowid, title, summary, body) VALUES (?, ?, ?, ?)",
            (
                article_id,
                stem_text(values.get("title")),
                stem_text(values.get("summary")),
                stem_text(values.get("body")),
            ),
        )

    def _touch(self, article_id: int, seen_at: str) -> None:
        self.conn.execute(
            "UPDATE articles SET last_seen_at = ? WHERE id = ?", (seen_at, article_id)
        )

    def _save_pages(self, article_id: int, pages: list) -> None:
        """A page captured to WARC is stored as its pointer; any other as compressed html."""
        for page_no, page in enumerate(pages, start=1):
            pointer: WarcPointer | None = getattr(page, "warc", None)
            if pointer is None and self.page_pointer is not None:
                pointer = self.page_pointer(page)
            stored = (
                (None, pointer.file, pointer.offset, pointer.length)
                + (pointer.record_id, pointer.digest)
                if pointer is not None
                else (zlib.compress(page.body, 6), None, None, None, None, None)
            )
            self.conn.execute(
                "INSERT INTO raw_pages(article_id, page_no, url, status, headers, fetched_at, "
                "html, warc_file, warc_offset, warc_length, warc_record_id, warc_digest)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article_id,
                    page_no,
                    page.url,
                    page.status,
                    encode_headers(page.headers),
                    iso_utc(page.fetched_at),
                    *stored,
                ),
            )

    _RAW = "html, warc_file, warc_offset, warc_length, warc_record_id, warc_digest"

    def _raw_body(self, html: bytes | None, *pointer_columns: Any) -> bytes:
        """A raw page's body: through its WARC pointer, else its compressed html."""
        if pointer_columns[0] is not None:
            return read_payload(self.warc_dir, WarcPointer(*pointer_columns))
        if html is None:
            raise ArchiveError("a raw page has neither html nor a WARC pointer")
        return zlib.decompress(html)

    def warc_pointers(self, article_id: int) -> list[WarcPointer | None]:
        """The WARC pointer of each of an article's raw pages (None: stored in SQLite)."""
        rows = self.conn.execute(
            "SELECT warc_file, warc_offset, warc_length, warc_record_id, warc_digest "
            "FROM raw_pages WHERE article_id = ? ORDER BY id",
            (article_id,),
        )
        return [WarcPointer(*row) if row[0] is not None else None for row in rows]

    def note_capture(self, url: str, pointer: WarcPointer) -> None:
        """Record the response record a crawl wrote whole for a page that is not an
        article's (a listing page, robots.txt): its next unchanged fetch is a revisit."""
        with self._write_in_batch():
            self.conn.execute(
                "INSERT OR REPLACE INTO warc_captures(url, warc_file, warc_offset, "
                "warc_length, warc_record_id, warc_digest) VALUES (?, ?, ?, ?, ?, ?)",
                (url, pointer.file, pointer.offset, pointer.length)
                + (pointer.record_id, pointer.digest),
            )

    def latest_warc_pointer(self, url: str) -> WarcPointer | None:
        """The newest WARC record the archive points at for this URL (revisit check):
        a page's noted capture (`note_capture`), else an article page's raw page."""
        row = self.conn.execute(
            "SELECT warc_file, warc_offset, warc_length, warc_record_id, warc_digest "
            "FROM warc_captures WHERE url = ?",
            (url,),
        ).fetchone()
        if row:
            return WarcPointer(*row)
        row = self.conn.execute(
            "SELECT warc_file, warc_offset, warc_length, warc_record_id, warc_digest "
            "FROM raw_pages WHERE url = ? AND warc_digest IS NOT NULL ORDER BY id DESC LIMIT 1",
            (url,),
        ).fetchone()
        return WarcPointer(*row) if row else None

    def warc_file_names(self, article_id: int | None = None) -> list[str]:
        """The WARC files the raw pages (of one article, or all) point into, sorted."""
        where = "" if article_id is None else " AND article_id = ?"
        rows = self.conn.execute(
            f"SELECT DISTINCT warc_file FROM raw_pages WHERE warc_file IS NOT NULL{where} "
            "ORDER BY warc_file",
            () if article_id is None else (article_id,),
        )
        return [name for (name,) in rows]

    def warc_pointer_to(self, url: str, record_id: str) -> WarcPointer | None:
        """A raw page's pointer at this record of this URL, if the archive has one (an
        import reuses it rather than copying the record again)."""
        row = self.conn.execute(
            "SELECT warc_file, warc_offset, warc_length, warc_record_id, warc_digest "
            "FROM raw_pages WHERE url = ? AND warc_digest IS NOT NULL AND warc_record_id = ? "
            "LIMIT 1",
            (url, record_id),
        ).fetchone()
        return WarcPointer(*row) if row else None

    def raw_html(self, article_id: int) -> list[bytes]:
        """The raw pages of an article, in page order, as the spider got them."""
        rows = self.conn.execute(
            f"SELECT {self._RAW} FROM raw_pages WHERE article_id = ? ORDER BY id", (article_id,)
        ).fetchall()
        return [self._raw_body(*row) for row in rows]

    def raw_headers(self, article_id: int) -> list[dict[str, str]]:
        """The response headers of an article's raw pages, in page order (either storage)."""
        rows = self.conn.execute(
            "SELECT headers FROM raw_pages WHERE article_id = ? ORDER BY id", (article_id,)
        )
        return [decode_headers(value) for (value,) in rows]

    def article(self, article_id: int) -> dict[str, Any] | None:
        """One article row with JSON columns decoded."""
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        return decode_row(rows[0]) if rows else None

    def articles(self, ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """These articles (every article when `ids` is None), in id order, JSON decoded."""
        if ids is None:
            rows = self.db.query("SELECT * FROM articles ORDER BY id")
        else:
            wanted = sorted(set(ids))
            rows = (
                row
                for first in range(0, len(wanted), _IDS_PER_QUERY)
                for row in self.db.query(
                    "SELECT * FROM articles WHERE id IN "
                    f"({','.join('?' * len(wanted[first : first + _IDS_PER_QUERY]))}) "
                    "ORDER BY id",
                    wanted[first : first + _IDS_PER_QUERY],
                )
            )
        return [decode_row(r) for r in rows]

    def article_by_url(self, url: str) -> dict[str, Any] | None:
        """The article a URL (canonical or alias) leads to, JSON decoded."""
        article_id = self.article_id_for(url)
        return None if article_id is None else self.article(article_id)

    def article_count(self) -> int:
        """How many articles the archive holds."""
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def sources(self) -> list[str]:
        """The sources the archive holds articles of, sorted."""
        rows = self.conn.execute("SELECT DISTINCT source FROM articles ORDER BY source")
        return [source for (source,) in rows]

    def source_counts(self) -> dict[str, int]:
        """How many articles the archive holds of each source, sources sorted."""
        rows = self.conn.execute(
            "SELECT source, count(*) FROM articles GROUP BY source ORDER BY source"
        )
        return dict(rows.fetchall())

    def has_source(self, source: str) -> bool:
        """Whether the archive holds any article of this source (an index seek)."""
        row = self.conn.execute("SELECT 1 FROM articles WHERE source = ? LIMIT 1", (source,))
        return row.fetchone() is not None

    def latest_pages(self, article_id: int) -> list[tuple[bytes, str]]:
        """The article's latest fetch: its raw pages in order, as (html, url)."""
        rows = self.conn.execute(
            f"SELECT page_no, url, {self._RAW} FROM raw_pages WHERE article_id = ? ORDER BY id",
            (article_id,),
        ).fetchall()
        latest: list[tuple[bytes, str]] = []
        for page_no, url, *raw in rows:  # a later fetch starts again at page 1
            if page_no == 1:
                latest = []
            latest.append((self._raw_body(*raw), url))
        return latest

    # -- bulk loads (benchmarks) -----------------------------------------------------

    @contextmanager
    def bulk(self, *, foreign_keys: bool = True) -> Iterator[Callable[[], None]]:
        """One long write transaction for a bulk load; the yielded `commit()` ends it and
        begins the next. `foreign_keys=False` lets a benchmark fill an index (the
        near-duplicate one) without the article rows it would point at."""
        self.flush()
        if not foreign_keys:
            self.conn.execute("PRAGMA foreign_keys=OFF")

        def commit() -> None:
            self.conn.execute("COMMIT")
            self.conn.execute("BEGIN")

        self.conn.execute("BEGIN")
        try:
            yield commit
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            if not foreign_keys:
                self.conn.execute("PRAGMA foreign_keys=ON")

    def abandon(self) -> None:
        """Close without committing: the open batch failed and is rolled back."""
        self.conn.close()


def row_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just wrote."""
    if cursor.lastrowid is None:  # never after an INSERT; keeps the type an int
        raise RuntimeError("INSERT without a row id")
    return cursor.lastrowid


def encode_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """An article row's column values as stored (lists and dicts as JSON text)."""
    values = {col: row.get(col) for col in ROW_COLUMNS}
    for col in JSON_COLUMNS:
        values[col] = json.dumps(
            values[col] or ([] if col != EXTRACTION else {}), ensure_ascii=False
        )
    return values


def decode_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Decode the JSON columns of an article row into Python lists and dicts."""
    decoded = dict(row)
    for col in JSON_COLUMNS:
        if col in decoded and isinstance(decoded[col], str):
            decoded[col] = json.loads(decoded[col])
    return decoded
