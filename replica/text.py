"""Indonesian news text for the replica, made from the templates in data/*.toml.

`make_context` fixes who, where and when for one article (a place, a topic, the
people who speak, the event dates); `NewsWriter` then draws its title,
summary, tags, captions and body paragraphs from the topic's sentence pools.

Slots a template may use (see data/topics.toml), fixed per article:
    place region gov regional_head province district district_full district2
    district_head village village_full village2 village_head village_hall dukuh
    dukuh2 river road market destination school festival commodity crop loot
    product product2 vehicle vehicle2 institution official official_role
    official_short speaker2 speaker2_role speaker2_short resident resident_age
    event_day event_range event_day_long next_day year next_year year_prev
    month month_next suspect
and drawn afresh at every use (see RANDOM_SLOTS):
    n n2 n_mid n_big pct pct_dec rp rp_t rp_small rp_mil hour clock km meter cm
    mm ha ton m3 score ordinal age person (rp_tn: trillions)
A slot name ending in `_t` gives the same value in Title Case.

All randomness comes from the `random.Random` passed in, so a seed fixes the text.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from random import Random
from typing import TypeVar

T = TypeVar("T")
DATA = Path(__file__).resolve().parent / "data"
NOT_SLUG = re.compile(r"[^a-z0-9]+")
LEFT_QUOTE, RIGHT_QUOTE = "\u201c", "\u201d"
EN_DASH = "\u2013"


def slugify(text: str) -> str:
    """URL slug as the outlets make it: lowercase ASCII words joined by hyphens."""
    letters = text.lower()
    if not letters.isascii():  # drop accents: é -> e
        letters = unicodedata.normalize("NFKD", letters)
        letters = "".join(char for char in letters if not unicodedata.combining(char))
    return NOT_SLUG.sub("-", letters).strip("-")


def thousands(number: int) -> str:
    """1250 -> '1.250' (Indonesian digit grouping)."""
    return f"{number:,}".replace(",", ".")


def pick(rng: Random, items: Sequence[T]) -> T:
    """rng.choice, faster: generation draws this a few million times for a big site."""
    return items[int(rng.random() * len(items))]


def between(rng: Random, low: int, high: int) -> int:
    """rng.randint(low, high), faster (same reason)."""
    return low + int(rng.random() * (high - low + 1))


def two(rng: Random, items: Sequence[T]) -> tuple[T, T]:
    """Two different items (rng.sample(items, 2), faster)."""
    first = int(rng.random() * len(items))
    second = (first + 1 + int(rng.random() * (len(items) - 1))) % len(items)
    return items[first], items[second]


def _decimal(rng: Random, low: int, high: int) -> str:
    return f"{between(rng, low, high)},{between(rng, 1, 9)}"


def _money(rng: Random) -> str:
    if rng.random() < 0.5:
        return f"Rp {between(rng, 120, 950)} juta"
    return f"Rp {_decimal(rng, 1, 9)} miliar"


def _clock(rng: Random) -> str:
    return f"{between(rng, 5, 23):02d}.{pick(rng, ('00', '10', '15', '30', '40', '45'))}"


RANDOM_SLOTS: dict[str, Callable[[Random], str]] = {
    "n": lambda rng: str(between(rng, 3, 40)),
    "n2": lambda rng: str(between(rng, 2, 9)),
    "n_mid": lambda rng: str(between(rng, 15, 480)),
    "n_big": lambda rng: thousands(between(rng, 500, 12_000)),
    "pct": lambda rng: str(between(rng, 5, 95)),
    "pct_dec": lambda rng: _decimal(rng, 8, 25),
    "rp": _money,
    "rp_tn": lambda rng: f"Rp {between(rng, 1, 4)},{between(rng, 10, 99)} triliun",
    "rp_small": lambda rng: "Rp " + thousands(between(rng, 8, 190) * 500),
    "rp_mil": lambda rng: f"Rp {between(rng, 8, 25)} juta",
    "hour": lambda rng: f"pukul {_clock(rng)} WIB",
    "clock": _clock,
    "km": lambda rng: _decimal(rng, 1, 12),
    "meter": lambda rng: str(between(rng, 10, 500)),
    "cm": lambda rng: str(between(rng, 20, 160)),
    "mm": lambda rng: str(between(rng, 40, 200)),
    "ha": lambda rng: _decimal(rng, 3, 90),
    "ton": lambda rng: _decimal(rng, 5, 9),
    "m3": lambda rng: str(between(rng, 50, 900)),
    "score": lambda rng: _decimal(rng, 78, 94),
    "age": lambda rng: str(between(rng, 20, 78)),
}


def title_case(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in text.split(" "))


class Slots(dict):
    """One article's slot values, for `template.format_map(slots)`.

    Slots fixed per article are stored; any other slot (numbers, money, `_t`
    variants) is drawn afresh at each use by `__missing__`. str.format_map does
    the filling in C, which keeps generating a 20,000-article site quick.
    """

    def __init__(self, rng: Random, vocabulary: Vocabulary) -> None:
        super().__init__()
        self.rng = rng
        self.vocabulary = vocabulary

    def __missing__(self, name: str) -> str:
        if name.endswith("_t"):
            return title_case(self[name[:-2]])
        if name == "ordinal":
            return pick(self.rng, self.vocabulary.names["ordinals"])
        if name == "person":
            return self.vocabulary.person(self.rng)
        return RANDOM_SLOTS[name](self.rng)


@dataclass(frozen=True)
class Topic:
    """One news topic: its speakers, tags and sentence pools (see data/topics.toml)."""

    name: str
    channel: str
    institution: str
    roles: tuple[str, ...]
    roles2: tuple[str, ...]
    tags: tuple[str, ...]
    titles: tuple[str, ...]
    summaries: tuple[str, ...]
    openings: tuple[str, ...]
    details: tuple[str, ...]
    quotes: tuple[str, ...]
    resident_quotes: tuple[str, ...]
    subheads: tuple[str, ...]
    captions: tuple[str, ...]


class Vocabulary:
    """The word lists and templates of data/*.toml, loaded and compiled once."""

    def __init__(self) -> None:
        self.names = _load("names.toml")
        self.places = {place["name"]: place for place in _load("places.toml")["places"]}
        # The generated regional outlets' places; looked up by name only, so adding
        # them leaves the default site's draws (and pages) as they were.
        for compact in _load("regional-places.toml")["places"]:
            self.places.setdefault(compact["name"], regional_place(compact))
        topics = _load("topics.toml")
        generic = topics["generic"]
        self.generic = {key: tuple(value) for key, value in generic.items()}
        self.topics = {
            name: Topic(
                name=name,
                channel=spec["channel"],
                institution=spec["institution"],
                **{
                    key: tuple(spec[key])
                    for key in (
                        "roles",
                        "roles2",
                        "tags",
                        "titles",
                        "summaries",
                        "openings",
                        "details",
                        "quotes",
                        "resident_quotes",
                        "subheads",
                        "captions",
                    )
                },
            )
            for name, spec in topics["topics"].items()
        }

    def person(self, rng: Random, single_share: float = 0.15) -> str:
        """A made-up full name; some people go by one name."""
        if rng.random() < single_share:
            return pick(rng, self.names["single"])
        return f"{pick(rng, self.names['given'])} {pick(rng, self.names['family'])}"

    def short_name(self, name: str) -> str:
        """How the article refers to a person after the first mention."""
        parts = name.split()
        if len(parts) > 1 and parts[0] in self.names["prefixes"]:
            return parts[1]
        return parts[0]


def regional_place(compact: dict) -> dict:
    """A place of regional-places.toml with the words places.toml spells out, derived.

    A city (`kind = "kota"`) has a Pemkot, a Wali Kota, kelurahan and kampung; a
    regency (`kabupaten`) a Pemkab, a Bupati, desa and dusun. Markets and schools
    carry the districts' names, as real ones mostly do.
    """
    name, districts = compact["name"], compact["districts"]
    city = compact["kind"] == "kota"
    return {
        "name": name,
        "region": f"{'Kota' if city else 'Kabupaten'} {name}",
        "gov": f"{'Pemkot' if city else 'Pemkab'} {name}",
        "regional_head": f"{'Wali Kota' if city else 'Bupati'} {name}",
        "province": compact["province"],
        "district_type": "Kecamatan",
        "district_head": "Camat",
        "village_type": "Kelurahan" if city else "Desa",
        "village_head": "Lurah" if city else "Kepala Desa",
        "village_hall": "kantor kelurahan" if city else "balai desa",
        "hamlet_type": "Kampung" if city else "Dusun",
        "districts": districts,
        "villages": districts[1:] + districts[:1],
        "rivers": compact["rivers"],
        "roads": [
            "Jalan Jenderal Sudirman",
            "Jalan Ahmad Yani",
            f"Jalan Raya {districts[0]}",
            f"Jalan {districts[1]}{EN_DASH}{districts[2]}",
        ],
        "markets": [f"Pasar {district}" for district in districts[:3]],
        "destinations": compact["destinations"],
        "schools": [
            f"SMAN 1 {name}",
            f"SMPN 3 {name}",
            f"SDN {districts[1]} 1",
            f"SMPN 1 {districts[2]}",
        ],
    }


def _load(filename: str) -> dict:
    with open(DATA / filename, "rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return Vocabulary()


# --- dates as Indonesian news text writes them ----------------------------------


def day_name(day: date) -> str:
    return vocabulary().names["days"][day.weekday()]


def month_name(month: int) -> str:
    return vocabulary().names["months"][month - 1]


def short_day(day: date) -> str:
    """Kamis (6/11/2025)"""
    return f"{day_name(day)} ({day.day}/{day.month}/{day.year})"


def day_span(first: date, last: date) -> str:
    """Rabu hingga Jumat (5–7/11/2025): an event's days, not the publication date."""
    if first.year != last.year:
        numbers = (
            f"{first.day}/{first.month}/{first.year}{EN_DASH}{last.day}/{last.month}/{last.year}"
        )
    elif first.month != last.month:
        numbers = f"{first.day}/{first.month}{EN_DASH}{last.day}/{last.month}/{last.year}"
    else:
        numbers = f"{first.day}{EN_DASH}{last.day}/{last.month}/{last.year}"
    return f"{day_name(first)} hingga {day_name(last)} ({numbers})"


def long_day(day: date) -> str:
    """Kamis, 6 November 2025"""
    return f"{day_name(day)}, {day.day} {month_name(day.month)} {day.year}"


# --- one article's context -------------------------------------------------------


def _place_slots(place: dict, rng: Random, names: dict) -> dict[str, str]:
    district, district2 = two(rng, place["districts"])
    village, village2 = two(rng, place["villages"])
    dukuh, dukuh2 = two(rng, names["hamlets"])
    hamlet = place["hamlet_type"]
    return {
        "place": place["name"],
        "region": place["region"],
        "gov": place["gov"],
        "regional_head": place["regional_head"],
        "province": place["province"],
        "district": district,
        "district2": district2,
        "district_full": f"{place['district_type']} {district}",
        "district_head": f"{place['district_head']} {district}",
        "village": village,
        "village2": village2,
        "village_full": f"{place['village_type']} {village}",
        "village_head": f"{place['village_head']} {village}",
        "village_hall": place["village_hall"],
        "dukuh": f"{hamlet} {dukuh}",
        "dukuh2": f"{hamlet} {dukuh2}",
        "river": pick(rng, place["rivers"]),
        "road": pick(rng, place["roads"]),
        "market": pick(rng, place["markets"]),
        "destination": pick(rng, place["destinations"]),
        "school": pick(rng, place["schools"]),
    }


def _date_slots(published: datetime, rng: Random) -> dict[str, str]:
    today = published.date()
    event = today - timedelta(days=pick(rng, (0, 0, 1, 1, 2)))
    span_end = today - timedelta(days=pick(rng, (0, 1)))
    span_start = span_end - timedelta(days=pick(rng, (1, 2)))
    previous_month = (today.replace(day=1) - timedelta(days=1)).month
    return {
        "event_day": short_day(event),
        "event_day_long": long_day(event),
        "event_range": day_span(span_start, span_end),
        "next_day": short_day(today + timedelta(days=between(rng, 2, 6))),
        "year": str(today.year),
        "next_year": str(today.year + 1),
        "year_prev": str(today.year - 1),
        "month": month_name(previous_month),
        "month_next": month_name(today.month % 12 + 1),
    }


def make_context(rng: Random, place_name: str, topic_name: str, published: datetime) -> Slots:
    """Everything fixed for one article: place, people, things, dates (all strings)."""
    vocab = vocabulary()
    names = vocab.names
    topic = vocab.topics[topic_name]
    slots = Slots(rng, vocab)
    slots.update(_place_slots(vocab.places[place_name], rng, names))
    slots.update(_date_slots(published, rng))
    product, product2 = two(rng, names["products"])
    vehicle, vehicle2 = two(rng, names["vehicles"])
    letters = "ABDEFHIJKMNRSTWY"
    slots.update(
        product=product,
        product2=product2,
        vehicle=vehicle,
        vehicle2=vehicle2,
        commodity=pick(rng, names["commodities"]),
        crop=pick(rng, names["crops"]),
        loot=pick(rng, names["loot"]),
        festival=pick(rng, names["festivals"]),
        suspect=pick(rng, letters) + pick(rng, letters),
    )
    slots["institution"] = topic.institution.format_map(slots)
    official, speaker2 = vocab.person(rng, 0.05), vocab.person(rng, 0.2)
    while speaker2 == official:
        speaker2 = vocab.person(rng, 0.2)
    resident = vocab.person(rng, 0.5)
    slots.update(
        official=official,
        official_short=vocab.short_name(official),
        official_role=pick(rng, topic.roles).format_map(slots),
        speaker2=speaker2,
        speaker2_short=vocab.short_name(speaker2),
        speaker2_role=pick(rng, topic.roles2).format_map(slots),
        resident=resident,
        resident_age=str(between(rng, 24, 74)),
    )
    return slots


# --- the writer -------------------------------------------------------------------


class _Pool:
    """Draws templates without repeats until the pool is empty, then starts over."""

    def __init__(self, rng: Random, templates: tuple[str, ...]) -> None:
        self.rng = rng
        self.templates = templates
        self.left: list[str] = []

    def draw(self) -> str:
        left = self.left
        if not left:
            left.extend(self.templates)
        index = int(self.rng.random() * len(left))
        left[index], left[-1] = left[-1], left[index]
        return left.pop()


class NewsWriter:
    """Writes one article's text from its topic and context.

    `seen` is shared across the site: a paragraph or subheading that another
    article already has is drawn again, so no two articles share a paragraph.
    """

    WHEN = (
        "saat ditemui di kantornya, {event_day}",
        "saat dihubungi, {event_day}",
        "di sela kegiatan, {event_day}",
        "kepada wartawan, {event_day}",
        "",
    )

    def __init__(self, rng: Random, topic: str, slots: Slots, seen: set[str]) -> None:
        self.rng = rng
        self.vocab = vocabulary()
        self.topic = self.vocab.topics[topic]
        self.slots = slots
        self.seen = seen
        generic = self.vocab.generic
        self.details = _Pool(rng, self.topic.details + generic["details"])
        self.quotes = _Pool(rng, self.topic.quotes + generic["quotes"])
        self.resident_quotes = _Pool(rng, self.topic.resident_quotes + generic["resident_quotes"])
        self.subheads = _Pool(rng, self.topic.subheads + generic["subheads"])
        self.introduced: set[str] = set()

    def fill(self, template: str) -> str:
        # Templates and slot values are clean text already (the tests check the result).
        return template.format_map(self.slots)

    def pick(self, templates: tuple[str, ...]) -> str:
        return self.fill(pick(self.rng, templates))

    def title(self) -> str:
        return self.pick(self.topic.titles)

    def summary(self) -> str:
        return self.pick(self.topic.summaries)

    def caption(self) -> str:
        return self.pick(self.topic.captions)

    def tags(self) -> list[str]:
        """The topic's tags (first one always), a few of the rest, in order, no duplicates."""
        filled = [self.fill(tag).replace(",", "") for tag in self.topic.tags]
        chosen = [filled[0]] + [tag for tag in filled[1:] if self.rng.random() < 0.7]
        unique: list[str] = []
        for tag in chosen:
            if tag.lower() not in (t.lower() for t in unique):
                unique.append(tag)
        return unique

    def subheading(self) -> str | None:
        return self._unique(lambda: self.fill(self.subheads.draw()), attempts=4)

    def detail(self) -> str | None:
        """One more detail paragraph, unlike any seen (None if none could be found)."""
        return self._unique(self._detail, attempts=20)

    def paragraphs(self, count: int) -> list[str]:
        """`count` body paragraphs: an opening, details and quotes, a closing."""
        kinds = ["opening"] + self._middle_kinds(count - 2) + ["closing"]
        paragraphs = []
        for kind in kinds[:count]:
            paragraph = self._unique(getattr(self, "_" + kind))
            if paragraph is None:  # vanishingly rare: a fresh detail always differs
                paragraph = self._unique(self._detail, attempts=50)
            if paragraph is None:
                raise RuntimeError("could not write a unique paragraph")  # never seen
            paragraphs.append(paragraph)
        return paragraphs

    def _middle_kinds(self, count: int) -> list[str]:
        if count <= 0:
            return []
        kinds = ["official_quote"]
        residents = 0
        while len(kinds) < count:
            kind = pick(
                self.rng,
                ("detail", "detail", "detail", "official_quote", "second_quote", "resident_quote"),
            )
            if kind == "resident_quote":
                residents += 1
                if residents > 1:
                    kind = "detail"
            if kind != "detail" and kinds[-1] == kind:
                kind = "detail"  # no two quote paragraphs of one person in a row
            kinds.append(kind)
        return kinds

    def _unique(self, make: Callable[[], str], attempts: int = 8) -> str | None:
        for _ in range(attempts):
            text = make()
            if text not in self.seen:
                self.seen.add(text)
                return text
        return None

    def _sentences(self, pool: _Pool, count: int) -> str:
        return " ".join(self.fill(pool.draw()) for _ in range(count))

    def _opening(self) -> str:
        opening = self.pick(self.topic.openings)
        if self.rng.random() < 0.4:  # topic details only: no speaker before the quotes
            opening += " " + self.pick(self.topic.details)
        return opening

    def _detail(self) -> str:
        return self._sentences(self.details, pick(self.rng, (1, 1, 2, 2, 3)))

    def _closing(self) -> str:
        return self.pick(self.vocab.generic["closings"])

    def _quote(self, pool: _Pool, parts: int) -> str:
        """“First part. Second part,” — the quote without its attribution."""
        texts = [self.fill(pool.draw()) for _ in range(parts)]
        return LEFT_QUOTE + ". ".join(texts) + "," + RIGHT_QUOTE

    def _attributed(self, who: str, role: str, name: str, short: str) -> str:
        quote = self._quote(self.quotes, pick(self.rng, (1, 1, 2)))
        verb = pick(self.rng, self.vocab.names["attribution"])
        if who in self.introduced:
            return f"{quote} {verb} {short}."
        self.introduced.add(who)
        when = pick(self.rng, self.WHEN)
        when = when.format_map(self.slots)
        tail = f", {when}" if when else ""
        return f"{quote} {verb} {role}, {name}{tail}."

    def _official_quote(self) -> str:
        s = self.slots
        return self._attributed("official", s["official_role"], s["official"], s["official_short"])

    def _second_quote(self) -> str:
        s = self.slots
        return self._attributed("second", s["speaker2_role"], s["speaker2"], s["speaker2_short"])

    def _resident_quote(self) -> str:
        s = self.slots
        quote = self._quote(self.resident_quotes, 1)
        verb = pick(self.rng, self.vocab.names["attribution"])
        return f"{quote} {verb} {s['resident']} ({s['resident_age']}), warga {s['dukuh']}."
