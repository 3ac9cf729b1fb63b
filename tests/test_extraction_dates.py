"""Indonesian visible dates: table tests of the forms outlets print, and properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.extraction.dates import (
    find_id_datetimes,
    parse_id_datetime,
    parse_iso_datetime,
    parse_kompas_time,
)

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))
WIT = timezone(timedelta(hours=9))
NOW = datetime(2025, 11, 9, 1, 0, tzinfo=WIB)  # the replica's clock


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Named months, with day names, as article and index pages print them.
        ("Jumat, 7 November 2025 15:30 WIB", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        ("Jum'at, 7 November 2025 15:30 WIB", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        ("Jum’at, 07 Nov 2025 | 15:30 WIB", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        ("Jumat, 7 November 2025 15:30", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        ("Kamis, 23 Jul 2026 15:10 WIB", datetime(2026, 7, 23, 15, 10, tzinfo=WIB)),
        ("Senin, 03 November 2025 - 08:45 WIB", datetime(2025, 11, 3, 8, 45, tzinfo=WIB)),
        ("Rabu, 12 Agt 2025 pukul 14.30 WIB", datetime(2025, 8, 12, 14, 30, tzinfo=WIB)),
        ("12 Agu 2025 14.30", datetime(2025, 8, 12, 14, 30, tzinfo=WIB)),
        ("12 Ags 2025", datetime(2025, 8, 12, tzinfo=WIB)),
        ("12 Agustus 2025 10:00 WIT", datetime(2025, 8, 12, 10, 0, tzinfo=WIT)),
        ("Selasa, 4 Nop 2025 pukul 09.05 WITA", datetime(2025, 11, 4, 9, 5, tzinfo=WITA)),
        ("1 Okt 2025 07:00 WIB", datetime(2025, 10, 1, 7, 0, tzinfo=WIB)),
        ("24 Des 2025, 23:59 WIB", datetime(2025, 12, 24, 23, 59, tzinfo=WIB)),
        ("5 Sept 2025", datetime(2025, 9, 5, tzinfo=WIB)),
        ("5 Pebruari 2024", datetime(2024, 2, 5, tzinfo=WIB)),
        ("Minggu, 2 Maret 2025 pukul 06.00 WIB", datetime(2025, 3, 2, 6, 0, tzinfo=WIB)),
        ("SENIN, 3 NOVEMBER 2025 08:45 WIB", datetime(2025, 11, 3, 8, 45, tzinfo=WIB)),
        # Indonesian day, English month.
        ("Sabtu, 08 Oct 2016", datetime(2016, 10, 8, tzinfo=WIB)),
        ("Sabtu, 08 October 2016 10:11 WIB", datetime(2016, 10, 8, 10, 11, tzinfo=WIB)),
        ("Monday, 6 Aug 2018 06:30 PM", datetime(2018, 8, 6, 18, 30, tzinfo=WIB)),
        ("November 7, 2025 3:30 PM", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        # Day-first numeric dates.
        ("07/11/2025, 15:30 WIB", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        ("03/08/2026", datetime(2026, 8, 3, tzinfo=WIB)),  # 3 August, not 8 March
        ("Kompas.com, 03/08/2026, 17:53 WIB", datetime(2026, 8, 3, 17, 53, tzinfo=WIB)),
        ("Senin (3/11/2025) pukul 14.30 WIB", datetime(2025, 11, 3, 14, 30, tzinfo=WIB)),
        ("7-11-2025 15.30 WITA", datetime(2025, 11, 7, 15, 30, tzinfo=WITA)),
        ("7.11.25", datetime(2025, 11, 7, tzinfo=WIB)),
        # ISO 8601 and explicit offsets.
        ("2025-11-07T15:30:00+07:00", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        ("2025-11-07T15:30+07:00", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        ("2025-11-07T08:30:00Z", datetime(2025, 11, 7, 8, 30, tzinfo=UTC)),
        ("2025-11-07T15:30:00.123+0800", datetime(2025, 11, 7, 15, 30, tzinfo=WITA)),
        ("2025-11-07 15:30:00", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        ("2025-11-07", datetime(2025, 11, 7, tzinfo=WIB)),
        ("7 November 2025 15:30 GMT+7", datetime(2025, 11, 7, 15, 30, tzinfo=WIB)),
        # Relative listing times, against the replica's clock.
        ("17 menit lalu", NOW - timedelta(minutes=17)),
        ("3 jam lalu", NOW - timedelta(hours=3)),
        ("3 jam yang lalu", NOW - timedelta(hours=3)),
        ("2 hari lalu", NOW - timedelta(days=2)),
        ("sejam lalu", NOW - timedelta(hours=1)),
        ("30 detik lalu", NOW - timedelta(seconds=30)),
        ("1 minggu lalu", NOW - timedelta(days=7)),
        ("5 minutes ago", NOW - timedelta(minutes=5)),
        ("kemarin", NOW - timedelta(days=1)),
        ("Kemarin 15:30", datetime(2025, 11, 8, 15, 30, tzinfo=WIB)),
        ("hari ini 00.30", datetime(2025, 11, 9, 0, 30, tzinfo=WIB)),
        ("baru saja", NOW),
    ],
)
def test_parse_id_datetime(text, expected):
    parsed = parse_id_datetime(text, now=NOW)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()  # the original offset is kept


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Tayang:",
        "tidak ada tanggal",
        "32 November 2025",
        "7 Nopemberr 2025",
        "31/02/2025",
        "1.500 orang",
        "Rp 12.000",
    ],  # fmt: skip
)
def test_no_date(text):
    assert parse_id_datetime(text, now=NOW) is None


def test_impossible_time_keeps_the_date():
    assert parse_id_datetime("7 November 2025 25:99") == datetime(2025, 11, 7, tzinfo=WIB)


def test_default_tz_for_dates_without_zone():
    parsed = parse_id_datetime("7 November 2025 15:30", default_tz=WITA)
    assert parsed == datetime(2025, 11, 7, 15, 30, tzinfo=WITA)


def test_first_date_in_text_and_all_of_them():
    text = "Kompas.com, 03/08/2026, 17:53 WIB - Diperbarui 03/08/2026, 18:02 WIB"
    assert parse_id_datetime(text) == datetime(2026, 8, 3, 17, 53, tzinfo=WIB)
    assert find_id_datetimes(text) == [
        datetime(2026, 8, 3, 17, 53, tzinfo=WIB),
        datetime(2026, 8, 3, 18, 2, tzinfo=WIB),
    ]


@pytest.mark.parametrize(
    ("text", "published", "modified"),
    [
        (
            "Kompas.com, 07/11/2025, 15:30 WIB - Diperbarui 07/11/2025, 18:02 WIB",
            datetime(2025, 11, 7, 15, 30, tzinfo=WIB),
            datetime(2025, 11, 7, 18, 2, tzinfo=WIB),
        ),
        ("Kompas.com, 07/11/2025, 15:30 WIB", datetime(2025, 11, 7, 15, 30, tzinfo=WIB), None),
        (
            "Kompas.com - 07/11/2025, 15:30 WIB Diperbarui 08/11/2025, 09:00 WIB",
            datetime(2025, 11, 7, 15, 30, tzinfo=WIB),
            datetime(2025, 11, 8, 9, 0, tzinfo=WIB),
        ),
        ("", None, None),
    ],
)
def test_parse_kompas_time(text, published, modified):
    assert parse_kompas_time(text) == (published, modified)


def test_iso_values_from_structured_data():
    assert parse_iso_datetime("2025-11-07T15:30+07:00") == datetime(2025, 11, 7, 15, 30, tzinfo=WIB)
    assert parse_iso_datetime(" 07/11/2025 15:30 ") == datetime(2025, 11, 7, 15, 30, tzinfo=WIB)
    assert parse_iso_datetime("") is None
    assert parse_iso_datetime(None) is None


def test_event_dates_in_body_text_are_only_found_when_asked():
    # "Rabu hingga Jumat (5–7/11/2025)" is an event, not a publication date; the
    # extractor never parses body text, but the parser itself reads what it is given.
    assert parse_id_datetime("Rabu hingga Jumat (5–7/11/2025)") == datetime(2025, 11, 7, tzinfo=WIB)


# -- properties: every date we print in an outlet's style parses back ------------------------

DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Jum'at", "Sabtu", "Minggu"]
MONTH_NAMES = {
    1: ["Januari", "Jan", "January"], 2: ["Februari", "Feb"], 3: ["Maret", "Mar", "March"],
    4: ["April", "Apr"], 5: ["Mei", "May"], 6: ["Juni", "Jun"], 7: ["Juli", "Jul"],
    8: ["Agustus", "Agu", "Agt", "Ags", "Aug"], 9: ["September", "Sep", "Sept"],
    10: ["Oktober", "Okt", "Oct"], 11: ["November", "Nov", "Nop"], 12: ["Desember", "Des", "Dec"],
}  # fmt: skip
ZONES = {"WIB": WIB, "WITA": WITA, "WIT": WIT}


def render(moment: datetime, zone: str, rng: random.Random) -> str:
    """`moment` written the way one of the outlets might write it."""
    month = rng.choice(MONTH_NAMES[moment.month])
    separator = rng.choice([":", "."])
    clock = f"{moment.hour:02d}{separator}{moment.minute:02d}"
    styles = [
        f"{rng.choice(DAYS)}, {moment.day} {month} {moment.year} {clock} {zone}",
        f"{rng.choice(DAYS)}, {moment.day:02d} {month} {moment.year} pukul {clock} {zone}",
        f"{moment.day:02d}/{moment.month:02d}/{moment.year}, {clock} {zone}",
        f"Kompas.com, {moment.day:02d}/{moment.month:02d}/{moment.year}, {clock} {zone}",
        f"{moment.day} {month} {moment.year} | {clock} {zone}",
    ]
    return rng.choice(styles)


def random_moment(rng: random.Random, zone: str) -> datetime:
    start = datetime(2010, 1, 1, tzinfo=ZONES[zone])
    return start + timedelta(minutes=rng.randrange(0, 20 * 366 * 24 * 60))


def test_property_rendered_dates_parse_back():
    rng = random.Random(20251107)
    for _ in range(2000):
        zone = rng.choice(list(ZONES))
        moment = random_moment(rng, zone)
        text = render(moment, zone, rng)
        assert parse_id_datetime(text) == moment, text


def test_property_relative_times_are_before_now():
    rng = random.Random(7)
    for _ in range(500):
        count = rng.randrange(1, 60)
        unit, seconds = rng.choice([("menit", 60), ("jam", 3600), ("hari", 86400)])
        parsed = parse_id_datetime(f"{count} {unit} lalu", now=NOW)
        assert parsed == NOW - timedelta(seconds=count * seconds)


def test_property_never_raises_on_noise():
    rng = random.Random(3)
    alphabet = "0123456789/:.-, WIBTAjamlupkrNovDesJumat'()+Z"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        result = parse_id_datetime(text, now=NOW)
        assert result is None or result.tzinfo is not None


def test_hypothesis_round_trip():
    hypothesis = pytest.importorskip("hypothesis")
    strategies = pytest.importorskip("hypothesis.strategies")

    @hypothesis.given(
        moment=strategies.datetimes(
            min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)
        ).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=WIB)),
        seed=strategies.integers(0, 10**6),
    )
    def round_trip(moment, seed):
        assert parse_id_datetime(render(moment, "WIB", random.Random(seed))) == moment

    round_trip()
