"""Datasette hooks for `warta serve`: stemmed search functions, read-only connections, links.

`warta serve` registers this module with Datasette's plugin manager itself
(warta/web.py), so it works in any install without a reinstall for entry points;
the hooks only touch the database served as DATABASE ("warta"). warta/web.py
imports this module, never the other way round.

- prepare_connection: SQL functions `warta_stem_query(q)` (an FTS5 query over
  the stemmed index `articles_fts_stem`) and `warta_snippet(q, body, summary,
  title)` (a passage of the original text around the first stemmed match),
  and `PRAGMA query_only` on every connection, so even Datasette's write
  connection cannot change the archive.
  Each connection also gets SQLite length limits, a row factory that stops a
  result growing past RESULT_BYTES, and warta's functions stop at the
  query's time limit (see QueryGuard): Python functions run outside the
  reach of Datasette's progress handler, which only acts between SQLite
  instructions.
- render_cell: original URLs open the outlet's page; `archived` ids link to the
  stored row; `body_hash` links to the story's copies; search snippets are highlighted.
- extra_body_script: the column descriptions fold into "What the columns mean"; a
  row page shows one field per line (progressive: without JS it is Datasette's table).
- asgi_wrapper: the article and raw page lists leave out `body` and `html`
  unless the request chooses columns itself (`_col` / `_nocol`, or "Show all
  columns" in a column's menu); their CSV exports keep them.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from datasette import hookimpl
from markupsafe import Markup, escape

from storage.stemming import WORD, QueryTooLong, stem_query, stem_word
from storage.stemming import snippet as stem_snippet

DATABASE = "warta"  # the archive's name in every URL, whatever its file is called
HIGHLIGHT = ("[", "]")  # as the CLI marks matches, so JSON and CSV read the same
MARKED = re.compile(r"\[([^\[\]\s]+)\]")

# Huge columns left out of the list views, by format: HTML lists (and JSON lists of raw
# pages: base64 blobs) leave them out; CSV exports and row pages keep everything.
HIDDEN_BY_DEFAULT = {
    "articles": (("body",), ("",)),
    "raw_pages": (("html",), ("", ".json")),
}
# Marks `_nocol`s added here rather than chosen, so that the page's CSV link still
# exports them and the column menu's "Show all columns" still shows them.
MARKER = "_warta_hidden"
TABLE_PAGE = re.compile(rf"/{DATABASE}/(\w+?)(\.json|\.csv)?")
URL_COLUMNS = {"url", "original"}
URL_SCHEMES = ("http://", "https://")

# Size limits of the web view. A stored value is at most a downloaded page (the
# crawler's DOWNLOAD_MAXSIZE is 20 MB), so no archived value is refused.
MAX_VALUE_BYTES = 24 * 1024 * 1024  # SQLITE_LIMIT_LENGTH: any string or blob
MAX_SQL_BYTES = 100_000  # SQLITE_LIMIT_SQL_LENGTH: one statement's text
MAX_COLUMNS = 200  # SQLITE_LIMIT_COLUMN: columns of a result, table or index
RESULT_BYTES = 48 * 1024 * 1024  # the strings and blobs of one query's result, together
MAX_TEXT_CHARS = 2_000_000  # a text warta_snippet scans (an article body is ~10 KB)
CHECK_EVERY = 64  # words between time checks in a scan


class GuardTripped(Exception):
    """Raised inside a SQL function or row factory; QueryGuard turns it into a SQL error."""


class QueryGuard(threading.local):
    """The limits of the query running on this thread: a deadline and a result budget.

    Datasette runs each query in a worker thread through Database.execute_fn, which
    warta's database class wraps in `running()`; the functions and the row factory
    below consult the guard of their thread.
    """

    deadline: float | None = None
    budget: int = RESULT_BYTES
    reason: str | None = None

    def running(
        self, fn: Callable[[sqlite3.Connection], Any], limit_ms: int
    ) -> Callable[[sqlite3.Connection], Any]:
        def guarded(conn: sqlite3.Connection) -> Any:
            self.deadline, self.budget, self.reason = (
                time.perf_counter() + limit_ms / 1000,
                RESULT_BYTES,
                None,
            )
            try:
                return fn(conn)
            except GuardTripped as exc:  # from the row factory, outside SQLite
                raise sqlite3.OperationalError(str(exc)) from None
            except sqlite3.Error as exc:
                # SQLite reports a Python function's exception as "user-defined function
                # raised exception"; say which limit it was instead
                if self.reason:
                    raise sqlite3.OperationalError(self.reason) from exc
                raise
            finally:
                self.deadline = None

        return guarded

    def trip(self, reason: str) -> GuardTripped:
        self.reason = reason
        return GuardTripped(reason)

    def check_time(self) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise self.trip("interrupted: the query ran past the web view's time limit")

    def charge(self, values: tuple) -> None:
        size = sum(len(v) for v in values if isinstance(v, str | bytes))
        self.budget -= size
        if self.budget < 0:
            raise self.trip(
                f"result too large: more than {RESULT_BYTES // 2**20} MB; "
                "select fewer rows or columns, or shorter values (substr)"
            )


GUARD = QueryGuard()


def guarded_row(cursor: sqlite3.Cursor, values: tuple) -> sqlite3.Row:
    """Datasette's sqlite3.Row, counted against the query's result budget."""
    GUARD.charge(values)
    return sqlite3.Row(cursor, values)


def warta_stem_query(query: str | None) -> str:
    """The FTS5 query for the stemmed index; an empty one matches nothing (not an error)."""
    stemmed, _ = _stem_query(query)
    return stemmed if stemmed.strip() else '""'


def warta_snippet(
    query: str | None, body: str | None, summary: str | None, title: str | None
) -> str:
    """About 24 words of the original text around the first word sharing a stem with the query.

    FTS5's snippet() would show the stemmed index's text; this reads the article's
    own body, else its summary, else its title, with matches in [brackets].
    """
    _, stems = _stem_query(query)
    for text in (body, summary, title):
        if text and len(text) > MAX_TEXT_CHARS:
            raise GUARD.trip(f"warta_snippet: a text longer than {MAX_TEXT_CHARS} characters")
    for text in (body, summary):
        if text and _has_stem(text, stems):
            return stem_snippet(text, stems, HIGHLIGHT)
    return stem_snippet(title or "", stems, HIGHLIGHT)


def _stem_query(query: str | None) -> tuple[str, set[str]]:
    GUARD.check_time()
    try:
        return stem_query(query or "")
    except QueryTooLong as exc:
        raise GUARD.trip(str(exc)) from None


def _has_stem(text: str, stems: set[str]) -> bool:
    """Whether a word of the text shares a stem with the query, within the time limit.

    Each new word costs Sastrawi about a millisecond: a long text of junk words
    would otherwise hold the worker thread (and the GIL) long past the limit.
    """
    for index, match in enumerate(WORD.finditer(text.lower())):
        if index % CHECK_EVERY == 0:
            GUARD.check_time()
        if stem_word(match.group()) in stems:
            return True
    return False


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str) -> None:
    if database != DATABASE:
        return
    # deterministic: called with a constant (the :q parameter), SQLite may run it once
    conn.create_function("warta_stem_query", 1, warta_stem_query, deterministic=True)
    conn.create_function("warta_snippet", 4, warta_snippet, deterministic=True)
    # Datasette opens files with mode=ro already, except its lazily opened write
    # connection: query_only makes that one refuse writes too.
    conn.execute("PRAGMA query_only = 1")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS)
    conn.row_factory = guarded_row  # Datasette set sqlite3.Row; this counts, then makes one


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    if database != DATABASE or not isinstance(value, str | int) or value == "":
        return None
    if column in URL_COLUMNS and isinstance(value, str) and value.startswith(URL_SCHEMES):
        # in query results the host is label enough; the title shows the whole URL
        label = (urlsplit(value).hostname or value) + " ↗" if column == "original" else value
        # noreferrer: the outlet need not learn where its article was read from
        return Markup(
            f'<a href="{escape(value)}" class="warta-original" rel="noopener noreferrer" '
            f'title="{escape(value)}">{escape(label)}</a>'
        )
    if column == "archived" and table is None and isinstance(value, int):
        href = datasette.urls.row(DATABASE, "articles", str(value))
        return Markup(f'<a href="{escape(href)}" class="warta-archived">archived #{value}</a>')
    if column == "body_hash" and table == "articles" and _has(row, "id"):
        href = datasette.urls.database(DATABASE) + f"/copies?article_id={int(row['id'])}"
        return Markup(
            f'<a href="{escape(href)}" title="articles with this text">{escape(value)}</a>'
        )
    if column == "snippet" and table is None:
        return Markup(MARKED.sub(r"<mark>\1</mark>", str(escape(value))))
    if column == "body" and table == "articles":
        # keep the blank lines between paragraphs on the row page
        return Markup(f'<div style="white-space: pre-wrap">{escape(value)}</div>')
    return None


def _has(row: Any, key: str) -> bool:
    try:
        return row[key] is not None
    except (IndexError, KeyError):
        return False


# Datasette lists every column description above the table, pushing the rows off the
# first screen: fold the list into a <details> (the headers' menus still show them).
FOLD_DESCRIPTIONS = """
const list = document.querySelector("dl.column-descriptions");
if (list) {
  const details = document.createElement("details");
  details.className = "warta-columns";
  const summary = document.createElement("summary");
  summary.textContent = "What the columns mean";
  list.replaceWith(details);
  details.append(summary, list);
}
"""


# A row page is one wide table row: an article's body ends up in a narrow column far to
# the right. Turn it into a record, one field per line, so the archived copy reads.
ROW_AS_RECORD = """
const row = document.querySelector("body.row table.rows-and-columns");
if (row) {
  const names = [...row.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  const record = document.createElement("dl");
  record.className = "warta-record";
  row.querySelectorAll("tbody tr:first-child td").forEach((td, i) => {
    const name = document.createElement("dt");
    name.textContent = names[i];
    const value = document.createElement("dd");
    value.className = td.className;
    value.append(...td.childNodes);
    record.append(name, value);
  });
  const style = document.createElement("style");
  style.textContent = `dl.warta-record { display: grid; grid-template-columns: max-content 1fr;
    gap: 0.4em 1.5em; } dl.warta-record dt { font-weight: bold; }
    dl.warta-record dd { margin: 0; max-width: 50em; }`;
  document.head.append(style);
  (row.closest(".table-wrapper") || row).replaceWith(record);
}
"""


@hookimpl
def extra_body_script(database: str | None, view_name: str) -> str | None:
    if database != DATABASE:
        return None
    return {"table": FOLD_DESCRIPTIONS, "row": ROW_AS_RECORD}.get(view_name)


# ASGI's callables, as far as the wrapper below needs them
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(app: ASGIApp) -> ASGIApp:
        async def hide_huge_columns(scope: Scope, receive: Receive, send: Send) -> None:
            if scope.get("type") == "http":
                scope = with_hidden_columns(scope)
            await app(scope, receive, send)

        return hide_huge_columns

    return wrap


def with_hidden_columns(scope: dict) -> dict:
    """The request with `_nocol=` for the table's huge columns, unless it picks columns."""
    match = TABLE_PAGE.fullmatch(scope.get("path", ""))
    if not match or match[1] not in HIDDEN_BY_DEFAULT:
        return scope
    columns, formats = HIDDEN_BY_DEFAULT[match[1]]
    hides = (match[2] or "") in formats
    query = scope.get("query_string", b"")
    args = parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True)
    added = {c for key, value in args if key == MARKER for c in value.split(",")}
    if added and not hides:  # e.g. the CSV link of a list that hid them
        kept = [(k, v) for k, v in args if k != MARKER and not (k == "_nocol" and v in added)]
        return {**scope, "query_string": urlencode(kept).encode()}
    if not hides or any(k in ("_col", "_nocol", "_format", MARKER) for k, _ in args):
        return scope
    extra = urlencode([*(("_nocol", c) for c in columns), (MARKER, ",".join(columns))]).encode()
    return {**scope, "query_string": query + b"&" + extra if query else extra}
