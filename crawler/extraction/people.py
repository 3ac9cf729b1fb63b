"""Bylines → lists of people.

Regional outlets write bylines many ways; all of these give people only:

- "Penulis: A | Editor: B"                      (labelled credit lines, `parse_credits`)
- "Laporan Wartawan Tribun Jogja, A"            (a role + outlet, then the name)
- "Kontributor Yogyakarta, Wijaya Kusuma"       (a role + place, then the name)
- "Oleh: A dan B", "A, B - detikJogja"          (lists, outlet suffixes)
- JSON-LD `author`/`editor`: objects, lists, strings (`people_from_jsonld`)

Outlet names ("Tribunjogja.com", "detikJogja", "Tim Redaksi"…) are never people.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from crawler.extraction.text import clean, dedupe

# Labels that open a credit segment, and which list the names after them go to.
_AUTHOR_LABELS = ("penulis", "reporter", "wartawan", "oleh", "by", "author", "laporan")
_EDITOR_LABELS = ("editor", "redaktur", "penyunting", "editing")
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
# Outlet and desk names: domains, the networks we crawl, wire services.
_OUTLET = re.compile(
    r"""\.(?:com|co\.id|id|net|org|news)\b
      | ^(?:detik|tribun|kompas|harian\s*jogja|harianjogja|antara|suara\s*merdeka
           |krjogja|kedaulatan\s+rakyat|jpnn|okezone|liputan\s*6|tempo|cnn|idn\s*times)
      | ^(?:tim|redaksi|admin|newsroom|desk)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_EDGE_PUNCTUATION = " \t\n.,;:|-–—()[]\"'“”"


class Credits(NamedTuple):
    authors: list[str]
    editors: list[str]


def is_outlet_name(name: str) -> bool:
    """Whether `name` names an outlet or desk ("Kompas.com", "detikJogja", "Tim Redaksi")."""
    return bool(_OUTLET.search(clean(name)))


def split_people(text: str | None) -> list[str]:
    """The people named in one unlabelled or singly-labelled byline."""
    if not text:
        return []
    text = _UNLABELLED_BY.sub("", clean(_LABEL.sub(" ", text)))
    tail = _OUTLET_TAIL.search(text)
    if tail and is_outlet_name(tail.group("outlet")):
        text = text[: tail.start()]
    names = []
    for part in _SEPARATORS.split(text):
        name = part.strip(_EDGE_PUNCTUATION)
        if len(name) < 2 or _ROLE.match(name) or is_outlet_name(name):
            continue
        names.append(name)
    return dedupe(names)


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
