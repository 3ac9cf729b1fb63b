"""Bytes → text → one lxml tree.

Pages arrive as bytes of uncertain encoding. Decoding order: a byte-order mark;
valid UTF-8 (it is what these outlets serve, and a page that declares
ISO-8859-1 but is valid UTF-8 is almost always mislabelled); the charset the
page declares in a `<meta>`; UTF-8 with replacement characters when only a few
bytes are broken; cp1252 when the bytes are mostly not UTF-8 at all.
"""

from __future__ import annotations

import codecs
import re

from lxml import html as lxml_html
from lxml.etree import ParserError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# A tag-like thing: "<html", "<p>", "<!DOCTYPE", "</div>".
_TAG = re.compile(r"<(?:[a-zA-Z]|!|/[a-zA-Z])")
# How an HTML document starts; such input is HTML however damaged the rest is.
_HTML_START = re.compile(r"\s*<(?:!doctype|html|head|body|meta|title|!--|\?xml)", re.IGNORECASE)
# Control characters other than tab/newline/carriage return/form feed: binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
# What lxml refuses in text set through its API (form feed, U+FFFE/FFFF included): left in
# the tree, a later edit of it (dropping a node merges tails) raises ValueError.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Comments and processing instructions never carry article text; dropping them at
# parse time keeps every later walk simpler. huge_tree lifts libxml2's size limits.
PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)


def decode_html(data: bytes) -> str:
    """Decode a page's bytes into text (never raises)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared and declared != "utf-8":
        return data.decode(declared, errors="replace")
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    well_formed = sum(1 for char in text if ord(char) > 127) - broken
    if well_formed >= broken:
        return text  # mostly UTF-8 with a few damaged bytes
    return data.decode("cp1252", errors="replace")


def _declared_charset(data: bytes) -> str | None:
    """The codec named by a `<meta charset>` in the page's head, if Python knows it."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    # As browsers do (WHATWG Encoding): a page labelled latin-1 or ASCII is read as
    # windows-1252, which it almost always is; latin-1 would turn its curly quotes
    # and dashes into invisible C1 control characters.
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def looks_like_html(text: str) -> bool:
    """Whether decoded text is an HTML document at all (not empty, binary or plain text)."""
    head = text[:2048]
    if not head.strip():
        return False
    if _HTML_START.match(head):
        return True
    if len(_CONTROL.findall(head)) > len(head) // 20:
        return False  # binary: decoded noise is full of control characters
    return bool(_TAG.search(text[:65536]))


def parse_html(data: str | bytes) -> lxml_html.HtmlElement | None:
    """Decode if needed and parse once; None when the input is not an HTML document."""
    if not data:
        return None
    text = decode_html(data) if isinstance(data, bytes) else data
    if not looks_like_html(text):
        return None
    # lxml refuses str input that carries an XML encoding declaration.
    text = _XML_DECLARATION.sub("", text, count=1)
    # Stray control characters make libxml2 truncate the document; they are never text.
    if _NOT_XML.search(text):
        text = _NOT_XML.sub(" ", text)
    try:
        root = lxml_html.document_fromstring(text, parser=PARSER)
    except (ParserError, ValueError):
        return None
    return root
