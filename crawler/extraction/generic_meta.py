"""Title, authors and publication time of pages no outlet rule covers.

Conventions that hold on news sites in general, in the order a reader's eye
(or a CMS template) would state them:

- title: the visible `<h1>`; a `<title>`/og:title site suffix or prefix
  (" | Site", " - Site", "Site: …") is removed when it names the site, i.e. it
  matches og:site_name, application-name or a label of the host name;
- authors: metas the structured layer does not read (`author`,
  `article:author` when not a profile URL, parse.ly/sailthru), then `rel=author`
  links, then the first byline element (class or itemprop mentioning author
  or byline), each parsed by `people.parse_credits`;
- published_at: publication metas beyond OpenGraph (itemprop, parse.ly,
  sailthru, Dublin Core terms, `pubdate`), then `<time datetime>` (the one
  marked `pubdate`/`itemprop=datePublished` first, inside the article first),
  then a date printed in an element classed date/publish/tanggal/time (not
  "updated"), parsed by `dates` (Indonesian and English month names).

These feed the "generic" layer, which comes last in `extract.PRECEDENCE`:
JSON-LD and OpenGraph values, where a page has them, still win.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import NamedTuple
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extraction.dates import parse_iso_datetime, parse_published_modified
from crawler.extraction.people import (
    Credits,
    is_outlet_name,
    parse_credits,
    role_of,
    split_people,
)
from crawler.extraction.text import clean, dedupe

_AUTHOR_METAS = ("author", "article:author", "parsely-author", "sailthru.author", "byl")
_PUBLISHED_METAS = (
    "article:published_time", "og:article:published_time", "datepublished", "article:published",
    "og:published_time", "content_publisheddate", "parsely-pub-date", "sailthru.date",
    "dcterms.created", "dcterms.issued", "dc.date.issued", "dc.date.created", "dc.date",
    "pubdate", "publishdate", "publish-date", "publish_date", "publication_date",
    "article.published", "date",
)  # fmt: skip
_BYLINE_XPATH = (
    "//*[contains(@class, 'byline') or contains(@class, 'author') or @itemprop='author'"
    " or contains(@class, 'reporter') or contains(@class, 'penulis') or self::author]"
)
# Photo captions carry credits that look like bylines ("<span class='author'>Dok. X</span>").
_IN_PICTURE_XPATH = (
    "ancestor-or-self::*[self::figure or self::figcaption or contains(@class, 'photo')"
    " or contains(@class, 'caption') or contains(@class, 'foto') or contains(@class, 'image')"
    " or contains(@class, 'pic')]"
)
# "Rep"/"Red": Republika's short reporter and redaktur labels ("Red: Yudha Manggala P Putra").
_CREDIT_LABELS = (
    "Penulis", "Reporter", "Pewarta", "Wartawan", "Editor", "Redaktur", "Penyunting", "Author",
    "Rep", "Red",
)  # fmt: skip
# The element's own first text (not its whole subtree's: that is quadratic on deep pages).
_CREDIT_TAGS = ("td", "th", "div", "span", "p", "li", "b", "strong", "dd", "dt", "small")
# A label, then its colon or pipe, or nothing more (the name is in the next element).
_CREDIT_OPENING = re.compile(rf"\s*(?:{'|'.join(_CREDIT_LABELS)})\s*(?:[:|]|$)", re.IGNORECASE)
_OPENING_CHARS = 24
_CREDIT_STEMS = frozenset(label[:3].lower() for label in _CREDIT_LABELS)
_MAX_CREDIT_ELEMENTS = 20
_PEWARTA = re.compile(r"^pewarta\b", re.IGNORECASE)  # Antara's word for its reporter
_LABEL_ONLY = re.compile(rf"^(?:{'|'.join(_CREDIT_LABELS)})\s*:?$", re.IGNORECASE)
_CREDIT_START = re.compile(rf"^(?:{'|'.join(_CREDIT_LABELS)})\s*\|?\s*:", re.IGNORECASE)
# "Fakhrizal Fakhri Jurnalis": a byline card's role printed after the name.
_TRAILING_ROLE = re.compile(
    r"\s+(?:jurnalis|reporter|wartawan|penulis|kontributor|koresponden)$", re.IGNORECASE
)
_MAX_NAME_CHARS = 60
_MAX_NAME_WORDS = 6
_NOT_A_NAME = re.compile(
    r"@|://|^www\.|^(?:dok|foto|photo|ist|sumber|ilustrasi)\b\.?"
    r"|^(?:facebook|twitter|instagram|youtube|tiktok|linkedin|whatsapp)\b",
    re.IGNORECASE,
)
_NOT_BYLINES = frozenset({"meta", "link", "script", "style", "body", "html", "img"})
_MAX_BYLINE_CHARS = 120  # a byline element longer than this is an author bio or a whole box
_DATE_XPATH = (
    "//*[contains(@class, 'date') or contains(@class, 'publish') or contains(@class, 'tanggal')"
    " or contains(@class, 'time') or contains(@class, 'tgl') or self::time"
    " or (@itemprop='datePublished' and not(self::meta))]"
    "[not(self::script or self::style or self::body)]"
)
# The elements printed around the headline, where a page states its date when no element
# says "date" ("<div class='grey small'>Rabu, 17 Juni 2015 | 22:26 WIB</div>").
_NEAR_DONE = 5  # stages: metas, marked times, below the headline (2), above it (2)
_BELOW_COUNT = 25
_ABOVE_COUNT = 8
# Visible dates put words between date and time: "18 Jun 2015 at 06:25 WIB".
_DATE_TIME_JOINER = re.compile(r"(?<=\d)\s+(?:at|@|om|um|à|às|alle)\s+(?=\d)", re.IGNORECASE)
# A meta value's date and time, however it is written: "2022/12/10 13:19:56",
# "2015-11-05 T10:08:58Z", detik's "2022-12-10T13-19-56Z".
_META_STAMP = re.compile(
    r"^\s*(?P<date>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})"
    r"(?:\s*T?\s*(?P<hour>\d{1,2})[:\-.](?P<minute>\d{2})(?:[:\-.](?P<second>\d{2}))?"
    r"(?:\.\d+)?(?P<zone>.*))?$",
    re.IGNORECASE,
)
_EXPLICIT_ZONE = re.compile(r"(?:z|[+-]\d{2}:?\d{2}|wib|wita|wit|gmt|utc)", re.IGNORECASE)
_EPOCH = re.compile(r"^\s*\d{9,13}\s*$")
_EPOCH_MILLISECONDS = 10**11
_MARKUP = re.compile(r"<[^>]*>")
_MAX_DATE_ELEMENTS = 20
_MAX_DATE_CHARS = 100
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# " | ", " - ", " – ", " · ", " » " and "Site: Headline".
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·»]\s+|:\s+")
_MIN_HEADLINE_CHARS = 20
_MIN_SAME_CHARS = 8
_TRUNCATION = re.compile(r"\s*(?:\.\.\.|…)\s*$")
_MAX_SITE_CHARS = 60
# Host labels that never name the site.
_GENERIC_HOST_LABELS = frozenset(
    {"www", "m", "amp", "com", "co", "id", "org", "net", "or", "ac", "go", "news", "web"}
)
_NOT_ALNUM = re.compile(r"[\W_]+")


def generic_fields(root: HtmlElement, url: str) -> dict:
    """Title, authors and published_at by the conventions above (None/[] when absent)."""
    metas = _metas(root)
    site = _site_keys([*metas.get("og:site_name", ()), *metas.get("application-name", ())], url)
    headline = _headline_element(root, _stated_titles(root, metas))
    candidates = _published_candidates(root, metas, headline)
    credits = labelled_credits(root)
    return {
        "title": clean(headline.text_content()) if headline is not None else None,
        # Many sites put their own name in <meta name=author>: not a person.
        "authors": [
            name for name in _authors(root, metas, credits.authors) if not _names_site(name, site)
        ],
        "published_at": best_published(candidates),
        # People the page credits with their role ("Penulis: A"): extract.py lets them
        # beat a JSON-LD author on generic pages.
        "credited_authors": credits.authors,
        "credited_editors": credits.editors,
    }


_MAX_HEADINGS = 40


def visible_title(root: HtmlElement) -> str | None:
    """The visible headline: the `<h1>` (else `<h2>`) that the page's stated titles
    (og:title, `<title>`…) begin with or equal; else the first non-empty `<h1>`."""
    headline = _headline_element(root, _stated_titles(root, _metas(root)))
    return clean(headline.text_content()) if headline is not None else None


def _stated_titles(root: HtmlElement, metas: dict[str, list[str]]) -> list[str]:
    stated = [
        v for key in ("og:title", "twitter:title", "title", "headline") for v in metas.get(key, ())
    ]
    title = next(root.iter("title"), None)
    if title is not None:
        stated.append(clean(title.text_content()))
    return [t for t in stated if t]


def _headline_element(root: HtmlElement, stated: list[str]) -> HtmlElement | None:
    first_h1 = None
    for count, heading in enumerate(root.iter("h1", "h2")):
        if count >= _MAX_HEADINGS:
            break
        text = clean(heading.text_content())
        if not text:
            continue
        if heading.tag == "h1" and first_h1 is None:
            first_h1 = heading
        if any(same_headline(title, text) for title in stated):
            return heading
    return first_h1


def same_headline(title: str, headline: str) -> bool:
    """Whether a stated title is this visible headline: equal but for case and
    punctuation, or the headline followed by a separator ("Headline - Site"), or the
    headline cut short ("Headline that goes o…")."""
    if len(headline) < _MIN_SAME_CHARS:
        return False
    a, b = _key(title), _key(headline)
    if not a or not b:
        return False
    if a == b:
        return True
    if title.casefold().startswith(headline.casefold()) and _TITLE_SEPARATORS.match(
        title, len(headline)
    ):
        return True
    cut = _TRUNCATION.sub("", title)
    return cut != title and len(cut) >= _MIN_HEADLINE_CHARS and b.startswith(_key(cut))


def strip_site_name(title: str | None, site_names: list[str | None], url: str) -> str | None:
    """ "Headline | Site", "Headline - site.com", "Site: Headline" → "Headline", when the
    part cut off names the site (a site name given, or a label of the URL's host)."""
    if not title:
        return title
    names = _site_keys(site_names, url)
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2 or not names:
        return title
    separators = _TITLE_SEPARATORS.findall(title)
    if _names_site(parts[-1], names):
        return clean(title[: title.rfind(separators[-1])])
    if _names_site(parts[0], names):
        return clean(title[title.find(separators[0]) + len(separators[0]) :])
    return title


def prefer_headline(title: str | None, headline: str | None) -> str | None:
    """ "Headline - Section - Site" → the page's `<h1>` "Headline", when the title starts
    with it and goes on past a separator (a logo `<h1>` is short, or not at the start)."""
    if not title or not headline or len(headline) < _MIN_HEADLINE_CHARS:
        return title
    if title.casefold().startswith(headline.casefold()) and len(title) > len(headline):
        if _TITLE_SEPARATORS.match(title, len(headline)):
            return headline
    # The same words with other case or punctuation, or a title cut short: the page shows
    # the headline, so the archive keeps it as shown.
    if same_headline(title, headline):
        return headline
    return title


def _site_keys(site_names: list[str | None], url: str) -> set[str]:
    keys = {_key(name) for name in site_names if name}
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # not a URL at all ("http://[x")
        host = ""
    keys.update(label for label in host.split(".") if label not in _GENERIC_HOST_LABELS)
    return {key for key in keys if len(key) >= 3}


def _names_site(part: str, keys: set[str]) -> bool:
    """Whether a title segment is the site's name: "Kompas.com" for host label
    "kompas", "BBC News" for "bbc", "The Guardian" for og:site_name "The Guardian"."""
    if len(part) > _MAX_SITE_CHARS:
        return False
    key = _key(part)
    if len(key) < 3:  # "AS: …", "UK - …" are places, not sites
        return False
    return any(key == k or key.startswith(k) or k.startswith(key) for k in keys)


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def _metas(root: HtmlElement) -> dict[str, list[str]]:
    metas: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = clean(meta.get("content"))
        if key and content:
            metas.setdefault(key.strip().lower(), []).append(content)
    return metas


def _authors(root: HtmlElement, metas: dict[str, list[str]], credited: list[str]) -> list[str]:
    if credited:
        return credited
    for key in _AUTHOR_METAS:
        # article:author is often a profile URL, not a name.
        names = [n for v in metas.get(key, ()) if "://" not in v for n in split_people(v)]
        names = [n for n in names if is_person_name(n)]
        if names:
            return dedupe(names)
    linked = [clean(a.text_content()) for a in root.xpath("//a[@rel='author']")]
    if any(linked):
        return dedupe([n for text in linked for n in split_people(text) if is_person_name(n)])
    for element in root.xpath(_BYLINE_XPATH):
        if element.tag in _NOT_BYLINES or "comment" in (element.get("class") or ""):
            continue
        if element.xpath(_IN_PICTURE_XPATH):
            continue  # a photo credit ("Twitter @Persib", "Dok. Humas") is not the byline
        text = _TRAILING_ROLE.sub("", clean(element.text_content()))
        if 2 < len(text) <= _MAX_BYLINE_CHARS:
            authors = [n for n in parse_credits(text).authors if is_person_name(n)]
            if authors:
                return authors
    return []


def labelled_credits(root: HtmlElement) -> Credits:
    """People named after a role label anywhere on the page: "Penulis: A", a credit
    table's "| Penulis | : A |", "Editor: B". The role is stated, so these beat a
    JSON-LD author (which some outlets fill with the editor)."""
    authors: list[str] = []
    editors: list[str] = []
    # The element's own first text opens with a label (a walk in Python: an XPath
    # predicate on every element's text costs several times more).
    found = []
    for element in root.iter(_CREDIT_TAGS):
        text, tail = element.text, element.tail
        if text and _opens_credit(text):
            found.append(element)
        elif tail and _opens_credit(tail) and element.getparent() is not None:
            # "<div><span></span> Red: A</div>": the credit is the parent's text
            found.append(element.getparent())
    for element in dict.fromkeys(found[:_MAX_CREDIT_ELEMENTS]):
        if _LABEL_ONLY.match(clean(element.text_content()[:_MAX_BYLINE_CHARS])):
            listed = _listed_credits(element)
            if listed is not None:  # a list: the role's item, then its people's items
                role, names = listed
                (authors if role == "authors" else editors).extend(names)
                continue
            # "<td>Penulis</td><td>: A</td>", "<b>Penulis</b>: A": the name is beside it
            element = element.getparent() if element.getparent() is not None else element
        if len(element.text_content()) > _MAX_BYLINE_CHARS * 2:
            continue
        text = clean(" ".join(element.itertext()))
        if not _CREDIT_START.match(text) or len(text) > _MAX_BYLINE_CHARS:
            continue  # "Penulis buku itu …" is a sentence, not a credit
        if element.xpath(_IN_PICTURE_XPATH):
            continue
        credits = parse_credits(_PEWARTA.sub("Reporter", text))
        authors.extend(n for n in credits.authors if is_person_name(n))
        editors.extend(n for n in credits.editors if is_person_name(n))
    return Credits(dedupe(authors), dedupe(editors))


def _opens_credit(text: str) -> bool:
    # The cheap prefix test first: this runs on every element's text and tail.
    opening = text[:_OPENING_CHARS]
    return opening.lstrip()[:3].lower() in _CREDIT_STEMS and bool(_CREDIT_OPENING.match(opening))


_LIST_ITEMS = ("li", "dt", "dd")


def _listed_credits(label: HtmlElement) -> tuple[str, list[str]] | None:
    """(role, people) when the label is an item of a credits list whose next items name
    the people, up to the next role's item: Liputan6's (hidden) credits popover
    `<li class=role><span>Author</span></li><li>A</li><li>B</li><li class=role>…`."""
    item = label if label.tag in _LIST_ITEMS else label.getparent()
    if item is None or item.tag not in _LIST_ITEMS:
        return None
    if not _LABEL_ONLY.match(clean(item.text_content()[:_MAX_BYLINE_CHARS])):
        return None
    word = clean(item.text_content()).rstrip(":").strip()
    role = role_of(word)
    if role is None or len(word) <= len("Red"):  # "Red" alone in a list is a colour
        return None
    names: list[str] = []
    for sibling in item.itersiblings():
        text = clean(sibling.text_content()[:_MAX_BYLINE_CHARS])
        if not isinstance(sibling.tag, str) or _LABEL_ONLY.match(text):
            break
        if len(text) <= _MAX_NAME_CHARS and is_person_name(text):
            names.append(text)
    return role, names


def is_person_name(name: str) -> bool:
    """Whether a byline part can be a person: not a handle, URL, photo credit, outlet,
    platform or initials code ("bgs")."""
    name = clean(name)
    if not name or len(name) > _MAX_NAME_CHARS or len(name.split()) > _MAX_NAME_WORDS:
        return False
    if _NOT_A_NAME.search(name) or is_outlet_name(name):
        return False
    return not (name.islower() and " " not in name)  # initials: "bgs", "mea"


class Stamp(NamedTuple):
    """A publication time a page states, and how exactly it states it."""

    value: datetime
    has_time: bool  # a clock time, not a date alone (which parses to midnight)
    explicit_zone: bool  # the value names its zone or offset


def _published_candidates(
    root: HtmlElement, metas: dict[str, list[str]], headline: HtmlElement | None
) -> list[Stamp]:
    """Every publication time the page states, most deliberate first: metas, `<time
    datetime>` marked as the publication, dates by the headline, `<time>` inside the
    article, dates in date-classed elements, then any other `<time>` (a sidebar's).

    The search stops once a meta or marked `<time>` states a clock time in a local
    offset: nothing further down could correct it, and searching the whole page for
    printed dates costs more than the rest of the metadata."""
    stamps: list[Stamp] = []
    for number, stage in enumerate(_stamp_stages(root, metas, headline)):
        stamps.extend(stage())
        timed = next((s for s in stamps if s.has_time), None)
        if timed and timed.explicit_zone and (timed.value.utcoffset() or number >= _NEAR_DONE):
            break  # a UTC time stays UTC unless the page prints it locally by the headline
    return stamps


def _stamp_stages(
    root: HtmlElement, metas: dict[str, list[str]], headline: HtmlElement | None
) -> Iterator[Callable[[], list[Stamp]]]:
    yield lambda: [
        s for key in _PUBLISHED_METAS for v in metas.get(key, ()) if (s := _meta_stamp(v))
    ]
    dated = root.xpath("//@datetime/..")  # one walk for every element with a datetime
    yield lambda: _attribute_stamps(
        [e for e in dated if e.get("pubdate") is not None or e.get("itemprop") == "datePublished"]
    )
    if headline is not None:  # under the headline first, then just above it
        for near in (_below(headline, _BELOW_COUNT), _above(headline, _ABOVE_COUNT)):
            yield partial(_time_stamps, near)
            yield partial(_printed_stamps, near)
    times = [e for e in dated if e.tag == "time"]
    in_article = [t for t in times if next(t.iterancestors("article"), None) is not None]
    yield lambda: _attribute_stamps(in_article)
    yield lambda: _printed_stamps(root.xpath(_DATE_XPATH)[:_MAX_DATE_ELEMENTS])
    yield lambda: _attribute_stamps(times)


def _time_stamps(elements: list[HtmlElement]) -> list[Stamp]:
    """The `datetime` attributes of the <time> elements among `elements`."""
    return _attribute_stamps([e for e in elements if e.tag == "time"])


def _below(element: HtmlElement, count: int) -> list[HtmlElement]:
    """The first `count` elements after `element` in document order (its descendants
    aside): the siblings that follow it, their descendants, then its ancestors' siblings."""
    found: list[HtmlElement] = []
    current: HtmlElement | None = element
    while current is not None and len(found) < count:
        for sibling in current.itersiblings():
            found.extend(e for e in sibling.iter() if isinstance(e.tag, str))
            if len(found) >= count:
                break
        current = current.getparent()
    return found[:count]


def _above(element: HtmlElement, count: int) -> list[HtmlElement]:
    """The `count` elements just before `element` (nearest first, ancestors aside)."""
    found: list[HtmlElement] = []
    current: HtmlElement | None = element
    while current is not None and len(found) < count:
        for sibling in current.itersiblings(preceding=True):
            found.extend(e for e in reversed(list(sibling.iter())) if isinstance(e.tag, str))
            if len(found) >= count:
                break
        current = current.getparent()
    return found[:count]


def _attribute_stamps(elements: list[HtmlElement]) -> list[Stamp]:
    return [s for e in dict.fromkeys(elements) if (s := _meta_stamp(e.get("datetime")))]


def _meta_stamp(value: str | None) -> Stamp | None:
    """A meta or datetime attribute value as a Stamp (None when it is no date)."""
    value = clean(_MARKUP.sub(" ", value or ""))  # "18 Jun 2015 at <span>06:25 WIB</span>"
    if not value:
        return None
    if _EPOCH.match(value):
        count = int(value)
        seconds = count / 1000 if count >= _EPOCH_MILLISECONDS else count
        try:
            return Stamp(datetime.fromtimestamp(seconds, UTC), True, True)
        except (OverflowError, OSError, ValueError):
            return None
    match = _META_STAMP.match(value)
    if match and match.group("hour") is not None:
        # Rewritten to ISO so "2015-11-05 T10:08:58Z" and "13-19-56" parse with their time.
        iso = (
            f"{match.group('date')}-{int(match.group('month')):02d}-{int(match.group('day')):02d}"
            f"T{int(match.group('hour')):02d}:{match.group('minute')}:"
            f"{match.group('second') or '00'}{match.group('zone').strip()}"
        )
        parsed = parse_iso_datetime(iso)
        zone = bool(_EXPLICIT_ZONE.search(match.group("zone") or ""))
        return Stamp(parsed, True, zone) if parsed is not None else None
    parsed = parse_iso_datetime(_DATE_TIME_JOINER.sub(" ", value))
    if parsed is None:
        return None
    return Stamp(parsed, _has_clock(value), bool(_EXPLICIT_ZONE.search(value)))


def _short_text(element: HtmlElement) -> str | None:
    """The element's text when it is short enough to be a date line, else None (read
    only as far as that limit: the container of the whole article is often nearby)."""
    parts: list[str] = []
    size = 0
    for text in element.itertext():
        size += len(text.strip())
        if size > _MAX_DATE_CHARS:
            return None
        parts.append(text)
    return clean("".join(parts))


def _printed_stamps(elements: list[HtmlElement]) -> list[Stamp]:
    """Dates printed in these elements (short texts with a year, not "updated" ones)."""
    stamps = []
    for element in elements:
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        classes = (element.get("class") or "").lower()
        if "modif" in classes or ("update" in classes and element.get("itemprop") is None):
            continue
        text = _short_text(element)
        # A year is required: relative times ("3 jam lalu") depend on when we look.
        if text is None or not _YEAR.search(text):
            continue
        published, _modified = parse_published_modified(_DATE_TIME_JOINER.sub(" ", text))
        if published is not None:
            stamps.append(Stamp(published, _has_clock(text), bool(_EXPLICIT_ZONE.search(text))))
    return stamps


_CLOCK = re.compile(r"\d{1,2}[:.]\d{2}(?!\d)")


def _has_clock(text: str) -> bool:
    return bool(_CLOCK.search(text))


def best_published(stamps: list[Stamp]) -> datetime | None:
    """The publication time, as exact as the page states it anywhere.

    The first stated time with a clock time wins over dates alone (which read as
    midnight). Its zone is then checked against the others: a UTC value ("Z") whose
    wall clock another value prints with a local zone ("10:08 WIB") was local time
    mislabelled; a UTC value that another states as local wall-clock time is shown in
    that offset (so `published_tz` keeps it); a value without a zone takes the zone of
    another that prints the same wall clock with one. Seconds come from any value of
    the same minute that has them."""
    if not stamps:
        return None
    timed = [s for s in stamps if s.has_time]
    if not timed:
        return stamps[0].value
    best = timed[0]
    if not best.explicit_zone:
        wall = best.value.replace(tzinfo=None)
        for other in timed:
            if other.explicit_zone and _same_minute(other.value.replace(tzinfo=None), wall):
                best = Stamp(best.value.replace(tzinfo=other.value.tzinfo), True, True)
                break
    value = _local_offset(best, timed)
    if value.second == 0:
        for other in timed:
            if other.value.second and timedelta(0) <= other.value - value < timedelta(minutes=1):
                return other.value.astimezone(value.tzinfo)
    return value


_MAX_OFFSET = 14 * 3600  # seconds


def _local_offset(best: Stamp, timed: list[Stamp]) -> datetime:
    value = best.value
    if value.utcoffset() != timedelta(0):
        return value
    for other in timed:
        offset = other.value.utcoffset()
        if other is best or not offset:
            continue
        wall = other.value.replace(tzinfo=None)
        if other.explicit_zone and _same_minute(wall, value.replace(tzinfo=None)):
            return value.replace(tzinfo=other.value.tzinfo)  # the "Z" was local time
        if other.explicit_zone and _same_minute(other.value, value):
            return value.astimezone(other.value.tzinfo)
        if not other.explicit_zone:
            # Local wall clock without a zone: its distance from UTC is the offset.
            seconds = (wall - value.replace(tzinfo=None)).total_seconds()
            quarters = round(seconds / 900)  # offsets are whole quarter hours
            if quarters and abs(seconds - quarters * 900) < 60 and abs(seconds) <= _MAX_OFFSET:
                return value.astimezone(timezone(timedelta(minutes=quarters * 15)))
    return value


def _same_minute(a: datetime, b: datetime) -> bool:
    return abs(a - b) < timedelta(minutes=1)


def more_exact(chosen: datetime | None, generic: datetime | None) -> datetime | None:
    """A higher layer's date alone (midnight) gives way to the generic layer's time on
    the same day: "2024-01-05" in JSON-LD, "2024-01-05 13:19:56" in a meta."""
    if chosen is None or generic is None:
        return chosen or generic
    midnight = (chosen.hour, chosen.minute, chosen.second, chosen.microsecond) == (0, 0, 0, 0)
    if midnight and generic.time() != chosen.time():
        if generic.astimezone(chosen.tzinfo).date() == chosen.date() or (
            generic.date() == chosen.date()
        ):
            return generic
    # (A UTC value is shown in the outlet's offset by extract._refine_time, which runs
    # first and sees every layer's time, this one's included.)
    return chosen
