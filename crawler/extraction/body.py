"""Article body: paragraphs out of a body container, boilerplate out of paragraphs.

Two steps, so the generic layer can share the second:

1. `prune()` removes what is never text (ads, "Baca juga" widgets, figures,
   scripts…) from a body container; `collect_paragraphs()` then walks it in
   document order and returns its text blocks (p, headings, list items, text
   runs between `<br>`s).
2. `finish_body(pages, …)` removes boilerplate paragraphs ("Baca juga", share
   and newsletter pleas, the comment disclaimer), the dateline prefix of the
   first paragraph (returning its place), and the reporter's initials at the
   end of the last paragraph.

Figures become `images` entries via `figure_image()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler.extraction.people import is_outlet_name
from crawler.extraction.text import clean, title_case

# Elements whose text is one paragraph.
_BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt"}
)
# Elements that hold blocks; walked into.
_CONTAINERS = frozenset(
    {"div", "section", "article", "main", "ul", "ol", "dl", "center", "span", "font", "header"}
)
# Never article text, whatever the outlet. Tables too: in these outlets' bodies they
# hold "Baca juga" boxes and layout, not data the archive's paragraphs could keep.
_SKIP = frozenset(
    {
        "script", "style", "noscript", "iframe", "ins", "figure", "figcaption", "form",
        "button", "svg", "video", "audio", "object", "embed", "table", "aside", "nav",
        "footer", "select", "input", "textarea", "template", "img", "picture",
    }
)  # fmt: skip
_MAX_DEPTH = 60  # deeper than any real body; guards against hostile nesting

# Paragraphs that are not article text on any outlet. Matched at the paragraph's
# start (re.match), so a long paragraph costs one attempt, not one per character.
COMMON_BOILERPLATE = (
    r"baca\s+(?:juga|pula|selengkapnya|berita)\b",
    r"(?:lihat|simak)\s+(?:juga|video|breaking\s+news|berita)\b",
    r"laporan\s+(?:wartawan|reporter|kontributor|jurnalis)\b",
    r"isi\s+komentar\s+sepenuhnya\s+(?:adalah\s+)?tanggung\s+jawab",
    r".{0,200}whatsapp\s+channel",
    r"(?:cek|ikuti|dapatkan|gabung|simak)\b.{0,120}\b(?:google\s+news|whatsapp|telegram|newsletter)",
    r"(?:dapatkan|ikuti)\s+(?:update|informasi|berita)\b.{0,60}\b(?:setiap\s+hari|di\s+sini)",
    # Syndication notes: "Artikel ini telah naik di detikBali", "… telah tayang di Kompas.com".
    r"(?:artikel|berita|tulisan)\s+ini\s+(?:telah\s+|sudah\s+)?"
    r"(?:tayang|terbit|dimuat|naik|diterbitkan|ditayangkan|dipublikasikan)\b",
    r"(?:bagikan|share)\s*(?:artikel|berita)?\s*:?$",
    # Ad slots and their scroll prompts: "ADVERTISEMENT", "SCROLL TO RESUME CONTENT".
    r"(?:(?:advertisement|iklan)\s*)?(?:scroll\s+to\s+(?:continue|resume)(?:\s+with)?"
    r"(?:\s+content)?)?(?<=\w)$",
    r"halaman\s+(?:selanjutnya|berikutnya|\d+\s*/\s*\d+)\b",
    r"ringkasan\s+berita\b",  # Tribun's summary box when no rule removed it
    # Video embeds left as text: "[Gambas:Video 20detik]", "[Gambas:Video CNN]".
    r"\[\s*gambas\s*:[^\]]*\]$",
    # Photo captions and credits standing as paragraphs: "Foto: … (X/detikcom)",
    # "Lihat Foto", "KOMPAS.com/NAME", "(Dok. Humas Pemkab)", a caption closed by a
    # bracketed "Name/outlet" credit.
    r"(?:foto|photo|dok(?:umentasi)?\.?|ilustrasi|sumber\s+foto)\s*:.{0,300}$",
    r"lihat\s+foto$",
    r"[\w-]+\.(?:com|co\.id|id|co)\s*/\s*[^\s/][^/]{1,60}$",
    r"\(\s*(?:dok(?:umentasi)?\b\.?|foto\s*:|ist(?:imewa)?\b)[^()]{0,100}\)$",
    r".{0,300}\((?:[^()/]{2,60}/)+\s*(?:[\w-]+\.(?:com|co\.id|id)|detik\w*|antara(?:\s*foto)?"
    r"|kompas\w*|tribun\w*|tempo|kumparan|liputan6|cnn\s+indonesia)\s*\)$",
    # … or by a bracketed "Name Name/Agency" (a space: initials "(mea/mea)" have none),
    # or by a labelled credit: "… Foto: AP/Jon Super", "… Mandatory Credit: Name".
    r".{0,300}\((?:[^()]*\s[^()]*/[^()]+|[^()]+/[^()]*\s[^()]*)\)$",
    r".{0,300}\b(?:foto|photo|mandatory\s+credit)\s*:\s*[^.!?:]{2,80}$",
    # A bare "Agency/Name" credit line: "Antara/Teresia May", "AP/Jon Super".
    r"[\w.-]+(?:\s+[\w.-]+){0,2}\s*/\s*[\w.'-]+(?:\s+[\w.'-]+){0,3}$",
    # Credit tables and boxes: "Penulis : … Editor : … Sumber :", "| Editor | : Name |".
    r"\|?\s*(?:penulis|editor|reporter|pewarta|redaktur|red|penyunting|fotografer|kontributor"
    r"|sumber|videografer)\s*\|?\s*:.{0,150}$",
    # Okezone's "Telusuri berita … lainnya", Tempo's "Pilihan Editor: …".
    r"telusuri\s+berita\b",
    r"pilihan\s+editor\s*:",
    # No letters at all: separators ("-----", "***"), counters ("0"), stray pipes.
    r"[\W\d_]*$",
)
# Datelines of outlets without a rule, where the place is (Title or UPPER case):
# "SLEMAN, KOMPAS.com - ", "KRjogja.com - SLEMAN - ", "Harianjogja.com, SLEMAN—",
# "Liputan6.com, Jakarta - ", "REPUBLIKA.CO.ID, JAKARTA -- ", "Jakarta, CNN Indonesia -- ",
# "JAKARTA (Antara) - ", "JAKARTA - ", "Jakarta - " (detik's `<strong>Jakarta</strong> -`).
# Case-sensitive: a place is capitalised, so "Saat itu - kata dia" is no dateline.
_DASH = r"(?:-{1,2}|–|—)"
_DOMAIN = r"[\w-]+\.(?i:com|co\.id|co|id|net)"
_PLACE_UPPER = r"[A-Z][A-Z.'-]*(?: [A-Z][A-Z.'-]*){0,3}"
_PLACE_ANY = r"[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}"
_OUTLET_WORDS = r"[A-Z][\w.-]*(?: [A-Z][\w.-]*){0,2}"
GENERIC_DATELINES = (
    # outlet.com, Place -   /   outlet.com - PLACE -
    re.compile(rf"^{_DOMAIN}\s*[,–—-]\s*(?P<place>{_PLACE_ANY})\s*{_DASH}\s*"),
    # PLACE, outlet.com -   /   Place, CNN Indonesia --   (the place is no domain)
    re.compile(
        rf"^(?!{_DOMAIN}\b)(?P<place>{_PLACE_ANY})\s*,\s*(?:{_DOMAIN}|{_OUTLET_WORDS})\s*{_DASH}\s*"
    ),
    # PLACE (Antara) -   /   Mataram, NTB (ANTARA News) -
    re.compile(
        rf"^(?P<place>{_PLACE_ANY})(?:\s*,\s*{_PLACE_ANY})?\s*\({_OUTLET_WORDS}\)\s*{_DASH}\s*"
    ),
    # outlet.com -   (no place)
    re.compile(rf"^{_DOMAIN}\s*{_DASH}\s+"),
    # JAKARTA -   /   Jakarta -   (a dash with space around it, or the paragraph's end)
    re.compile(rf"^(?P<place>{_PLACE_UPPER})\s+{_DASH}(?:\s+|$)"),
    re.compile(rf"^(?P<place>[A-Z][a-z'.]+(?: [A-Z][a-z'.]+){{0,2}})\s+{_DASH}(?:\s+|$)"),
)
# Datelines that name the outlet (a domain, "(Antara)", "CNN Indonesia", "KompasOtomotif"):
# strong enough to mark where the article starts when they open a later paragraph.
STRONG_DATELINES = (
    GENERIC_DATELINES[0],
    re.compile(
        rf"^(?P<place>{_PLACE_ANY})\s*,\s*(?:{_DOMAIN}|[A-Z][\w.-]{{4,}}(?: [A-Z][\w.-]*)?)"
        rf"\s*{_DASH}\s*"
    ),
    GENERIC_DATELINES[2],
    GENERIC_DATELINES[3],
)
# The reporter's or editors' code closing the last paragraph: " (tro)", " (rih/ams)",
# " (Mvi/Ali)", " (*)", or a name after the last sentence: "… Denpasar. (Luh Wayanti)".
_INITIALS = re.compile(
    r"\s*\((?:[a-z]{2,5}(?:\s*/\s*[a-z]{2,5})*|[A-Za-z][a-z]{1,4}(?:\s*/\s*[A-Za-z][a-z]{1,4})+"
    r"|\*+)\)\s*$|\s*\[[a-z]{2,5}(?:\s*/\s*[a-z]{2,5})*\]\s*$"
    r"|(?<=[.!?\"”])\s*\((?:[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,3})\)\s*$"
)
# A caption's trailing credit: "(TRIBUNJOGJA.COM/Name)", "(Foto: Name/detikJogja)",
# or unbracketed "… Foto: Name/detikJogja".
_CAPTION_CREDIT = re.compile(
    r"\s*(?:\((?P<credit>[^()]+)\)|(?<![^\s.,])(?P<labelled>(?:foto|photo)\s*:\s*[^()]+?))\s*$",
    re.IGNORECASE,
)
_CREDIT_LABEL = re.compile(r"^(?:foto|photo|dok(?:umentasi)?\.?|sumber|credit)\s*:\s*", re.I)
_LAZY_SRC_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "src")
_BLANK_LINE = re.compile(r"\n\s*\n")


def prune(container: HtmlElement, unwanted: Iterable[HtmlElement]) -> None:
    """Remove `unwanted` elements and every never-text element (scripts, figures…)
    from the container, keeping the text that follows each (its tail)."""
    doomed = list(unwanted)
    doomed.extend(container.iter(*_SKIP))
    for element in doomed:
        if element is not container and element.getparent() is not None:
            element.drop_tree()


def collect_paragraphs(container: HtmlElement) -> list[str]:
    """The (pruned) container's text blocks in document order, cleaned, empty ones left out."""
    paragraphs: list[str] = []
    _walk(container, paragraphs, 0)
    return [p for p in paragraphs if p]


def _walk(element: HtmlElement, out: list[str], depth: int) -> None:
    # `run` gathers inline text (text nodes, <a>, <strong>…) until a block ends it.
    run: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag in _BLOCKS:
            _flush(run, out)
            out.append(clean(child.text_content()))
        elif tag in _CONTAINERS and depth < _MAX_DEPTH and _has_blocks(child):
            _flush(run, out)
            _walk(child, out, depth + 1)
        elif tag == "br":
            run.append("\n")
        elif isinstance(tag, str):
            run.append(child.text_content())
        run.append(child.tail or "")
    _flush(run, out)


def _has_blocks(element: HtmlElement) -> bool:
    """Whether a container holds block children (else it is inline text, like a span)."""
    return any(c.tag in _BLOCKS or c.tag in _CONTAINERS for c in element)


def _flush(run: list[str], out: list[str]) -> None:
    """Turn a run of inline text into paragraphs: a blank line (<br><br>) splits them."""
    text = "".join(run)
    run.clear()
    if text.strip():
        out.extend(clean(part) for part in _BLANK_LINE.split(text))


def finish_body(
    pages: Sequence[list[str]],
    *,
    boilerplate: re.Pattern,
    datelines: Iterable[re.Pattern],
) -> tuple[str | None, str | None]:
    """(body, location) from each page's raw paragraphs.

    Boilerplate paragraphs go; the first paragraph's dateline prefix goes (its
    place becomes the location); the last paragraph's initials go.
    """
    paragraphs: list[str] = []
    location = None
    previous: list[str] | None = None
    for number, page in enumerate(pages):
        if page == previous:
            continue  # some outlets serve their last page again for pages past the end
        previous = page
        kept = [p for p in page if not boilerplate.match(p)]
        if number == 0 and kept:
            kept[0], location = strip_dateline(kept[0], datelines)
        paragraphs.extend(p for p in kept if p)
    if paragraphs:
        paragraphs[-1] = _INITIALS.sub("", paragraphs[-1])
        if not paragraphs[-1]:
            paragraphs.pop()
    return ("\n\n".join(paragraphs) or None), location


def strip_dateline(paragraph: str, datelines: Iterable[re.Pattern]) -> tuple[str, str | None]:
    """Remove a dateline prefix ("TRIBUNJOGJA.COM, MAGELANG – ") → (rest, "Magelang")."""
    for pattern in datelines:
        match = pattern.match(paragraph)
        if match:
            place = match.groupdict().get("place")
            return paragraph[match.end() :].strip(), (title_case(place) if place else None)
    return paragraph, None


def figure_image(figure: HtmlElement, page_url: str) -> dict | None:
    """{"url", "caption", "credit"} for a body figure, or None when it has no image."""
    img = next(figure.iter("img"), None)
    if img is None:
        return None
    src = next(
        (
            img.get(attr).strip()
            for attr in _LAZY_SRC_ATTRIBUTES
            if img.get(attr) and not img.get(attr).strip().startswith("data:")
        ),
        None,
    )
    if not src:
        return None
    caption_element = next(figure.iter("figcaption"), None)
    caption_text = clean(caption_element.text_content()) if caption_element is not None else ""
    caption, credit = split_caption(caption_text or clean(img.get("alt")))
    try:
        url = urljoin(page_url, src)
    except ValueError:  # e.g. "http://[broken": not a URL
        return None
    return {"url": url, "caption": caption, "credit": credit}


def split_caption(text: str) -> tuple[str | None, str | None]:
    """Split a caption from its credit: "Caption (TRIBUNJOGJA.COM/Name)" → ("Caption", "Name").

    The credit is the bracketed tail's part that is not an outlet name; a
    bracketed tail without an outlet or a "Foto:" label is part of the caption.
    """
    match = _CAPTION_CREDIT.search(text)
    if not match:
        return (text or None), None
    inner = (match.group("credit") or match.group("labelled")).strip()
    labelled = bool(_CREDIT_LABEL.match(inner))
    parts = [part.strip() for part in _CREDIT_LABEL.sub("", inner).split("/")]
    people = [part for part in parts if part and not is_outlet_name(part)]
    if not labelled and len(people) == len(parts):
        return text, None  # "(ilustrasi)", "(kiri)": not a credit
    caption = text[: match.start()].strip()
    return (caption or None), ("/".join(people) or None)
