"""`warta history URL`: an article's versions as the archive kept them, with readable diffs."""

from __future__ import annotations

import difflib
import json

# Fields compared between versions, in the order they are shown.
FIELDS = ("title", "summary", "authors", "editors", "published_at", "modified_at", "tags", "body")


def render_history(versions: list[dict]) -> str:
    """Each version's header, then a unified diff of what changed from the one before."""
    lines: list[str] = []
    previous: dict | None = None
    for number, version in enumerate(versions, start=1):
        label = "current" if number == len(versions) else version.get("reason", "")
        lines.append(
            f"version {number} ({label}) fetched {version.get('fetched_at') or '?'}"
            f"  modified_at {version.get('modified_at') or '-'}"
            # the WARC record its fetch came from (storage/warc.py); none for pre-WARC rows
            f"  warc {version.get('warc_record_id') or '-'}"
        )
        if previous is None:
            lines.append(f"  title: {version['title']}")
        else:
            lines.extend(_diff(previous, version))
        previous = version
    return "\n".join(lines)


def _diff(old: dict, new: dict) -> list[str]:
    changed: list[str] = []
    for field in FIELDS:
        before, after = _lines(old.get(field)), _lines(new.get(field))
        if before == after:
            continue
        changed.extend(
            difflib.unified_diff(
                before, after, f"{field} (before)", f"{field} (after)", lineterm="", n=1
            )
        )
    return changed or ["  (no change in the compared fields)"]


def _lines(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [json.dumps(item, ensure_ascii=False) for item in value]
    return str(value).split("\n\n") if "\n\n" in str(value) else [str(value)]
