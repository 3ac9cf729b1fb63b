"""Bylines → lists of people.

Regional outlets write bylines many ways; all of these give people only:

- "Penulis: A | Editor: B"                      (labelled credit lines, `parse_credits`)
- "Laporan Wartawan Tribun Jogja, A"            (a role + outlet, then the name)
- "Kontributor Yogyakarta, Wijaya Kusuma"       (a role + place, then the name)
- "Oleh: A dan B", "A, B - detikJogja"          (lists, outlet suffixes)
- JSON-LD `author`/`editor`: objects, lists, strings (`people_from_jsonld`)

Never people: outlet and channel names ("Tribunjogja.com", "detikNews": a configured
outlet's from its rule's `media_names`, every other from data/media_names.txt), desks
("Tim detikBali", "Tim Redaksi"), photo credits ("Dok. Saleh Husin", "Foto: …",
"Istimewa") and social-media accounts ("Twitter @Persib", "Facebook", a facebook.com
URL in `article:author`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from crawler.extraction.rules import OUTLETS
from crawler.extraction.text import clean, dedupe

# Labels that open a credit segment, and which list the names after them go to.
# "Rep: A | Red: B" is Republika's short form (reporter, redaktur).
_AUTHOR_LABELS = ("penulis", "reporter", "wartawan", "oleh", "by", "author", "laporan", "rep")
_EDITOR_LABELS = ("editor", "redaktur", "penyunting", "editing", "red")
_OTHER_LABELS = ("fotografer", "foto", "sumber", "videografer", "ilustrasi")
_LABEL = re.compile(
    r"(?:^|(?<=[\s|/,;]))(?P<label>"
    + "|".join(_AUTHOR_LABELS + _EDITOR_LABELS + _OTHER_LABELS)
    + r")\s*:\s*",
    re.IGNORECASE,
)
# Separators between names. " - " is not one: it precedes an outlet ("A - detikJogja").
# "By Jane Doe", "Oleh Budi": the opening word without the colon `_LABEL` expects.
_UNLABELLED_BY = re.compile(r"^(?:by|oleh|written\s+by|ditulis\s+oleh)\s+", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:[,|;&/]|\s(?:dan|and)\s)\s*", re.IGNORECASE)
_OUTLET_TAIL = re.compile(r"\s+[-–—]\s+(?P<outlet>\S.*)$")
# Parts that describe a role rather than name a person ("Kontributor Yogyakarta").
_ROLE = re.compile(
    r"^(?:laporan|kontributor|koresponden|wartawan|reporter|jurnalis|penulis|editor"
    r"|redaktur|tim|redaksi|admin|staf|humas)\b",
    re.IGNORECASE,
)
# Outlet and desk names that need no list: domains and the words desks are named with.
_OUTLET = re.compile(
    r"\.(?:com|co\.id|id|net|org|news)\b|^(?:tim|redaksi|admin|newsroom|desk)\b",
    re.IGNORECASE,
)
MEDIA_NAMES_FILE = Path(__file__).with_name("data") / "media_names.txt"
# After a listed outlet name: a domain or a channel word ("Antara Foto", "Kompas TV").
_OUTLET_TAIL_WORDS = re.compile(
    r"(?:\.(?:com|co\.id|id|net|org))?"
    r"(?:tv|news|foto|photo|online|digital|network|group|media|indonesia)?$"
)
_SPACING = re.compile(r"[\s\-_]+")
# Credits that name no person: photo credits, stock agencies, social accounts and URLs.
_NOT_A_PERSON = re.compile(
    r"""^(?:dok(?:umentasi)?\b\.?|foto\b|photo\b|ist(?:imewa)?$|ilustrasi\b|repro\b
          |screenshot|tangkap(?:an)?\s+layar|getty\b|shutterstock|istock|pixabay|unsplash
          |freepik|handout\b)
      | ^(?-i:[a-z]{2,5})$                   # initials: detik's meta author "bgs"
      | @                                    # a handle: "Twitter @Persib", "@detikcom"
      | ^https?:/ | ^www\.                    # a URL: article:author is a Facebook page
      | \b(?:twitter|facebook|instagram|youtube|tiktok|linkedin|whatsapp)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_EDGE_PUNCTUATION = " \t\n.,;:|-–—()[]\"'“”"


class Credits(NamedTuple):
    authors: list[str]
    editors: list[str]


def is_outlet_name(name: str) -> bool:
    """Whether `name` names an outlet or desk ("Kompas.com", "detikJogja", "Tim Redaksi")."""
    name = clean(name)
    if _OUTLET.search(name):
        return True
    key = _SPACING.sub("", name.casefold())
    prefixes, names = media_names()
    if key.startswith(prefixes):
        return True
    if not key.startswith(names):  # most bylines: one C call, not a loop over the names
        return False
    return any(
        key.startswith(known) and _OUTLET_TAIL_WORDS.match(key, len(known)) for known in names
    )


def is_person_name(name: str) -> bool:
    """Whether a byline part can name a person: not an outlet, desk, role, photo credit,
    social-media account or URL."""
    name = clean(name)
    return not (
        len(name) < 2 or _ROLE.match(name) or _NOT_A_PERSON.search(name) or is_outlet_name(name)
    )


@lru_cache(maxsize=1)
def media_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(brand prefixes, whole names), lower case without spaces: every outlet rule's
    `media_names`, then data/media_names.txt (the outlets that have no rule)."""
    prefixes: list[str] = []
    names: list[str] = []
    listed = MEDIA_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    ruled = [name for outlet in OUTLETS.values() for name in outlet.media_names]
    for line in [*ruled, *listed]:
        entry = _SPACING.sub("", line.split("#", 1)[0].casefold())
        if entry.endswith("*"):
            prefixes.append(entry[:-1])
        elif entry:
            names.append(entry)
    return tuple(prefixes), tuple(names)


def split_people(text: str | None) -> list[str]:
    """The people named in one unlabelled or singly-labelled byline."""
    if not text:
        return []
    text = _UNLABELLED_BY.sub("", clean(_LABEL.sub(" ", text)))
    tail = _OUTLET_TAIL.search(text)
    if tail and is_outlet_name(tail.group("outlet")):
        text = text[: tail.start()]
    if _is_photo_credit(text):
        return []
    names = []
    for part in _SEPARATORS.split(text):
        name = part.strip(_EDGE_PUNCTUATION)
        if is_person_name(name):
            names.append(name)
    return dedupe(names)


def _is_photo_credit(text: str) -> bool:
    """ "KOMPAS.com/NABILLA TASHANDRA", "Edi Wahyono/detikcom": an outlet beside a slash is
    how photo credits are written; a byline does not name its outlet that way."""
    parts = [part.strip(_EDGE_PUNCTUATION) for part in text.split("/")]
    return len(parts) > 1 and any(part and is_outlet_name(part) for part in parts)


def role_of(label: str | None) -> str | None:
    """ "Penulis" → "authors", "Editor" → "editors"; photo, source or unknown roles → None."""
    word = clean(label).strip(_EDGE_PUNCTUATION).casefold()
    if word in _AUTHOR_LABELS:
        return "authors"
    if word in _EDITOR_LABELS:
        return "editors"
    return None


def has_role_label(text: str | None) -> bool:
    """Whether a byline states a role ("Penulis: A"), not just names."""
    return any(
        match.group("label").lower() in _AUTHOR_LABELS + _EDITOR_LABELS
        for match in _LABEL.finditer(text or "")
    )


def parse_credits(text: str | None, *, unlabelled: str = "authors") -> Credits:
    """Split "Penulis: A | Editor: B" into authors and editors.

    Text before any label (or a byline without labels) goes to `unlabelled`
    ("authors" or "editors"); photographers and sources are dropped.
    """
    authors: list[str] = []
    editors: list[str] = []
    if not text:
        return Credits(authors, editors)
    target = authors if unlabelled == "authors" else editors
    position = 0
    for match in _LABEL.finditer(text):
        target.extend(split_people(text[position : match.start()]))
        label = match.group("label").lower()
        if label in _EDITOR_LABELS:
            target = editors
        elif label in _AUTHOR_LABELS:
            target = authors
        else:
            target = []  # a photo credit or source: not a byline
        position = match.end()
    target.extend(split_people(text[position:]))
    return Credits(dedupe(authors), dedupe(editors))


def people_from_jsonld(value: Any) -> list[str]:
    """People in a JSON-LD author/editor value: Person objects, lists, plain strings."""
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.extend(split_people(item))
        elif isinstance(item, dict):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(k in ("Organization", "NewsMediaOrganization") for k in kinds):
                continue
            names.extend(people_from_jsonld(item.get("name")))
    return dedupe(names)
