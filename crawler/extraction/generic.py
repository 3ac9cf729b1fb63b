"""Layer 3: pages no outlet rule covers, or whose layout the rule no longer matches.

The body comes from trafilatura, run on the tree we already parsed (it copies
before cleaning). Its paragraphs then get the same boilerplate, dateline and
initials treatment as rule-extracted ones. Title, authors and publication time
of generic pages come from `generic_meta.py`.

trafilatura's options were chosen by measurement on the shared
article-extraction benchmark (benchmarks/extraction_quality.py, 181 pages,
the benchmark's own metric, after `finish_body`):

- default, tables dropped: F1 0.959 (P 0.948, R 0.972), ~22 ms;
- favor_recall + fast (no readability/justext comparison) + tables kept:
  F1 0.966 (P 0.953, R 0.979), ~15 ms — higher *and* faster, so it is used.
  `fast` only skips the external comparison; trafilatura's own baseline rescue
  for near-empty results (which also reads JSON-LD articleBody) still runs;
- then `trim_generic` (headline, standfirst, date lines, related-stories tails,
  page-closing and promo lines): F1 0.970 (P 0.964, R 0.976).

Tried and dropped: favor_precision alone (F1 0.957 without fast; with fast it
loses recall, 0.946); pruning link-dense blocks via include_links (that option
changes trafilatura's extraction itself: F1 0.963); dropping all-capitals
lines (they are subheadings as often as promos).

Before trafilatura runs, text it would lose is given paragraphs: loose text beside
`<p>`s (detik's `<strong>Jakarta</strong> -`, VIVA's first paragraph), text split
by `<br><br>` without any `<p>`. After it, `trim_generic` also starts the article
at the headline or an outlet's dateline (teasers and captions above), ends it at
the editors' code ("(mea/mea)") or where the page turns into dated teasers, and
drops menus at either edge and a byline card; one-cell table rows (detik's caption
and "Baca juga" boxes) are judged as paragraphs. On the real Indonesian pages of
tests/fixtures/realpages (benchmarks/generic_realpages.py) that took the body from
P 0.82 / R 0.94 to P 0.93 / R 0.96 (trafilatura alone: 0.89 / 0.93); on the
181-page set F1 0.972 (P 0.969, R 0.975).

Also before trafilatura: a bold outlet dateline without its dash ("<b>Liputan6.com,
Jakarta</b> Text") gets one, and a block classed as a share bar or byline box that wraps
the article's paragraphs loses that class (trafilatura discarded Okezone 2017's whole
article so). After it: an initials code alone on its line ("(FHM)") and a page's
controls ("0 Komentar", "Load More...") end the article, embedded tweets go, and a name
in capitals closing the article is the writer's signature (`split_sign_off`).

Embedded tweets (the text, then "— Name (@handle) February 16, 2016") are dropped: the
real pages' truth counts them as no article text. The 181-page truth keeps them on 9
pages, so there this costs F1 0.972 → 0.969 (R 0.975 → 0.971); the other rules leave
the 181 pages as they were. Speed unchanged (warta/trafilatura 0.94 median of three
runs, before and after).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from itertools import accumulate

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from crawler.extraction.body import STRONG_DATELINES
from crawler.extraction.people import is_person_name
from crawler.extraction.text import clean, title_case

log = logging.getLogger(__name__)


# trafilatura is quadratic in how deeply tables (its table handling) and articles (its
# baseline's `article[not(ancestor::article)]`) nest in themselves: a broken or hostile page
# with 2,000 nested tables took 40-80 s, 3,000 nested articles 8 s
# (benchmarks/fuzz_extraction.py). Real layouts nest them a few levels; deeper ones are read
# as plain blocks (their text is kept).
# Its link-density pruning is quadratic in nesting depth too (2,000 nested lists of links:
# 8 s), so below MAX_DEPTH a subtree is flattened into its text. The deepest of the
# benchmark's 181 real pages and the replica's pages nest 50 levels.
MAX_SELF_NESTING = 10
MAX_DEPTH = 100
_TOO_DEEP = " | ".join(
    f"//{tag}[count(ancestor::{tag}) >= {MAX_SELF_NESTING}]" for tag in ("table", "article")
)
_DEPTH_LIMIT = f"//*[count(ancestor::*) = {MAX_DEPTH}][*]"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # lxml refuses them


def _defuse_deep_nesting(root: HtmlElement) -> None:
    """Bound trafilatura's work on pathologically nested pages (changes `root`; real pages,
    nested far less, are left as they are)."""
    for element in root.xpath(_DEPTH_LIMIT):
        etree.strip_elements(element, "script", "style", with_tail=False)
        text = element.text_content()
        for child in list(element):
            element.remove(child)
        element.text = _NOT_XML.sub("", text)
    for element in root.xpath(_TOO_DEEP):
        element.tag = "div"


# Inline elements: a run of them (and loose text) between paragraphs is text too.
_INLINE = frozenset(
    {"a", "b", "strong", "em", "i", "u", "span", "font", "small", "big", "sup", "sub", "mark",
     "abbr", "cite", "q", "time", "br", "s", "del", "ins"}
)  # fmt: skip
_MIN_PARAGRAPHS = 2
_LOOSE_DASH = re.compile(r"(?:-{1,2}|–|—)$")
_MAX_LOOSE_DATELINE_CHARS = 60


def _wrap_loose_text(root: HtmlElement, parents: Iterable[HtmlElement]) -> None:
    """Wrap loose text beside paragraphs into paragraphs of its own.

    Outlets write the dateline or the whole first paragraph as bare text next to
    the `<p>`s (detik: `<strong>Jakarta</strong> - <p>…`, VIVA: `<strong>VIVA.co.id
    </strong> - Otoritas… <p>…`), and the initials after them; trafilatura reads only
    the paragraphs, so that text was lost. `parents`: the elements holding `<p>`s."""
    declared = [
        e
        for e in root.xpath("//@itemprop/..")
        if e.get("itemprop") == "articleBody" and e.tag != "meta"
    ]
    for parent in dict.fromkeys([*parents, *declared]):
        if parent is None:
            continue
        paragraphs = sum(child.tag == "p" for child in parent)
        # schema.org's articleBody is the text whatever its markup (VIVA: text and <div>s).
        wanted = paragraphs >= _MIN_PARAGRAPHS or parent.get("itemprop") == "articleBody"
        if wanted and _has_loose_text(parent):
            _wrap_runs(parent)
        elif paragraphs and _leads_with_dateline(parent):
            _wrap_runs(parent)  # one long <p> (detik 2015) after "<strong>Jakarta</strong> -"


def _leads_with_dateline(parent: HtmlElement) -> bool:
    """Whether the loose text before the container's first `<p>` is a short "Place -"."""
    lead = [parent.text or ""]
    for child in parent:
        if child.tag == "p":
            break
        if child.tag not in _INLINE:
            return False
        lead.append(child.text_content() + (child.tail or ""))
    text = clean("".join(lead))
    return 0 < len(text) <= _MAX_LOOSE_DATELINE_CHARS and bool(_LOOSE_DASH.search(text))


# Text set as one block with `<br><br>` between paragraphs and no `<p>` at all (VIVA
# 2015, old CMSs): trafilatura drops the text before the first break.
_BROKEN_TEXT_XPATH = "//*[br[following-sibling::node()[1][self::br]]][not(p)][not(self::p)]"
_MIN_BROKEN_CHARS = 200


def _split_double_breaks(root: HtmlElement) -> None:
    """Turn text split by `<br><br>` (in an element without paragraphs) into `<p>`s."""
    for element in root.xpath(_BROKEN_TEXT_XPATH):
        if len(element.text_content()) < _MIN_BROKEN_CHARS:
            continue
        runs: list[HtmlElement] = [element.makeelement("p", {})]
        runs[0].text, element.text = element.text, None
        children = list(element)
        # A <br> directly followed (blank text aside) by another: a paragraph break.
        pair_start = [
            child.tag == "br"
            and index + 1 < len(children)
            and children[index + 1].tag == "br"
            and not (child.tail or "").strip()
            for index, child in enumerate(children)
        ]
        for index, child in enumerate(children):
            if pair_start[index]:
                continue  # the second <br> of the pair closes the paragraph
            if index > 0 and pair_start[index - 1]:
                runs.append(element.makeelement("p", {}))
                runs[-1].text, child.tail = child.tail, None
                element.remove(child)
                continue
            runs[-1].append(child)
        for index, run in enumerate(runs):
            element.insert(index, run)
        for child in children:  # the pairs' first <br>s, still in place
            if child.getparent() is element and child.tag == "br":
                element.remove(child)


def _has_loose_text(parent: HtmlElement) -> bool:
    if (parent.text or "").strip():
        return True
    return any(
        (child.tail or "").strip()
        or (child.tag in _INLINE and child.tag != "br" and _has_text(child))
        for child in parent
    )


def _has_text(element: HtmlElement) -> bool:
    return any(text.strip() for text in element.itertext())  # stops at the first


def _wrap_runs(parent: HtmlElement) -> None:
    children: list = []
    created: list[HtmlElement] = []
    pending = None
    if (parent.text or "").strip():
        pending = etree.SubElement(parent, "p")  # placed properly below
        pending.text, parent.text = parent.text, None
        children.append(pending)
        created.append(pending)
    for child in list(parent):
        if child is pending:
            continue
        if isinstance(child.tag, str) and child.tag in _INLINE:
            if pending is None:
                pending = parent.makeelement("p", {})
                children.append(pending)
                created.append(pending)
            pending.append(child)  # moves the child with its tail
            continue
        pending = None
        children.append(child)
        if (child.tail or "").strip():
            pending = parent.makeelement("p", {})
            pending.text, child.tail = child.tail, None
            children.append(pending)
            created.append(pending)
    for child in children:
        parent.append(child)
    for wrapped in created:
        _unfold(wrapped)
        _join_dateline(wrapped)


def _unfold(paragraph: HtmlElement) -> None:
    """Source line breaks inside loose text are spaces (`<br>` still breaks lines)."""
    for element in paragraph.iter():
        if element.text:
            element.text = element.text.replace("\n", " ")
        if element is not paragraph and element.tail:
            element.tail = element.tail.replace("\n", " ")


def _join_dateline(wrapped: HtmlElement) -> None:
    """A wrapped "Jakarta -" right before a paragraph is that paragraph's dateline."""
    following = wrapped.getnext()
    text = clean(wrapped.text_content())
    if following is None or following.tag != "p" or not _LOOSE_DASH.search(text):
        return
    if len(text) > _MAX_LOOSE_DATELINE_CHARS:
        return
    following.text = f"{text} {following.text or ''}"
    wrapped.drop_tree()


# Datelines that name the outlet and a place: "Liputan6.com, Jakarta", "JAKARTA, KOMPAS.com",
# "JAKARTA (Antara)". Bold at a paragraph's start, they are the dateline even without the
# dash that would close them in text.
_PLACED_DATELINES = STRONG_DATELINES[:3]
_MAX_BOLD_DATELINE_CHARS = 60
_OPENING_DASH = re.compile(r"\s*[-–—]")
# A domain ("Liputan6.com") or a bracketed agency ("(Antara)"): what names an outlet.
_NAMES_OUTLET = re.compile(r"\w\.(?:com|co\.id|co|id|net)\b|\(\w[\w .]*\)", re.IGNORECASE)


def _close_bold_dateline(paragraph: HtmlElement) -> None:
    """Give a bold outlet dateline opening the paragraph its closing dash.

    Liputan6 2016 sets `<p><b>Liputan6.com, Jakarta</b> London Love Story, film…`: the
    bold is where the dateline ends, but once the text is flattened "Jakarta London Love
    Story" reads as one name. A dash after the bold keeps the boundary."""
    if not len(paragraph) or (paragraph.text or "").strip():
        return
    bold = paragraph[0]
    if bold.tag not in ("b", "strong") or _OPENING_DASH.match(bold.tail or ""):
        return  # not bold, or the dash follows already
    text = clean(bold.text_content())
    if not text or len(text) > _MAX_BOLD_DATELINE_CHARS or _LOOSE_DASH.search(text):
        return
    if not _NAMES_OUTLET.search(text):
        return  # "<b>Budi Santoso, Presiden Direktur</b> mengatakan…" is a name and a role
    closed = f"{text} - "
    if any((m := p.match(closed)) and m.end() == len(closed) for p in _PLACED_DATELINES):
        bold.tail = " - " + (bold.tail or "").lstrip()


# Class words that make trafilatura discard a block as a byline or share box whatever it
# holds. Okezone 2017 wraps its whole article in `<div class="sosmedsticky author-and-share">`
# (a sticky share bar beside the text), so the article went and a teaser list was read.
_MASKING = re.compile(r"author|share|social|byline", re.IGNORECASE)
_WRAPPER_MIN_PARAGRAPHS = 3
_WRAPPER_MIN_CHARS = 600
_WRAPPER_MIN_LONGEST = 150  # a byline card or share bar has no paragraph this long


def _unmask_article_wrappers(counts: dict[HtmlElement, int]) -> None:
    """Drop the class and id of a "share"/"author" block around article paragraphs: it
    is the article's wrapper, not a box beside it. `counts`: the elements holding `<p>`s
    and how many (looked for from the paragraphs up: a search of every element's class
    costs more than the rest of this layer)."""
    for parent, count in counts.items():
        if count < _WRAPPER_MIN_PARAGRAPHS:
            continue
        sizes = [len(child.text_content()) for child in parent if child.tag == "p"]
        if sum(sizes) < _WRAPPER_MIN_CHARS or max(sizes) < _WRAPPER_MIN_LONGEST:
            continue
        for element in (parent, *parent.iterancestors()):
            names = f"{element.get('class', '')} {element.get('id', '')}"
            if _MASKING.search(names) and "comment" not in names.lower():
                element.attrib.pop("class", None)
                element.attrib.pop("id", None)


def _paragraph_parents(root: HtmlElement) -> dict[HtmlElement, int]:
    """The elements holding `<p>`s, with how many; bold datelines are closed on the way
    (one walk over the paragraphs serves the steps before trafilatura)."""
    counts: dict[HtmlElement, int] = {}
    for paragraph in root.iter("p"):
        _close_bold_dateline(paragraph)
        parent = paragraph.getparent()
        if parent is not None:
            counts[parent] = counts.get(parent, 0) + 1
    return counts


def generic_paragraphs(root: HtmlElement, url: str) -> list[str]:
    """The page's main text as paragraphs, by trafilatura (empty when it finds none)."""
    _defuse_deep_nesting(root)
    _split_double_breaks(root)
    parents = _paragraph_parents(root)
    _unmask_article_wrappers(parents)
    _wrap_loose_text(root, parents)
    text = trafilatura.extract(
        root,
        url=url,
        output_format="txt",
        fast=True,
        favor_recall=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
        with_metadata=False,
    )
    if not text:
        return []
    return [line for line in (_unwrap_cell(clean(part)) for part in text.split("\n")) if line]


# trafilatura writes a table row as "| cell | cell |". A one-cell row in a news body is a
# box (a photo caption, a "Baca juga" link), not data: its text is judged as a paragraph.
_ONE_CELL_ROW = re.compile(r"^\|\s*([^|]*?)\s*\|$")


def _unwrap_cell(line: str) -> str:
    match = _ONE_CELL_ROW.match(line)
    return match.group(1) if match else line


# Edge lines that are page furniture on any site, not article text.
_YEAR_OR_TIME = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}[:.]\d\d\b")
_WORD = re.compile(r"\w+")
_DATE_LINE_MAX_CHARS = 70
_STANDFIRST_MAX_CHARS = 250
_HEADING_MAX_CHARS = 40
# A heading that introduces links to other stories; what follows it is not the article.
_RELATED_HEADING = re.compile(
    r"(?:you\s+(?:may|might)\s+also\s+like|related(?:\s+(?:stories|articles|posts|news|"
    r"coverage|content))?|more\s+(?:stories|from|on\s+this)|popular\s+on|recommended|"
    r"most\s+(?:read|popular)|trending|explore\s+further|see\s+more|read\s+next|"
    r"leggi\s+anche|lesen\s+sie\s+auch|mehr\s+zum\s+thema|leia\s+(?:também|mais)|"
    r"(?:berita|artikel)\s+(?:terkait|lainnya|terpopuler|pilihan|rekomendasi)|terpopuler|"
    r"lihat\s+juga|rekomendasi(?:\s+untuk\s+anda)?|pilihan\s+(?:editor|redaksi|untuk\s+anda)|"
    r"baca\s+berikutnya|berita\s+terkini|terkini|headlines?|what'?s\s+new|video\s+pilihan|"
    r"halaman\s+(?:selanjutnya|berikutnya)|next\s+page)"
    r"\s*[:.…]*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"(?:_{3,}|-{3,}|\*{3,}|={3,})$")
# Lines that close a page, not an article: copyright, comments, tags, sign-up pleas.
_TAIL_JUNK = re.compile(
    r"(?:copyright\b|©|ⓒ|\(c\)\s*\d{4}|all\s+rights\s+reserved|hak\s+cipta|"
    r"(?:post\s+(?:a\s+)?)?comments?\s*(?:\(\+\))?$|komentar$|tags?\s*:?$|filed\s+under|"
    r"_{3,}$|-{3,}$|share\s+(?:this|on)\b|"
    r"(?:sign\s+up|subscribe)\b.{0,150}$|.{0,100}\bnewsletters?\b.{0,100}$|follow\s+(?:us|@)\b|"
    r"disclaimer\s*:)",
    re.IGNORECASE,
)
# Lines that open a page above the article: reading time, a bare byline ("By Jane
# Doe and John Roe": capitalised words only, so "By noon, the river…" stays), an
# ad slot's label, a credit line ("Editor: Name": short, so a lead that starts
# "Editor: …" and goes on stays).
_HEAD_JUNK = re.compile(
    r"(?i:\d+\s*min(?:ute)?s?\s+read|reading\s+time|tempo\s+de\s+leitura|waktu\s+baca)"
    r"|(?i:by|oleh)\s+[A-Z][\w.'’,-]*(?:\s+(?:[A-Z][\w.'’,-]*|and|dan|&))*\s*$"
    r"|(?i:advertisement|iklan|scroll\s+to\s+continue\s+with\s+content)\s*$"
    r"|(?i:penulis|editor|reporter|pewarta|redaktur|kontributor)\s*:\s*[^.!?]{2,80}$"
)
# Promotional one-liners anywhere in the body.
_PROMO = re.compile(r"click\s+here\b.{0,80}$|(?:read|see)\s+more\s*:\s*.{0,120}$", re.I)


def trim_generic(
    paragraphs: list[str], titles: Iterable[str | None], descriptions: Iterable[str | None]
) -> list[str]:
    """Drop what trafilatura keeps around a generic article: the headline it repeats,
    a standfirst right under it, date lines, reading time and a bare byline at the top,
    a related-stories block and page-closing lines at the end, promo one-liners."""
    known_titles = _folded(titles)
    out = _start_at_headline(list(paragraphs), known_titles)
    if len(out) > 2 and out[0].casefold() in known_titles:
        out = out[1:]
        # Under the headline, the description is the standfirst (not body text); on
        # its own, a paragraph equal to the description is usually the lead: kept. A
        # standfirst is a sentence or two; a longer paragraph is the lead itself.
        first = out[0]
        if (
            len(out) > 2
            and len(first) <= _STANDFIRST_MAX_CHARS
            and first.casefold() in _folded(descriptions)
        ):
            out = out[1:]
    out = _end_at_initials(_start_at_dateline(_drop_furniture_runs(_drop_byline(out))))
    out = _end_at_page_controls(out)
    out = _drop_link_boxes(out)
    # Junk first, so a related-stories block or a rule above it ends up near the end.
    out = _drop_tail_junk(_cut_related_tail(_cut_furniture_tail(_drop_tail_junk(out))))
    out = [p for p in _drop_embedded_tweets(out) if not _PROMO.match(p)]
    while len(out) > 1 and (_is_date_line(out[0]) or _HEAD_JUNK.match(out[0])):
        out = out[1:]
    if len(out) > 1 and _is_date_line(out[-1]):
        out = out[:-1]
    return _end_at_repeated_title(out, known_titles)


# An embedded tweet as trafilatura renders Twitter's blockquote: the tweet's text, then
# its credit "— The GRAMMYs (@TheGRAMMYs) February 16, 2016" (Indonesian embeds: "16
# Februari 2016"), on a line of its own or closing the text's line.
_TWEET_CREDIT = re.compile(
    r"(?:^|\s)[—–-]{1,2}\s*[^()]{1,80}\(@\w{1,15}\)\s+"
    r"(?:[A-Z][a-z]+\.?\s+\d{1,2},|\d{1,2}\s+[A-Z][a-z]+\.?)\s+(?:19|20)\d\d$"
)
_MAX_TWEET_CHARS = 400  # 280 characters, its links spelled out, and the credit


def _drop_embedded_tweets(paragraphs: list[str]) -> list[str]:
    """Drop embedded tweets: the credit line and the tweet's text above it. A tweet is a
    quoted post of someone else's, not the article's text (the article reports it in its
    own words where it matters)."""
    out: list[str] = []
    for paragraph in paragraphs:
        match = len(paragraph) <= _MAX_TWEET_CHARS and _TWEET_CREDIT.search(paragraph)
        if not match:
            out.append(paragraph)
        elif match.start() == 0 and out and len(out[-1]) <= _MAX_TWEET_CHARS:
            out.pop()  # the credit alone on its line: the tweet's text is the line above
    return out


def _drop_tail_junk(paragraphs: list[str]) -> list[str]:
    end = len(paragraphs)
    while end > 1 and _TAIL_JUNK.match(paragraphs[end - 1]):
        end -= 1
    return paragraphs[:end]


def _cut_related_tail(paragraphs: list[str]) -> list[str]:
    """Everything from a "Related stories"-style heading in the second half on, or from
    a typed horizontal rule ("___") followed by at most two lines: agency credits and
    links (a rule between sections is followed by more)."""
    start = len(paragraphs) // 2
    for index in range(max(start, 1), len(paragraphs)):
        text = paragraphs[index]
        if len(text) <= _HEADING_MAX_CHARS and (
            _RELATED_HEADING.match(text) or (len(paragraphs) - index <= 3 and _RULE.match(text))
        ):
            return paragraphs[:index]
    return paragraphs


def _folded(texts: Iterable[str | None]) -> set[str]:
    return {clean(text).casefold() for text in texts if text}


def _is_date_line(paragraph: str) -> bool:
    """ "October 12, 2017", "Senin, 12 Februari 2024 10:00 WIB", "Updated at 1:23 p.m.":
    short, with a year or a clock time, and largely numbers."""
    if len(paragraph) > _DATE_LINE_MAX_CHARS or not _YEAR_OR_TIME.search(paragraph):
        return False
    tokens = _WORD.findall(paragraph)
    return sum(token.isdigit() for token in tokens) >= 0.25 * len(tokens)


# How far down the page the headline or a dateline may start the article: above them
# trafilatura keeps teasers of other stories, captions and kickers, never article text.
_LEAD_WINDOW = 7
_MAX_ABOVE_DATELINE_CHARS = 300
# The editors' code closing an Indonesian article: "(mea/mea)", "(fyk/ash)", "(tro)".
_CLOSING_INITIALS = re.compile(
    r"(?:^|\s)(?:\((?:[a-z]{2,5}(?:\s*/\s*[a-z]{2,5})*"
    r"|[A-Za-z][a-z]{1,4}(?:\s*/\s*[A-Za-z][a-z]{1,4})+)\)|\[[a-z]{2,5}(?:/[a-z]{2,5})*\])$"
)
# Page furniture: short lines that do not end a sentence ("Whats New", "Lihat Foto",
# "Rekomendasi untuk anda"), lines without letters ("-", "01"), and short lines
# stamped with a date or time (a listing's "02/11/2023, 21:01 WIB Judul lain").
_ENDS_STATEMENT = re.compile(r"[.!?:;\"”]\s*$")
_ENDS_SENTENCE = re.compile(r"[.!?\"'”’»)。！？」]\s*$")
_FURNITURE_MAX_CHARS = 50
_STAMPED_MAX_CHARS = 160
_MIN_FURNITURE_LINES = 3
_STAMP_SHARE = 0.25
# A clock time, a full date or a relative time: what a listing stamps on each teaser
# (a bare year is not: "2018 Theater Series" is a title).
_DATED = re.compile(
    r"\b\d{1,2}[:.]\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}\s+[a-z]{3,9}\.?,?\s+(?:19|20)\d\d\b"
    r"|\b\d+\s+(?:detik|menit|jam|hari|minggu|bulan|seconds?|minutes?|hours?|days?)\s+"
    r"(?:yang\s+)?(?:lalu|ago)\b",
    re.IGNORECASE,
)
_FURNITURE_SHARE = 0.6
_OPENING_LINES = 2
_MAX_TEXT_CUT = 0.5  # sentences after a furniture cut, at most this share of the text above
_TAIL_SEARCH_FROM = 0.4  # share of the text above which a furniture tail may not start


def _start_at_headline(paragraphs: list[str], known_titles: set[str]) -> list[str]:
    """Start at the headline when trafilatura put it a few lines down, under teasers of
    other stories, and more text follows it than precedes it."""
    for index in range(1, len(paragraphs) // 2 + 1):
        if paragraphs[index].casefold() not in known_titles:
            continue
        above = paragraphs[:index]
        teasers = sum(_is_furniture(p) for p in above) >= _FURNITURE_SHARE * len(above)
        longer_below = sum(len(p) for p in paragraphs[index + 1 :]) > sum(len(p) for p in above)
        if longer_below and (index < _LEAD_WINDOW or teasers):
            return paragraphs[index:]
    return paragraphs


def _start_at_dateline(paragraphs: list[str]) -> list[str]:
    """Start at a paragraph opening with an outlet's dateline ("JAKARTA, KOMPAS.com -"):
    the short lines above it are a photo caption or a kicker."""
    for index in range(1, min(_LEAD_WINDOW, len(paragraphs) - 1)):
        above = paragraphs[:index]
        # Captions, kickers, a printed date: short lines.
        if any(len(p) > _MAX_ABOVE_DATELINE_CHARS for p in above):
            return paragraphs
        if any(pattern.match(paragraphs[index]) for pattern in STRONG_DATELINES):
            return paragraphs[index:]
    return paragraphs


# The code alone on its line, in any case: Okezone's "<strong>(FHM)</strong>" after the
# last paragraph. An acronym in brackets never stands as a paragraph of its own.
_CODE_LINE = re.compile(r"\([A-Za-z]{2,5}(?:\s*/\s*[A-Za-z]{2,5})*\)$")


def _end_at_initials(paragraphs: list[str]) -> list[str]:
    """End at the editors' initials code in the second half: what follows is the page."""
    # The second half by lines or by text: a page's furniture is many short lines.
    total = sum(len(p) for p in paragraphs)
    seen = 0
    for index, paragraph in enumerate(paragraphs):
        # A code alone on its line is unmistakable: it may close an article followed by as
        # much teaser text as it has (then the page's second half starts below it).
        if index and seen >= _TAIL_SEARCH_FROM * total and _CODE_LINE.match(paragraph):
            return paragraphs[:index]
        seen += len(paragraph)
        in_tail = index >= len(paragraphs) // 2 or seen >= total / 2
        if in_tail and index < len(paragraphs) - 1 and _CLOSING_INITIALS.search(paragraph):
            return paragraphs[: index + 1]
    return paragraphs


# The page's controls under an article: a comment counter ("0 Komentar", Okezone's
# "0 komentardisclaimer"), a "Load More..." button. Readers' posts, teasers and comments
# follow them, never more of the article.
_PAGE_CONTROL = re.compile(
    r"(?:load\s+more|show\s+more|muat\s+lebih\s+banyak|tampilkan\s+lebih\s+banyak)\s*(?:\.+|…)?$"
    r"|\d+\s*(?:komentar|comments?|tanggapan)\s*(?:disclaimer)?\s*$",
    re.IGNORECASE,
)
_MAX_CONTROL_CHARS = 40


def _end_at_page_controls(paragraphs: list[str]) -> list[str]:
    """End before a comment counter or a "load more" button in the second half."""
    half_chars = sum(len(p) for p in paragraphs) / 2
    seen = 0
    for index, paragraph in enumerate(paragraphs):
        in_tail = index >= len(paragraphs) // 2 or seen >= half_chars
        seen += len(paragraph)
        if index and in_tail and len(paragraph) <= _MAX_CONTROL_CHARS:
            if _PAGE_CONTROL.match(paragraph):
                return paragraphs[:index]
    return paragraphs


def _is_furniture(paragraph: str) -> bool:
    if not any(ch.isalpha() for ch in paragraph):
        return True
    if _ENDS_SENTENCE.search(paragraph):
        return False
    if len(paragraph) <= _FURNITURE_MAX_CHARS:
        return True
    return len(paragraph) <= _STAMPED_MAX_CHARS and bool(
        _YEAR_OR_TIME.search(paragraph) or _DATED.search(paragraph)
    )


def _is_stamp(paragraph: str) -> bool:
    """A separator or a dated teaser: "-", "02/11/2023, 21:01 WIB", "Rabu, 04/11/2015 …",
    "25 menit lalu Judul lain"."""
    if not any(ch.isalpha() for ch in paragraph):
        return True
    return (
        len(paragraph) <= _STAMPED_MAX_CHARS
        and not _ENDS_SENTENCE.search(paragraph)
        and bool(_DATED.search(paragraph))
    )


def _cut_furniture_tail(paragraphs: list[str]) -> list[str]:
    """Cut where the rest of the page is mostly furniture: the recommendation boxes,
    story lists and account prompts trafilatura runs into after the article.

    A quarter of the block must be dated teasers or letterless separators, so an
    article closing with a short list (names, products, results) keeps it."""
    furniture = [_is_furniture(p) for p in paragraphs]
    stamps = [f and _is_stamp(p) for f, p in zip(furniture, paragraphs, strict=True)]
    # From each line to the end: how many furniture lines and stamps follow.
    furniture_after = list(accumulate(reversed(furniture)))[::-1]
    stamps_after = list(accumulate(reversed(stamps)))[::-1]
    # Text of the real paragraphs from each line on: a cut may not take much of it.
    text = [0 if f else len(p) for f, p in zip(furniture, paragraphs, strict=True)]
    text_after = list(accumulate(reversed(text)))[::-1]
    total = sum(len(p) for p in paragraphs)
    seen = 0
    for index, paragraph in enumerate(paragraphs):
        # The block opens with a few furniture lines in a row (a subheading alone is not it).
        opening = all(furniture[index : index + _OPENING_LINES])
        if index > 0 and opening and seen >= _TAIL_SEARCH_FROM * total:
            rest = len(paragraphs) - index
            if (
                furniture_after[index] >= _FURNITURE_SHARE * rest
                and stamps_after[index] >= _MIN_FURNITURE_LINES
                and stamps_after[index] >= _STAMP_SHARE * rest
                and text_after[index] <= _MAX_TEXT_CUT * seen
            ):
                return paragraphs[:index]
        seen += len(paragraph)
    return paragraphs


_MIN_RUN = 3  # this many short non-sentences in a row at an edge: a menu or a list of links
_MENU_SHARE = 2 / 3
_LIST_MARK = "- "
# A byline set as two lines: the name, then the role ("Dewi Kania" / "Jurnalis").
_ROLE_LINE = re.compile(
    r"(?:jurnalis|reporter|wartawan|penulis|editor|kontributor|koresponden|writer|"
    r"correspondent|staff\s+writer)$",
    re.IGNORECASE,
)
_NAME_LINE = re.compile(r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}$")


def _drop_byline(paragraphs: list[str]) -> list[str]:
    """A name line followed by a role line in the first lines: the byline, not text."""
    for index in range(min(_LEAD_WINDOW, len(paragraphs) - 2)):
        if _NAME_LINE.match(paragraphs[index]) and _ROLE_LINE.match(paragraphs[index + 1]):
            return paragraphs[:index] + paragraphs[index + 2 :]
    return paragraphs


def _drop_furniture_runs(paragraphs: list[str]) -> list[str]:
    """Drop a run of link-list lines opening or closing the text: navigation menus, the
    footer's links ("- Tentang Kami", "- Karir"), a rating widget ("- Like (0)").

    Most of the run must be list items ("- …", trafilatura's rendering of `<li>`) or
    dated teasers: an article opening or closing with short lines of its own (a table
    of dates, ticket prices) keeps them."""
    start = _run_length(paragraphs)
    if start < len(paragraphs) and _is_menu(paragraphs[:start]):
        paragraphs = paragraphs[start:]
    end = _run_length(paragraphs[::-1])
    if end < len(paragraphs) and _is_menu(paragraphs[len(paragraphs) - end :]):
        paragraphs = paragraphs[: len(paragraphs) - end]
    return paragraphs


def _run_length(paragraphs: list[str]) -> int:
    count = 0
    for paragraph in paragraphs:
        if not _is_furniture(paragraph):
            break
        count += 1
    return count


def _is_menu(run: list[str]) -> bool:
    marked = sum(p.startswith(_LIST_MARK) or _is_stamp(p) for p in run)
    return len(run) >= _MIN_RUN and marked >= _MENU_SHARE * len(run)


def _end_at_repeated_title(paragraphs: list[str], known_titles: set[str]) -> list[str]:
    """The headline again in the second half starts the page's furniture (a share box,
    a rating widget), not more of the article."""
    for index in range(max(1, len(paragraphs) // 2), len(paragraphs)):
        if paragraphs[index].casefold() in known_titles:
            return paragraphs[:index]
    return paragraphs


# A box of links to other stories set as lines: its label alone ("Baca juga:", "Berita
# Terkait", Media Indonesia's "Headline"), then the headlines it links.
_BOX_LABEL = re.compile(
    r"(?:baca\s+(?:juga|pula)|berita\s+(?:terkait|lainnya)|artikel\s+terkait|lihat\s+juga|"
    r"headlines?|pilihan\s+editor)\s*:?$",
    re.IGNORECASE,
)
_BOX_LINE_MAX_CHARS = 120
_BOX_MAX_LINES = 5


def _drop_link_boxes(paragraphs: list[str]) -> list[str]:
    """Drop a link box's label line and the headlines under it (short, no sentence)."""
    out: list[str] = []
    skipping = 0
    for paragraph in paragraphs:
        if _BOX_LABEL.match(paragraph):
            skipping = _BOX_MAX_LINES
            continue
        if (
            skipping
            and len(paragraph) <= _BOX_LINE_MAX_CHARS
            and not _ENDS_STATEMENT.search(paragraph)
        ):
            skipping -= 1
            continue
        skipping = 0
        out.append(paragraph)
    return out


# A writer's signature closing the article: a name in capitals alone on the last line
# (Tempo: "<strong>DINI TEJA</strong>"). Two to four words: one word in capitals alone
# is as often "SELESAI" or an outlet.
_SIGN_OFF = re.compile(r"[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){1,3}$")
_MAX_SIGN_OFF_CHARS = 40


def split_sign_off(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """(paragraphs without the closing signature, the writer's name in name case)."""
    if len(paragraphs) < 2:
        return paragraphs, None
    last = paragraphs[-1]
    if len(last) > _MAX_SIGN_OFF_CHARS or not _SIGN_OFF.match(last) or not is_person_name(last):
        return paragraphs, None
    return paragraphs[:-1], title_case(last)
