"""The seed article: a real Tribun Jogja article (data/seed-article.txt) served verbatim.

The plain-text file reads: tag line, title, lede (the description), "Penulis |
Editor" line, "Ringkasan Berita:" summary, the dateline paragraph, body
paragraphs with one "Baca juga:" line among them, the last paragraph ending
with the initials " (tro)", a blank line and the comment disclaimer.
"""

from __future__ import annotations

import re
from datetime import datetime

from replica.model import WIB, Insert, Rendering, TrueArticle
from replica.outlets.tribun import TRIBUN
from replica.text import DATA, slugify

SEED_URL = "https://jogja.tribunnews.com/2025/11/07/pemkot-magelang-gelar-retreat-diikuti-puluhan-pejabat-asn"
SEED_PUBLISHED = datetime(2025, 11, 7, 15, 30, tzinfo=WIB)
# The tags after the first one (the tag line) are ours: the text file shows only that one.
SEED_MORE_TAGS = ["ASN Kota Magelang", "retreat ASN", "Damar Prasetyono"]
# Where the seed's "Baca juga" link points: its title's slug, a day earlier (not in the site).
SEED_RELATED_DAY = "2025/11/06"

DATELINE = re.compile(r"^TRIBUNJOGJA\.COM, ([A-Z ]+) \u2013 (.+)$")
INITIALS = re.compile(r"^(.*\S) \((\w+)\)$")


def seed_text() -> str:
    return (DATA / "seed-article.txt").read_text(encoding="utf-8")


def seed_article() -> TrueArticle:
    """The seed article, parsed from the text file, with its exact truth."""
    lines = [line.strip() for line in seed_text().splitlines()]
    tag, title, description, byline, summary_line = lines[:5]
    authors, editors = _byline(byline)
    summary = summary_line.removeprefix("Ringkasan Berita:").strip()
    body_lines = lines[5 : lines.index("", 5)]

    dateline = _match(DATELINE, body_lines[0])
    location = dateline.group(1).title()
    paragraphs = [dateline.group(2)]
    inserts, related = [], []
    for line in body_lines[1:]:
        if line.startswith("Baca juga:"):
            related_title = line.removeprefix("Baca juga:").strip()
            related_url = f"https://{TRIBUN.host}/{SEED_RELATED_DAY}/{slugify(related_title)}"
            related.append((related_title, related_url))
            inserts.append(Insert(len(paragraphs) - 1, "related", len(related) - 1))
        else:
            paragraphs.append(line)
    last = _match(INITIALS, paragraphs[-1])
    paragraphs[-1], initials = last.group(1), last.group(2)

    rendering = Rendering(
        number=3_214_567,
        section_label="Magelang",
        kinds=("p",) * len(paragraphs),
        page_starts=(0,),
        inserts=(Insert(1, "ad"), *inserts, Insert(len(paragraphs) - 3, "share")),
        initials=initials,
        related=tuple(related),
    )
    return TrueArticle(
        source=TRIBUN.source,
        url=SEED_URL,
        section="magelang",
        title=title,
        description=description,
        summary=summary,
        authors=authors,
        editors=editors,
        published_at=SEED_PUBLISHED,
        modified_at=SEED_PUBLISHED,
        location=location,
        tags=[tag, *SEED_MORE_TAGS],
        body="\n\n".join(paragraphs),
        images=[],
        language="id",
        pages=1,
        rendering=rendering,
    )


def _match(pattern: re.Pattern[str], line: str) -> re.Match[str]:
    """The pattern's match of a line the seed file must have (ValueError if it has not)."""
    match = pattern.match(line)
    if match is None:
        raise ValueError(f"seed-article.txt: {line[:40]!r} does not match {pattern.pattern!r}")
    return match


def _byline(line: str) -> tuple[list[str], list[str]]:
    """'Penulis: A | Editor: B' -> (['A'], ['B'])."""
    writer, editor = (part.split(":", 1)[1].strip() for part in line.split("|"))
    return [writer], [editor]
