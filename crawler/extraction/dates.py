"""Indonesian dates as news pages write them, parsed with a few regexes.

Handles what regional outlets print on article and listing pages:

- named months, Indonesian or English, full or abbreviated, with or without a
  day name: "Jum'at, 7 November 2025 15:30 WIB", "Sabtu, 08 Oct 2016",
  "7 Nop 2025 pukul 14.30 WITA";
- day-first numeric dates: "07/11/2025, 15:30 WIB" (03/08/2026 is 3 August),
  also inside "Kompas.com, 07/11/2025, 15:30 WIB - Diperbarui 07/11/2025, 18:02 WIB";
- ISO 8601 with or without an offset: "2025-11-07T15:30:00+07:00";
- relative listing times: "17 menit lalu", "3 jam yang lalu", "kemarin";
- metas an outlet fills with its own wall-clock time (`parse_wall_clock`):
  "2022/12/10 13:19:56", detik's "2022-12-10T13-19-56Z" and "2015-11-05 T10:08:58Z"
  (the Z is bogus: the value is WIB), and epoch seconds or milliseconds.

Zones: WIB = +07:00, WITA = +08:00, WIT = +09:00, explicit offsets as given;
a date without a zone gets `default_tz` (WIB). Results are aware datetimes in
the offset the text states. Spiders call these on every listing item, so this
module is standalone and avoids `dateparser` (orders of magnitude slower).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import NamedTuple

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))
WIT = timezone(timedelta(hours=9))
_ZONES = {"wib": WIB, "wita": WITA, "wit": WIT}

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "januari january jan",
        "februari pebruari february feb peb",
        "maret march mar",
        "april apr",
        "mei may",
        "juni june jun",
        "juli july jul",
        "agustus august agu agt ags agus aug",
        "september sep sept",
        "oktober october okt oct",
        "november nopember nov nop",
        "desember december des dec",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

# An optional time after a date: "15:30", ", 15.30", "| 15:30:05", "pukul 14.30",
# "3:30 PM", "at 06:25" (Liputan6: "18 Jun 2015 at 06:25 WIB").
_TIME = r"""
    (?:[\s,|/()\-–—]*(?:pukul|pkl\.?|jam|at)?\s*
       (?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?!\d)
       (?:[:.](?P<second>\d{2})(?!\d))?
       (?:\s*(?P<ampm>[ap]\.?m)\b\.?)?
    )?"""
# An optional zone after it: WIB/WITA/WIT, "GMT+7", "UTC+07:00", "+07:00", "+0700", "Z".
_ZONE = r"""
    (?:\s*(?:
        (?P<zone>wita|wit|wib)\b
      | (?:gmt|utc)\s*(?P<gmt>[+-]\d{1,2}(?::?\d{2})?)?
      | (?P<offset>[+-]\d{2}:?\d{2})(?!\d)
      | (?P<zulu>z)\b
    ))?"""
_FLAGS = re.IGNORECASE | re.VERBOSE

_ISO = re.compile(
    r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T\s](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?" + _ZONE,
    _FLAGS,
)
_NUMERIC = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})[/.\-](?P<month>\d{1,2})[/.\-](?P<year>\d{4}|\d{2})(?!\d)"
    + _TIME
    + _ZONE,
    _FLAGS,
)
_DAY_MONTH = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})(?:\s*-\s*|\s+)(?P<monthname>[a-z]{3,9})\.?,?(?:\s*-\s*|\s+)"
    r"(?P<year>\d{4})(?!\d)" + _TIME + _ZONE,
    _FLAGS,
)
_MONTH_DAY = re.compile(
    r"\b(?P<monthname>[a-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>\d{4})(?!\d)" + _TIME + _ZONE,
    _FLAGS,
)
_RELATIVE = re.compile(
    r"(?:\b(?P<count>\d+)\s*|\bse)"
    r"(?P<unit>detik|menit|jam|hari|minggu|pekan|bulan|tahun"
    r"|seconds?|secs?|minutes?|mins?|hours?|days?|weeks?|months?|years?)"
    r"\s+(?:yang\s+)?(?:lalu|ago)\b",
    _FLAGS,
)
_RELATIVE_DAY = re.compile(
    r"\b(?P<word>kemarin|yesterday|hari\s+ini|today|baru\s+saja|just\s+now)\b" + _TIME,
    _FLAGS,
)
_ABSOLUTE = (_ISO, _NUMERIC, _DAY_MONTH, _MONTH_DAY)

_UNIT_SECONDS = {
    "detik": 1, "second": 1, "sec": 1,
    "menit": 60, "minute": 60, "min": 60,
    "jam": 3600, "hour": 3600,
    "hari": 86400, "day": 86400,
    "minggu": 7 * 86400, "pekan": 7 * 86400, "week": 7 * 86400,
    "bulan": 30 * 86400, "month": 30 * 86400,
    "tahun": 365 * 86400, "year": 365 * 86400,
}  # fmt: skip
# "Diperbarui 07/11/2025, 18:02 WIB": what follows is the modification time.
_MODIFIED_MARKER = re.compile(
    r"\b(?:diperbarui|diperbaharui|diupdate|update[d]?|terakhir\s+diubah)\b", re.IGNORECASE
)


class _Found(NamedTuple):
    start: int
    end: int
    value: datetime


def parse_id_datetime(
    text: str | None,
    *,
    default_tz: tzinfo = WIB,
    now: datetime | None = None,
) -> datetime | None:
    """The first date (and time) written in `text` as an aware datetime, or None.

    `now` anchors relative times ("3 jam lalu"); it defaults to the current time.
    """
    for found in _scan(text, default_tz, now):
        return found.value
    return None


def find_id_datetimes(
    text: str | None, *, default_tz: tzinfo = WIB, now: datetime | None = None
) -> list[datetime]:
    """Every date written in `text`, in order of appearance."""
    return [found.value for found in _scan(text, default_tz, now)]


def parse_published_modified(
    text: str | None, *, default_tz: tzinfo = WIB
) -> tuple[datetime | None, datetime | None]:
    """(published, modified) from a byline like Kompas's read__time.

    "Kompas.com, 07/11/2025, 15:30 WIB - Diperbarui 07/11/2025, 18:02 WIB" gives
    both; without a "Diperbarui"/"Update" part, modified is None.
    """
    if not text:
        return None, None
    marker = _MODIFIED_MARKER.search(text)
    if marker is None:
        return parse_id_datetime(text, default_tz=default_tz), None
    published = parse_id_datetime(text[: marker.start()], default_tz=default_tz)
    modified = parse_id_datetime(text[marker.end() :], default_tz=default_tz)
    return published, modified


# Kompas's own name for it, as the crawler's spiders know it.
parse_kompas_time = parse_published_modified


def parse_iso_datetime(value: str | None, *, default_tz: tzinfo = WIB) -> datetime | None:
    """An ISO 8601 value from structured data (JSON-LD, meta, `<time datetime>`).

    Falls back to the visible-text parser for the odd CMS that writes
    "07/11/2025 15:30" into a datetime attribute.
    """
    if not value:
        return None
    value = value.strip()
    match = _ISO.match(value)
    if match:
        built = _build(match, default_tz)
        if built is not None:
            return built
    return parse_id_datetime(value, default_tz=default_tz)


# A wall-clock date and time (a date alone is not exact: no match) as outlets write them
# into metas: "-" or "/" between date
# parts, "T" or a space (or both: "2015-11-05 T10:08:58") before the time, ":" or "-"
# (detik's "13-19-56") between time parts. Whatever follows (a zone, "Z") is ignored.
_WALL_CLOCK = re.compile(
    r"^\s*(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"
    r"\s*[T\s]\s*(?P<hour>\d{1,2})[:\-.](?P<minute>\d{2})(?:[:\-.](?P<second>\d{2}))?",
    re.IGNORECASE,
)
_EPOCH = re.compile(r"^\s*(?P<digits>\d{9,13})\s*$")
_EPOCH_MILLISECONDS = 10**11  # beyond this a count is milliseconds (year 5138 in seconds)


def parse_wall_clock(value: str | None, *, local_tz: tzinfo = WIB) -> datetime | None:
    """A meta value the outlet writes in its own wall-clock time, as an aware datetime.

    Epoch counts (seconds or milliseconds, told apart by size) are instants and
    come back in `local_tz`. Anything else is read as `local_tz` wall-clock time
    whatever zone it claims: detik writes WIB times with a trailing "Z"
    ("2022-12-10T13-19-56Z"), so trusting the Z would shift them seven hours.
    """
    if not value:
        return None
    epoch = _EPOCH.match(value)
    if epoch:
        count = int(epoch.group("digits"))
        seconds = count / 1000 if count >= _EPOCH_MILLISECONDS else count
        try:
            return datetime.fromtimestamp(seconds, UTC).astimezone(local_tz)
        except (OverflowError, OSError, ValueError):
            return None
    match = _WALL_CLOCK.match(value)
    if match is None:
        return None
    return _build(match, local_tz, ignore_zone=True)


def _scan(text: str | None, default_tz: tzinfo, now: datetime | None) -> Iterator[_Found]:
    """Yield the dates in `text` in order, skipping overlapping candidates."""
    if not text:
        return
    candidates: list[tuple[int, int, re.Match, str]] = []
    for pattern in _ABSOLUTE:
        candidates.extend((m.start(), -m.end(), m, "absolute") for m in pattern.finditer(text))
    for pattern, kind in ((_RELATIVE, "relative"), (_RELATIVE_DAY, "day")):
        candidates.extend((m.start(), -m.end(), m, kind) for m in pattern.finditer(text))
    candidates.sort(key=lambda c: (c[0], c[1]))
    consumed = 0
    for start, neg_end, match, kind in candidates:
        if start < consumed:
            continue
        if kind == "absolute":
            value = _build(match, default_tz)
        else:
            value = _relative(match, kind, default_tz, now)
        if value is not None:
            consumed = -neg_end
            yield _Found(start, -neg_end, value)


def _build(match: re.Match, default_tz: tzinfo, *, ignore_zone: bool = False) -> datetime | None:
    """A datetime from a match of one of the absolute patterns, or None if invalid."""
    groups = match.groupdict()
    if groups.get("monthname") is not None:
        month = MONTHS.get(groups["monthname"].lower())
        if month is None:
            return None
    else:
        month = int(groups["month"])
    year = int(groups["year"])
    if year < 100:  # "07/11/25"
        year += 2000
    try:
        day = datetime(year, month, int(groups["day"]))
    except ValueError:
        return None
    hour, minute, second = _time_of(groups)
    tz = (None if ignore_zone else _zone_of(groups)) or default_tz
    return day.replace(hour=hour, minute=minute, second=second, tzinfo=tz)


def _time_of(groups: dict) -> tuple[int, int, int]:
    """(hour, minute, second) from a match; midnight when absent or impossible."""
    if groups.get("hour") is None:
        return 0, 0, 0
    hour, minute = int(groups["hour"]), int(groups["minute"])
    second = int(groups["second"] or 0)
    ampm = (groups.get("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return 0, 0, 0
    return hour, minute, second


def _zone_of(groups: dict) -> tzinfo | None:
    if groups.get("zone"):
        return _ZONES[groups["zone"].lower()]
    if groups.get("zulu"):
        return UTC
    offset = groups.get("offset") or groups.get("gmt")
    if offset:
        return _offset_tz(offset)
    return None


def _offset_tz(offset: str) -> tzinfo | None:
    """ "+07:00", "+0700", "+7" → a fixed-offset timezone."""
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "0")
    try:
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(sign * delta)
    except ValueError:
        return None


def _relative(
    match: re.Match, kind: str, default_tz: tzinfo, now: datetime | None
) -> datetime | None:
    """Resolve "3 jam lalu", "kemarin 15:30", "baru saja" against `now`."""
    if now is None:
        now = datetime.now(default_tz)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=default_tz)
    groups = match.groupdict()
    if kind == "relative":
        unit = groups["unit"].lower()
        seconds = _UNIT_SECONDS.get(unit) or _UNIT_SECONDS.get(unit.rstrip("s"), 0)
        count = int(groups["count"]) if groups["count"] else 1  # "sejam" = one hour
        return now - timedelta(seconds=seconds * count)
    word = " ".join(groups["word"].lower().split())
    if word in ("baru saja", "just now"):
        return now
    day = now - timedelta(days=1) if word in ("kemarin", "yesterday") else now
    if groups.get("hour") is None:
        return day
    hour, minute, second = _time_of(groups)
    return day.replace(hour=hour, minute=minute, second=second, microsecond=0)
