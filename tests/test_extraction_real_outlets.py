"""The mechanisms that make real detik, Kompas and Tribun pages come out right.

The real saved pages are in tests/fixtures/realpages/ (tests/test_realpages.py
checks every field of each against its truth file); these tests pin down one
mechanism each, on a real page where one shows it, or on a few lines of markup:

- exact publication times from the outlet's metas: detik's WIB wall-clock values
  with a bogus "Z", epoch milliseconds, Kompas's content_PublishedDate;
- a UTC time (Kompas's JSON-LD) shown in the outlet's own offset;
- role-labelled credits (Kompas's hidden credit modal, the 2016 credit table)
  beating a JSON-LD author that is really the editor;
- people filters: photo credits, social accounts, URLs, desks, initials, media names;
- old layouts: detik 2015's one <p> split by <br><br>, Kompas kcm dates,
  Tribun 2015 told apart from 2025 by a layout marker;
- detik's dateline run "Jakarta -" and its trailing video/syndication lines.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml.html import fromstring

from crawler.extraction import continuation_urls, extract_article
from crawler.extraction.dates import parse_id_datetime, parse_wall_clock
from crawler.extraction.engine import collect_paragraphs, split_br_paragraphs
from crawler.extraction.people import (
    is_outlet_name,
    is_person_name,
    media_names,
    parse_credits,
    role_of,
    split_people,
)
from crawler.extraction.rules import rules_for

REAL = Path(__file__).parent / "fixtures" / "realpages"
WIB = timezone(timedelta(hours=7))


def real(name: str):
    """(article, truth) for a real saved page, extracted from its bytes."""
    truth = json.loads((REAL / f"{name}.truth.json").read_text(encoding="utf-8"))
    article = extract_article((REAL / f"{name}.html").read_bytes(), truth["url"])
    return article, truth


def page(head: str, body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


# -- Exact times from the outlet's metas ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-12-10T13-19-56Z", datetime(2022, 12, 10, 13, 19, 56, tzinfo=WIB)),  # detik 2022
        ("2015-11-05 T10:08:58Z", datetime(2015, 11, 5, 10, 8, 58, tzinfo=WIB)),  # detik 2015
        ("2022/12/10 13:19:56", datetime(2022, 12, 10, 13, 19, 56, tzinfo=WIB)),  # publishdate
        ("2023-11-02 21:34:19", datetime(2023, 11, 2, 21, 34, 19, tzinfo=WIB)),  # Kompas
        ("1670653196000", datetime(2022, 12, 10, 13, 19, 56, tzinfo=WIB)),  # epoch ms
        ("1670653196", datetime(2022, 12, 10, 13, 19, 56, tzinfo=WIB)),  # epoch seconds
        ("2015-11-05", None),  # a date alone is not exact
        ("2022-13-40 10:00:00", None),
        ("kemarin", None),
        ("", None),
    ],
)
def test_wall_clock_meta_values_are_read_in_the_outlets_zone(value, expected):
    parsed = parse_wall_clock(value, local_tz=WIB)
    assert parsed == expected
    if expected is not None:
        assert parsed.utcoffset() == timedelta(hours=7)


def test_english_at_before_the_time():
    """Liputan6 2015 prints "18 Jun 2015 at 06:25 WIB"; the time must not be lost."""
    assert parse_id_datetime("18 Jun 2015 at 06:25 WIB") == datetime(2015, 6, 18, 6, 25, tzinfo=WIB)


def test_detik_bogus_z_pubdate_beats_the_minute_on_the_page():
    html = page(
        '<meta name="pubdate" content="2015-11-05 T10:08:58Z" itemprop="datePublished">',
        '<h1 class="l_blue2_detik">Judul</h1><div class="author"><strong>Fino</strong> - '
        'detikinet</div><div class="date">Kamis, 05/11/2015 10:08 WIB</div>'
        '<div class="text_detail"><p>Isi berita.</p></div>',
    )
    article = extract_article(html, "http://inet.detik.com/read/2015/11/05/100026/1/323/x")
    assert article.published_at == datetime(2015, 11, 5, 10, 8, 58, tzinfo=WIB)
    assert article.published_at.utcoffset() == timedelta(hours=7)
    assert article.provenance["published_at"] == "meta"


def test_detik_epoch_milliseconds_meta():
    html = page(
        '<meta name="dtk:publishdateunix" content="1670653196000">',
        '<h1 class="detail__title">Judul</h1><div class="detail__date">Sabtu, 10 Des 2022 '
        '13:19 WIB</div><div class="detail__body-text"><p>Isi berita.</p></div>',
    )
    article = extract_article(html, "https://news.detik.com/berita/d-6453785/x")
    assert article.published_at == datetime(2022, 12, 10, 13, 19, 56, tzinfo=WIB)
    assert article.published_at.isoformat() == "2022-12-10T13:19:56+07:00"


def test_outlet_metas_apply_even_when_no_layout_of_the_outlet_matches():
    """Metas outlive layouts: a detik page no rule version reads still gets its second."""
    html = page(
        '<meta name="publishdate" content="2019/03/01 08:15:42">',
        "<article><h1>Judul berita yang cukup panjang</h1><p>Isi berita pertama yang cukup "
        "panjang untuk dibaca.</p></article>",
    )
    article = extract_article(html, "https://news.detik.com/berita/d-4444444/x")
    assert article.published_at == datetime(2019, 3, 1, 8, 15, 42, tzinfo=WIB)


def test_a_utc_jsonld_time_is_shown_in_the_outlets_offset():
    """Kompas 2023: JSON-LD and article:published_time say 14:34:19+00:00; the archive's
    published_tz must keep +07:00, and content_PublishedDate agrees to the second."""
    article, _ = real("kompas/money-2023-menhub-tiket-pesawat-p1")
    assert article.published_at.isoformat() == "2023-11-02T21:34:19+07:00"
    assert article.published_at == datetime(2023, 11, 2, 14, 34, 19, tzinfo=UTC)


def test_exact_seconds_from_another_layer_replace_a_minute_precision_winner():
    html = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Judul",'
        ' "datePublished": "2023-11-02T21:34:00+07:00"}</script>'
        '<meta name="content_PublishedDate" content="2023-11-02 21:34:19">',
        '<h1 class="read__title">Judul</h1><div class="read__content"><p>Isi.</p></div>',
    )
    article = extract_article(html, "https://money.kompas.com/read/2023/11/02/213419026/x")
    assert article.published_at == datetime(2023, 11, 2, 21, 34, 19, tzinfo=WIB)
    assert article.provenance["published_at"] == "meta"


def test_kcm_visible_date_without_seconds():
    """Kompas 2016 pages have no machine-readable date: "Selasa, 16 Februari 2016 | 14:38 WIB"."""
    article, _ = real("kompas/nasional-2016-menteri-yuddy")
    assert article.published_at.isoformat() == "2016-02-16T14:38:00+07:00"
    assert article.provenance["published_at"] == "rule:kompas@2"


# -- Credits: stated roles win ------------------------------------------------------------


def test_kompas_credit_modal_roles_beat_the_jsonld_author():
    """The 2023 page's JSON-LD author is the editor; the hidden modal says who wrote it."""
    article, _ = real("kompas/money-2023-menhub-tiket-pesawat-p1")
    assert article.authors == ["Isna Rifka Sri Rahayu"]
    assert article.editors == ["Yoga Sukmana"]
    assert article.provenance["authors"] == article.provenance["editors"] == "rule:kompas@1"


def test_meta_content_author_beats_a_jsonld_author_that_is_the_editor():
    html = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Judul",'
        ' "author": {"@type": "Person", "name": "Yoga Sukmana"}}</script>'
        '<meta name="content_author" content="Isna Rifka Sri Rahayu">'
        '<meta name="content_editor" content="Yoga Sukmana">',
        "<article><h1>Judul berita yang cukup panjang</h1><p>Isi berita pertama yang cukup "
        "panjang untuk dibaca.</p></article>",
    )
    article = extract_article(html, "https://example.com/read/1")
    assert article.authors == ["Isna Rifka Sri Rahayu"]
    assert article.editors == ["Yoga Sukmana"]
    assert article.provenance["authors"] == "meta"


def test_a_person_credited_only_as_editor_is_not_an_author():
    html = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Judul",'
        ' "author": [{"@type": "Person", "name": "Yoga Sukmana"}]}</script>'
        '<meta name="content_editor" content="Yoga Sukmana">',
        "<article><h1>Judul berita yang cukup panjang</h1><p>Isi berita pertama yang cukup "
        "panjang untuk dibaca.</p></article>",
    )
    article = extract_article(html, "https://example.com/read/2")
    assert article.authors == []
    assert article.editors == ["Yoga Sukmana"]
    assert "authors" not in article.provenance


def test_microdata_roles_settle_a_jsonld_author_that_is_the_editor():
    """Antara 2017: JSON-LD author "B Kunto Wibisono" is the editor; the byline's
    itemprop=author and the itemprop=editor after the text say so."""
    article, _ = real("antara/berita-2017-brotoseno-angie")
    assert article.authors == ["Desca Lidya Natalia"]
    assert article.editors == ["B Kunto Wibisono"]
    assert article.provenance["authors"] == "microdata"


def test_an_editor_stated_only_in_microdata_on_a_page_no_rule_reads():
    """Antara 2015: "Editor: <span itemprop=editor>Ade Marboen</span>" after the text."""
    article, _ = real("antara/berita-2015-lombok-penerbangan")
    assert article.editors == ["Ade Marboen"]
    assert article.provenance["editors"] == "microdata"


def test_markup_inside_a_microdata_time_attribute_is_ignored():
    """Liputan6 2015: datetime="18 Jun 2015 at &lt;span&gt;06:25 WIB&lt;/span&gt;"."""
    article, _ = real("liputan6/news-2015-jk-ahok-blusukan")
    assert article.published_at.isoformat() == "2015-06-18T06:25:00+07:00"


@pytest.mark.parametrize(
    ("name", "authors", "editors"),
    [
        ("kompas/nasional-2016-menteri-yuddy", ["Nabilla Tashandra"], ["Bayu Galih"]),
        ("kompas/regional-2015-lhokseumawe", ["Masriadi"], ["Ervan Hardoko"]),  # Kontributor
        ("kompas/internasional-2016-zuckerberg", [], ["Ervan Hardoko"]),  # only Sumber besides
        ("kompas/bola-2016-samsul-arif", ["Ferril Dennys"], ["Aloysius Gonsaga AE"]),
    ],
)
def test_kompas_2016_credit_table_roles(name, authors, editors):
    """Penulis/Editor/Sumber rows, never the lead photo's credit ("Twitter @Persib")."""
    article, _ = real(name)
    assert (article.authors, article.editors) == (authors, editors)


def test_republika_short_labels():
    assert parse_credits("Rep: Ahmad Islamy | Red: Yudha Manggala P Putra") == (
        ["Ahmad Islamy"],
        ["Yudha Manggala P Putra"],
    )


def test_credit_roles():
    assert role_of(" Penulis ") == "authors"
    assert role_of("Editor") == "editors"
    assert role_of("Sumber") is None
    assert role_of(None) is None


# -- People filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Twitter @Persib",
        "Facebook",
        "Dok.Saleh Husin",
        "Dok. Pribadi",
        "Istimewa",
        "https://www.facebook.com/detikcom",
        "Tim detikBali",
        "KOMPAS.com/NABILLA TASHANDRA",
        "Edi Wahyono/detikcom",
        "ANTARA FOTO/Hafidz Mubarak",
        "Kompas Cyber Media",
        "bgs",
        "Getty Images",
    ],
)
def test_photo_credits_desks_accounts_and_urls_are_not_people(text):
    assert split_people(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mulia Budi - detikNews", ["Mulia Budi"]),
        ("Fino Yurio Kristo - detikinet", ["Fino Yurio Kristo"]),
        ("Kontributor Lhokseumawe, Masriadi", ["Masriadi"]),
        ("Viva Yoga Mauladi", ["Viva Yoga Mauladi"]),  # a person whose name starts like an outlet
        ("Antara Sukma", ["Antara Sukma"]),
    ],
)
def test_people_survive_the_filters(text, expected):
    assert split_people(text) == expected


def test_media_names_come_from_the_rules_and_the_data_file():
    prefixes, names = media_names()
    assert "detik" in prefixes and "antara" in names
    assert is_outlet_name("Antara Foto") and is_outlet_name("antaranews.com")
    assert is_outlet_name("detikSport") and is_outlet_name("CNN Indonesia")
    assert not is_person_name("Kompas TV")
    assert is_person_name("Isna Rifka Sri Rahayu")


def test_detik_desk_byline_gives_no_author():
    """detikTravel 2022: meta author, JSON-LD Person and byline all say "Tim detikBali"."""
    article, _ = real("detik/travel-2022-kadispar-badung")
    assert article.authors == []


# -- Old layouts --------------------------------------------------------------------------


def test_one_paragraph_split_by_double_br_becomes_paragraphs():
    container = fromstring(
        '<div><strong>Jakarta</strong> - <p class="x">Satu &amp; <b>dua</b>.<br /><br />'
        "Tiga <em>empat</em><br/>\n <br>Lima<br>- enam</p><strong>(fyk/ash)</strong></div>"
    )
    split_br_paragraphs(container)
    assert collect_paragraphs(container) == [
        "Jakarta -",
        "Satu & dua.",
        "Tiga empat",
        "Lima - enam",  # a single <br> is a space
        "(fyk/ash)",
    ]


def test_detik_2015_layout():
    article, truth = real("detik/2015-16-detik-singlepage")
    assert article.provenance["body"] == "rule:detik@2"
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) == 6
    assert paragraphs[0].startswith(truth["body_first"])
    assert (article.location, article.authors) == ("Jakarta", ["Fino Yurio Kristo"])


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("detik/news-2022-polisi-pistol", "rule:detik@1"),
        ("detik/inet-2022-bos-kripto", "rule:detik@1"),
        ("detik/travel-2022-kadispar-badung", "rule:detik@4"),
        ("detik/sport-2021-insider-bola-mati", "rule:detik@3"),
        ("detik/news-2015-ugm-robot", "rule:detik@3"),
        ("detik/2015-16-detik-singlepage", "rule:detik@2"),
        ("kompas/money-2023-menhub-tiket-pesawat-p1", "rule:kompas@1"),
        ("kompas/nasional-2016-menteri-yuddy", "rule:kompas@2"),
        ("kompas/bola-2015-pengaturan-skor", "rule:kompas@3"),
        ("kompas/otomotif-2016-gaikindo", "rule:kompas@4"),
        ("tribun/tribunnews-2015-taksi-uber", "rule:tribun@2"),
    ],
)
def test_each_layout_is_read_by_its_rule_version(name, label):
    article, truth = real(name)
    assert article.provenance["body"] == label
    assert article.title == truth["title"]
    assert article.location == truth["location"]


def test_tribun_layout_marker_orders_versions():
    """Tribun 2015 and 2025 share a body container: the marked version is tried first,
    and applies only where its marker matches (the 2025 seed page keeps tribun@1)."""
    labels = [rule.label for rule in rules_for("https://jogja.tribunnews.com/2025/11/07/x")]
    assert labels == ["rule:tribun@2", "rule:tribun@1"]
    seed = (Path(__file__).parent / "fixtures" / "pages" / "tribun_seed.html").read_bytes()
    article = extract_article(seed, "https://jogja.tribunnews.com/2025/11/07/x")
    assert article.provenance["body"] == "rule:tribun@1"


def test_tribun_2015_credits_and_date_line():
    article, _ = real("tribun/tribunnews-2015-taksi-uber")
    assert (article.authors, article.editors) == (["Glery Lazuardi"], ["Willy Widianto"])
    # Not the header clock div#jam title="2015-06-19T13:05:17+07:00" (the time it was served).
    assert article.published_at.isoformat() == "2015-06-19T12:58:00+07:00"


# -- Photos: the cover photo above the body, caption and credit apart --------------------


@pytest.mark.parametrize(
    ("name", "caption", "credit"),
    [
        # figcaption "Foto: Ilustrasi penodongan (Edi Wahyono/detikcom)" in div.detail__media
        ("detik/news-2022-polisi-pistol", "Ilustrasi penodongan", "Edi Wahyono"),
        # div.cover-photo: div.photo__caption with its credit in span.photo__author
        (
            "kompas/money-2023-menhub-tiket-pesawat-p1",
            "Menteri Perhubungan Budi Karya Sumadi (kiri) dan Menteri Keuangan Sri Mulyani "
            "(kanan) dalam acara Kompas100 CEO Forum ke-14 di Novotel Balikpapan pada Rabu "
            "(1/11/2023).",
            "Tangkapan layar Kanal YouTube Harian Kompas",
        ),
    ],
)
def test_cover_photo_caption_and_credit(name, caption, credit):
    article, _ = real(name)
    assert [(image["caption"], image["credit"]) for image in article.images] == [(caption, credit)]


# -- Kompas multi-page ---------------------------------------------------------------------

KOMPAS_2023 = (
    "https://money.kompas.com/read/2023/11/02/213419026/"
    "menhub-bocorkan-penyebab-harga-tiket-pesawat-masih-mahal"
)


def test_kompas_paging_links_give_the_further_pages():
    html = (REAL / "kompas/money-2023-menhub-tiket-pesawat-p1.html").read_bytes()
    assert continuation_urls(html, KOMPAS_2023) == [KOMPAS_2023 + "?page=2"]
    assert continuation_urls(html, KOMPAS_2023 + "?page=all") == []  # the whole view


def test_kompas_page_count_meta_fills_in_pages_the_widget_leaves_out():
    """content_total_pages says how many pages there are, whatever links the widget shows."""
    html = (REAL / "kompas/money-2023-menhub-tiket-pesawat-p1.html").read_text(encoding="utf-8")
    start = html.index('<div class="read__paging clearfix">')
    end = html.index('<span class="js-autoNext-holder">')
    html = html[:start] + html[end:]  # no paging widget at all
    html = html.replace(
        'name="content_total_pages" content="2"', 'name="content_total_pages" content="3"'
    )
    assert continuation_urls(html, KOMPAS_2023) == [
        KOMPAS_2023 + "?page=2",
        KOMPAS_2023 + "?page=3",
    ]
    hostile = html.replace('content="3"', 'content="100000"')
    assert continuation_urls(hostile, KOMPAS_2023) == []


# -- detik's dateline and trailing lines ---------------------------------------------------


def test_detik_dateline_run_before_the_first_paragraph():
    html = page(
        "",
        '<h1 class="detail__title">Judul</h1><div class="detail__body-text">'
        "<strong>Jakarta</strong> -<p>Polisi masih mendalami kasus itu.</p></div>",
    )
    article = extract_article(html, "https://news.detik.com/berita/d-1/x")
    assert article.location == "Jakarta"
    assert article.body == "Polisi masih mendalami kasus itu."


@pytest.mark.parametrize(
    "name",
    [
        "detik/news-2022-polisi-pistol",
        "detik/inet-2022-bos-kripto",
        "detik/travel-2022-kadispar-badung",
    ],
)
def test_detik_trailing_video_ads_and_syndication_lines_leave_the_body(name):
    article, truth = real(name)
    for junk in (
        "SCROLL TO RESUME CONTENT",
        "ADVERTISEMENT",
        "[Gambas:Video 20detik]",
        "Lihat juga Video",
        "Simak Video",
        "Artikel ini telah naik di detikBali",
        "-----",
    ):
        assert junk not in article.body
    assert article.body.endswith(truth["body_last"])
