"""Datasette hooks for `warta serve`: stemmed search functions, read-only connections, links.

`warta serve` registers this module with Datasette's plugin manager itself
(warta/web.py), so it works in any install without a reinstall for entry points;
the hooks only touch the database served as "warta".

- prepare_connection: SQL functions `warta_stem_query(q)` (an FTS5 query over
  the stemmed index `articles_fts_stem`) and `warta_snippet(q, body, summary,
  title)` (a passage of the original text around the first stemmed match),
  and `PRAGMA query_only` on every connection, so even Datasette's write
  connection cannot change the archive.
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
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from datasette import hookimpl
from markupsafe import Markup, escape

from storage.stemming import WORD, stem_query, stem_word
from storage.stemming import snippet as stem_snippet
from warta.web import DATABASE

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


def warta_stem_query(query: str | None) -> str:
    """The FTS5 query for the stemmed index; an empty one matches nothing (not an error)."""
    stemmed, _ = stem_query(query or "")
    return stemmed if stemmed.strip() else '""'


def warta_snippet(
    query: str | None, body: str | None, summary: str | None, title: str | None
) -> str:
    """About 24 words of the original text around the first word sharing a stem with the query.

    FTS5's snippet() would show the stemmed index's text; this reads the article's
    own body, else its summary, else its title, with matches in [brackets].
    """
    _, stems = stem_query(query or "")
    for text in (body, summary):
        if text and _has_stem(text, stems):
            return stem_snippet(text, stems, HIGHLIGHT)
    return stem_snippet(title or "", stems, HIGHLIGHT)


def _has_stem(text: str, stems: set[str]) -> bool:
    return any(stem_word(w) in stems for w in WORD.findall(text.lower()))


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


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    if database != DATABASE or not isinstance(value, str | int) or value == "":
        return None
    if column in URL_COLUMNS and str(value).startswith(("http://", "https://")):
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


@hookimpl
def asgi_wrapper(datasette: Any):
    def wrap(app):
        async def hide_huge_columns(scope, receive, send):
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
