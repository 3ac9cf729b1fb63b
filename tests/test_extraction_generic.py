"""Generic extraction on hand-made pages of sites no outlet rule covers.

General conventions only (tests/fixtures/pages/generic_*.html and inline
snippets): site-name suffixes and prefixes, bylines, publication metas and
`<time>`, the headline/standfirst/date lines trafilatura keeps, and the JSON-LD
articleBody rescue.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml.html import document_fromstring

from crawler.extraction import extract_article, rule_for
from crawler.extraction.generic import trim_generic
from crawler.extraction.generic_meta import generic_fields, prefer_headline, strip_site_name

PAGES = Path(__file__).parent / "fixtures" / "pages"
WIB = timezone(timedelta(hours=7))
CET = timezone(timedelta(hours=1))
COURIER_URL = "https://www.valleycourier.example/news/river-town-library"
LERENG_URL = "https://wartalereng.example.id/daerah/2025/11/07/petani-kopi-temanggung"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def html_page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


PARAGRAPHS = "".join(
    f"<p>Paragraph {n} of a long enough story about the harbour, the ferry and the town "
    f"council that argued for months about the timetable and its costs.</p>"
    for n in range(1, 7)
)


# -- whole pages ---------------------------------------------------------------------------


def test_english_page_with_byline_and_time():
    assert rule_for(COURIER_URL) is None
    article = extract_article(page("generic_english_byline.html"), COURIER_URL)
    assert article.title == "River Town Opens Its First Public Library"  # " | Valley Courier"
    assert article.authors == ["Jane Doe", "John Roe"]  # "By Jane Doe and John Roe"
    assert article.published_at == datetime(2024, 3, 5, 10, 15, tzinfo=CET)
    # The headline, the standfirst under it and the date line are not body text.
    assert article.body.startswith("The people of River Town gathered")
    assert article.body.endswith("how to keep the doors open.")
    assert article.body.count("\n\n") == 4
    assert article.provenance["body"] == "generic"
    assert article.provenance["authors"] == article.provenance["published_at"] == "generic"


def test_indonesian_page_with_metas_only():
    article = extract_article(page("generic_indonesian_meta.html"), LERENG_URL)
    # "Warta Lereng: …" names the site (the host's label), so it goes.
    assert article.title == "Petani Kopi Temanggung Panen Raya Lebih Awal"
    assert article.authors == ["Budi Santoso"]  # <meta name=author>
    assert article.published_at == datetime(2025, 11, 7, 15, 30, tzinfo=WIB)  # <meta name=pubdate>
    assert article.body.startswith("Petani kopi di lereng Gunung Sindoro")
    assert article.provenance["body"] == "generic"


def test_jsonld_still_wins_over_generic_fields():
    ld = {
        "@type": "NewsArticle",
        "headline": "Ferry Timetable Agreed",
        "author": {"@type": "Person", "name": "Ana Lima"},
        "datePublished": "2024-06-01T08:00:00+01:00",
    }
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    body = '<span class="byline">By Someone Else</span><time datetime="2020-01-01">x</time>'
    article = extract_article(html_page(head, body + PARAGRAPHS), "https://harbour.example/a")
    assert article.authors == ["Ana Lima"]
    assert article.published_at == datetime(2024, 6, 1, 8, 0, tzinfo=CET)
    assert article.provenance["authors"] == article.provenance["published_at"] == "jsonld"


# -- JSON-LD articleBody -------------------------------------------------------------------

DECLARED = [
    "The harbour council agreed on a new ferry timetable on Monday after months of debate.",
    "Boats will leave every forty minutes in summer and every hour in winter, the council said.",
    "Fishermen had asked for an early boat so that the morning catch reaches the market on time.",
    "The new timetable starts in May and will be reviewed after its first full year of service.",
    "Tickets will cost the same as last year, and children under twelve will travel for free.",
    "The council thanked residents for the letters and the petitions sent during the debate.",
]


def declared_page(article_body: str) -> str:
    ld = {"@type": "NewsArticle", "headline": "Ferry timetable agreed", "articleBody": article_body}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    return html_page(head, '<h1>Ferry timetable agreed</h1><div id="app"></div>')


def test_declared_body_rescues_a_script_rendered_page():
    article = extract_article(declared_page("\n".join(DECLARED)), "https://harbour.example/b")
    assert article.body == "\n\n".join(DECLARED)
    assert article.provenance["body"] == "jsonld"


def test_declared_body_in_html_is_flattened():
    markup = "".join(f"<p>{p}</p>" for p in DECLARED)
    article = extract_article(declared_page(markup), "https://harbour.example/b")
    assert article.body == "\n\n".join(DECLARED)


def test_truncated_declared_body_is_not_used():
    # The visible text is short, but a teaser cut off with "..." is no better.
    visible = "".join(f"<p>{p}</p>" for p in DECLARED[:3])
    teaser = " ".join(DECLARED * 2)[:900] + "..."
    ld = {"@type": "NewsArticle", "headline": "Ferry", "articleBody": teaser}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    article = extract_article(html_page(head, visible), "https://harbour.example/b")
    assert article.provenance["body"] == "generic"
    assert article.body == "\n\n".join(DECLARED[:3])


def test_declared_body_does_not_replace_a_good_extraction():
    ld = {"@type": "NewsArticle", "headline": "Ferry", "articleBody": "\n".join(DECLARED)}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    article = extract_article(html_page(head, PARAGRAPHS), "https://harbour.example/c")
    assert article.provenance["body"] == "generic"
    assert article.body.startswith("Paragraph 1 of a long enough story")


# -- title ---------------------------------------------------------------------------------


POST = "https://harbourpost.example/a"
TITLE = "Ferry Timetable Agreed"


@pytest.mark.parametrize(
    ("title", "site_names", "url", "expected"),
    [
        (f"{TITLE} | Harbour Post", ["Harbour Post"], "https://x.example/a", TITLE),
        (f"{TITLE} - harbourpost.com", [None], "https://www.harbourpost.com/a", TITLE),
        (
            "Harga Cabai Naik – Warta Kota",
            [None],
            "https://wartakota.example.id/a",
            "Harga Cabai Naik",
        ),
        (f"Harbour Post: {TITLE}", [None], POST, TITLE),
        # The part cut off would not be the site: kept.
        (f"{TITLE} - Fishermen Pleased", ["Harbour Post"], POST, f"{TITLE} - Fishermen Pleased"),
        ("Brexit: What Happens Next", ["Harbour Post"], POST, "Brexit: What Happens Next"),
        ("UK - Ferry Strike Ends", [None], "https://uk.example.com/a", "UK - Ferry Strike Ends"),
    ],
)
def test_site_name_is_stripped_only_when_it_names_the_site(title, site_names, url, expected):
    assert strip_site_name(title, site_names, url) == expected


def test_visible_headline_replaces_a_longer_title_that_starts_with_it():
    headline = "Ferry Timetable Agreed After Months"
    assert prefer_headline(headline + " - Local News - Harbour Post", headline) == headline
    # A logo <h1> (short) or a headline elsewhere in the title changes nothing.
    assert prefer_headline("Ferry Timetable Agreed | Harbour Post", "Harbour Post") == (
        "Ferry Timetable Agreed | Harbour Post"
    )
    assert prefer_headline("Breaking: " + headline, headline) == "Breaking: " + headline


# -- authors and dates ---------------------------------------------------------------------


def fields_of(head: str = "", body: str = "") -> dict:
    return generic_fields(document_fromstring(html_page(head, body)), "https://x.example/a")


def test_rel_author_links():
    fields = fields_of(body='<p>Words</p><a rel="author" href="/p/1">Maria Ortiz</a>')
    assert fields["authors"] == ["Maria Ortiz"]


def test_profile_url_in_article_author_is_not_a_name():
    head = '<meta property="article:author" content="https://www.facebook.com/someone">'
    assert fields_of(head, '<div class="author-name">Oleh Siti Aminah</div>')["authors"] == [
        "Siti Aminah"
    ]


def test_comment_authors_are_not_the_byline():
    assert fields_of(body='<span class="comment-author">troll99</span>')["authors"] == []


def test_marked_time_wins_over_other_times():
    body = (
        '<time datetime="2024-01-01T00:00:00+00:00">sidebar</time>'
        '<article><time datetime="2024-02-02T09:45:00+07:00" pubdate>2 Feb</time></article>'
    )
    assert fields_of(body=body)["published_at"] == datetime(2024, 2, 2, 9, 45, tzinfo=WIB)


def test_time_inside_the_article_wins_over_page_chrome():
    body = (
        '<header><time datetime="2024-01-01T00:00:00+07:00">today</time></header>'
        '<article><time datetime="2024-02-02T09:45:00+07:00">2 Feb</time></article>'
    )
    assert fields_of(body=body)["published_at"] == datetime(2024, 2, 2, 9, 45, tzinfo=WIB)


def test_publication_meta_beyond_opengraph():
    head = '<meta itemprop="datePublished" content="2025-11-07T08:05:00+07:00">'
    assert fields_of(head)["published_at"] == datetime(2025, 11, 7, 8, 5, tzinfo=WIB)


# -- body edges ----------------------------------------------------------------------------

BODY = ["First real paragraph.", "Second real paragraph.", "Third real paragraph."]


def test_headline_and_standfirst_are_dropped_from_the_top():
    paragraphs = ["Ferry Agreed", "The council agreed on a timetable.", *BODY]
    assert (
        trim_generic(paragraphs, ["Ferry Agreed"], ["The council agreed on a timetable."]) == BODY
    )


def test_description_alone_at_the_top_is_the_lead_and_stays():
    paragraphs = ["The council agreed on a timetable.", *BODY]
    assert trim_generic(paragraphs, ["Ferry Agreed"], ["The council agreed on a timetable."]) == (
        paragraphs
    )


@pytest.mark.parametrize(
    "line",
    ["October 12, 2017", "Senin, 12 Februari 2024 10:00 WIB", "Updated at 1:23 p.m."],
)
def test_date_lines_at_either_end_are_dropped(line):
    assert trim_generic([line, *BODY, line], [], []) == BODY


def test_sentences_with_numbers_stay():
    last = "The ferry carried 1,200 passengers in its first week, the council said on 3 May 2024."
    assert trim_generic([*BODY, last], [], []) == [*BODY, last]


def test_related_stories_heading_ends_the_body():
    paragraphs = [*BODY, "Fourth real paragraph.", "You may also like:", "Other story", "Another"]
    assert trim_generic(paragraphs, [], []) == [*BODY, "Fourth real paragraph."]
    indonesian = [*BODY, "Paragraf keempat.", "Berita Terkait", "Judul lain"]
    assert trim_generic(indonesian, [], []) == [*BODY, "Paragraf keempat."]


def test_related_heading_early_in_the_body_is_a_subheading():
    paragraphs = ["Intro paragraph.", "Related", *BODY, "Closing paragraph."]
    assert trim_generic(paragraphs, [], []) == paragraphs


def test_page_closing_lines_are_dropped():
    tail = [
        "___",
        "Follow our coverage at https://example.com/topic",
        "Sign up for our daily newsletter to get the top stories.",
        "Copyright © 2024 Harbour Post. All rights reserved.",
        "Comments",
    ]
    assert trim_generic([*BODY, *tail], [], []) == BODY


def test_promos_and_reading_time_are_dropped():
    paragraphs = [
        "4 min read",
        BODY[0],
        "CLICK HERE TO GET THE APP",
        "Read more: Another story about ferries",
        *BODY[1:],
    ]
    assert trim_generic(paragraphs, [], []) == BODY


def test_a_rule_between_sections_stays():
    paragraphs = [
        *BODY,
        "___",
        "Section two, first.",
        "Section two, second.",
        "Section two, third.",
    ]
    assert trim_generic(paragraphs, [], []) == paragraphs


def test_bylines_at_the_top_go_but_sentences_starting_with_by_stay():
    assert trim_generic(["By Jane Doe and John Roe", *BODY], [], []) == BODY
    opening = "By noon, the river had risen two metres."
    assert trim_generic([opening, *BODY], [], []) == [opening, *BODY]


def test_site_name_as_meta_author_is_not_a_person():
    head = '<meta property="og:site_name" content="Harbour Post">'
    assert fields_of(head + '<meta name="author" content="Harbour Post">')["authors"] == []


def test_unlabelled_by_is_not_part_of_the_name():
    assert fields_of(body='<p itemprop="author">By Jane Doe</p>')["authors"] == ["Jane Doe"]


def test_printed_date_in_a_date_element_is_the_last_resort():
    body = (
        '<div class="post-date-updated">Diperbarui Sabtu, 08 Nov 2025 09:00 WIB</div>'
        '<div class="post-date">Jumat, 07 Nov 2025 15:30 WIB</div>'
    )
    assert fields_of(body=body)["published_at"] == datetime(2025, 11, 7, 15, 30, tzinfo=WIB)
    # Without a year the date depends on when the page is read: not used.
    assert fields_of(body='<span class="time">3 jam lalu</span>')["published_at"] is None
