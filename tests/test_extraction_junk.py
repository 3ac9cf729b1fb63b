"""The generic clean-up: what is not article text leaves the body, on any outlet.

Snippets are modelled on real markup of Indonesian outlets (detik, Kompas, Tribun,
Liputan6, CNN Indonesia, Republika, Antara, Okezone, Tempo, Suara…); each rule is a
kind of junk or a layout, not a page. The last tests run the generic layer (the
outlet's host replaced by an unknown one) over the real pages in
tests/fixtures/realpages and hold it to what it achieves there.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml.html import document_fromstring

from crawler.extraction import extract_article
from crawler.extraction.body import GENERIC_DATELINES, finish_body
from crawler.extraction.engine import boilerplate_pattern
from crawler.extraction.generic import split_sign_off, trim_generic
from crawler.extraction.generic_meta import generic_fields

WIB = timezone(timedelta(hours=7))
UNKNOWN = "https://news.outlet-unknown.example/read/2024/01/05/judul"
REALPAGES = Path(__file__).parent / "fixtures" / "realpages"
BODY = [
    "Paragraf pertama berita ini cukup panjang untuk menjadi teks artikel yang sebenarnya.",
    "Paragraf kedua berita ini juga menceritakan kejadian yang sama dengan lebih rinci.",
    "Paragraf ketiga menutup berita dengan keterangan dari pihak kepolisian setempat.",
]
LONG_PARAGRAPHS = "".join(f"<p>{p} {p}</p>" for p in BODY)


def finished(paragraphs: list[str]) -> tuple[str | None, str | None]:
    return finish_body(
        [paragraphs], boilerplate=boilerplate_pattern(None), datelines=GENERIC_DATELINES
    )


def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


# -- datelines -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "place"),
    [
        ("JAKARTA, KOMPAS.com - ", "Jakarta"),
        ("TRIBUNJOGJA.COM, MAGELANG – ", "Magelang"),
        ("Liputan6.com, Jakarta - ", "Jakarta"),
        ("Jakarta, CNN Indonesia -- ", "Jakarta"),
        ("REPUBLIKA.CO.ID, JAKARTA -- ", "Jakarta"),
        ("Bisnis.com, JAKARTA — ", "Jakarta"),
        ("JAKARTA (Antara) - ", "Jakarta"),
        ("Mataram, NTB (ANTARA News) - ", "Mataram"),
        ("Jakarta, KompasOtomotif – ", "Jakarta"),
        ("KULON PROGO - ", "Kulon Progo"),
        ("Jakarta - ", "Jakarta"),
        ("Suara.com - ", None),
    ],
)
def test_datelines_move_to_location(opening, place):
    body, location = finished([opening + BODY[0], *BODY[1:]])
    assert body.startswith(BODY[0])
    assert location == place


def test_a_dateline_alone_on_its_line_is_the_location():
    body, location = finished(["Jakarta -", *BODY])
    assert (body.split("\n\n")[0], location) == (BODY[0], "Jakarta")


@pytest.mark.parametrize(
    "opening",
    ["Saat itu - kata dia - harga cabai naik.", "Menurut dia, harga cabai naik lagi."],
)
def test_sentences_are_no_datelines(opening):
    assert finished([opening, *BODY]) == ("\n\n".join([opening, *BODY]), None)


def test_loose_dateline_beside_the_first_paragraph():
    # detik 2015: <strong>Jakarta</strong> - <p>one paragraph, split by <br><br></p>
    text = "<br><br>".join(f"{p} {p}" for p in BODY)
    html = page(
        head="<title>Judul Berita Hari Ini</title>",
        body="<h1>Judul Berita Hari Ini</h1><div class='text_detail'><strong>Jakarta</strong>"
        f" - <p>{text}</p><strong>(fyk/ash)</strong></div>",
    )
    article = extract_article(html, UNKNOWN)
    assert article.location == "Jakarta"
    assert article.body.startswith(BODY[0])


@pytest.mark.parametrize(
    ("bold", "place"),
    [("Liputan6.com, Jakarta", "Jakarta"), ("SLEMAN, KOMPAS.com", "Sleman")],
)
def test_a_bold_dateline_without_a_dash_is_the_dateline(bold, place):
    # Liputan6 2016: <p><b>Liputan6.com, Jakarta</b> <a>London Love Story</a>, film…
    first = f"<p><b>{bold}</b> <a href='/tag/x'><em>London Love Story</em></a>, {BODY[0]}</p>"
    html = page(
        head="<title>Judul Berita Hari Ini</title>",
        body=f"<h1>Judul Berita Hari Ini</h1><div>{first}{LONG_PARAGRAPHS}</div>",
    )
    article = extract_article(html, UNKNOWN)
    assert article.location == place
    assert article.body.startswith(f"London Love Story, {BODY[0]}")


@pytest.mark.parametrize("bold", ["Budi Santoso", "Budi Santoso, Presiden Direktur"])
def test_a_bold_name_opening_a_paragraph_is_no_dateline(bold):
    first = f"<p><b>{bold}</b> {BODY[0]}</p>"
    html = page(body=f"<h1>Judul Berita Hari Ini</h1><div>{first}{LONG_PARAGRAPHS}</div>")
    article = extract_article(html, UNKNOWN)
    assert article.location is None
    assert article.body.startswith(f"{bold} {BODY[0]}")


def test_loose_first_paragraph_is_kept():
    # VIVA 2015: the first paragraph is bare text before the <p>s.
    html = (REALPAGES / "viva" / "dunia-2015-thailand-mers.html").read_bytes()
    truth = json.loads((REALPAGES / "viva" / "dunia-2015-thailand-mers.truth.json").read_text())
    assert _squash(_generic(html, truth).body).startswith(truth["body_first"])


# -- paragraphs that are never article text ------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # captions and photo credits
        "Foto: Ilustrasi penodongan (Edi Wahyono/detikcom)",
        "Lihat Foto",
        "KOMPAS.com/Nabilla Tashandra",
        "(Dok. Humas Pemkab Sleman)",
        "Antara/Teresia May",
        "Austin MacPhee mendampingi Dean Smith. (AP Photo/Jon Super) Foto: AP/Jon Super",
        "Dua gol dari sepak pojok di final 1999 paling dikenang. Mandatory Credit: Ben Radford",
        "Warga memadati alun-alun kota. (TRIBUNJOGJA.COM/Setya Krisna Sumarga)",
        "Pelatih Persib di Bandung (Tangkapan layar Kanal YouTube/Harian Kompas)",
        # ad slots, video embeds
        "ADVERTISEMENT",
        "SCROLL TO RESUME CONTENT",
        "ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT",
        "[Gambas:Video 20detik]",
        "[Gambas:Video CNN]",
        # syndication, calls to follow, editor's picks
        "Artikel ini telah naik di detikBali dan bisa dibaca selengkapnya di sini.",
        "Berita ini telah tayang di Kompas.com dengan judul Banjir Rendam Sleman.",
        "Simak berita dan artikel lainnya di Google News",
        "Telusuri berita news lainnya dari Okezone",
        "Pilihan Editor: Harga Cabai Naik Jelang Lebaran",
        # credit boxes and tables
        "Penulis : Nabilla Tashandra Editor : Bayu Galih Sumber : Antara",
        "| Penulis | : Anju Christian |",
        "Red: Yudha Manggala P Putra",
        "Sumber : Antara",
        # no letters at all
        "-----",
        "0",
    ],
)
def test_junk_paragraphs_leave_the_body(line):
    assert boilerplate_pattern(None).match(line)
    body, _location = finished([BODY[0], line, *BODY[1:]])
    assert line not in body


@pytest.mark.parametrize(
    "line",
    [
        "Foto-foto kejadian itu beredar di media sosial sejak Senin pagi.",
        "Sumber daya manusia menjadi kunci pembangunan desa, kata dia.",
        "Penulis buku itu mengaku terinspirasi oleh kisah neneknya.",
        "Polisi menyita 20 kilogram sabu dari dua tersangka di Sleman.",
    ],
)
def test_article_sentences_stay(line):
    assert not boilerplate_pattern(None).match(line)


@pytest.mark.parametrize(
    ("last", "kept"),
    [
        ("Peristiwa itu terjadi Rabu malam. (mea/mea)", "Peristiwa itu terjadi Rabu malam."),
        ("Samsung akan memperbaikinya. (fyk/ash)", "Samsung akan memperbaikinya."),
        ("Warga diminta waspada. (tro)", "Warga diminta waspada."),
        ("Layanan 4G sudah tersedia. (Cas/Isk)", "Layanan 4G sudah tersedia."),
        ("Jenazah ditemukan di Denpasar. (Luh Wayanti)", "Jenazah ditemukan di Denpasar."),
        # Not a code: a bracketed abbreviation or a name inside the sentence.
        ("Ia bertemu utusan Amerika Serikat (AS).", "Ia bertemu utusan Amerika Serikat (AS)."),
        (
            "Hal itu dikatakan Ketua KPU (Arief Budiman)",
            "Hal itu dikatakan Ketua KPU (Arief Budiman)",
        ),
    ],
)
def test_closing_codes_leave_the_last_paragraph(last, kept):
    body, _location = finished([*BODY, last])
    assert body.split("\n\n")[-1] == kept


# -- the edges of a generic body -----------------------------------------------------------


def test_article_starts_at_the_dateline_under_a_caption():
    caption = "Menperin berkunjung ke pabrik SAIC-GM-Wuling di Qingdao, Juni 2015."
    paragraphs = [caption, "Jakarta, KompasOtomotif – " + BODY[0], *BODY[1:]]
    assert trim_generic(paragraphs, [], []) == paragraphs[1:]


def test_a_weak_dateline_below_a_summary_does_not_cut_it():
    summary = "Native ad units generate the greatest revenue, a new study shows."
    paragraphs = [summary, "New York, NY – " + BODY[0], *BODY[1:]]
    assert trim_generic(paragraphs, [], []) == paragraphs


def test_article_starts_at_the_headline_under_teasers():
    teasers = ["-", "Kamis, 05/11/2015 09:25 WIB Ini Dia Tempat Terbasah di Dunia"] * 4
    title = "Google Umbar Kelemahan Galaxy S6 Edge"
    assert trim_generic([*teasers, title, *BODY], [title], []) == BODY


def test_article_ends_at_the_editors_code():
    paragraphs = [
        *BODY,
        "Kalimat terakhir berita. (mea/mea)",
        "Tag terkait",
        "Berita lain hari ini.",
    ]
    assert trim_generic(paragraphs, [], []) == paragraphs[:4]


def test_dated_teasers_after_the_article_go():
    tail = [
        "Halaman Selanjutnya",
        "Sementara maskapai membutuhkan suku cadang…",
        "Rekomendasi untuk anda",
        "Whats New",
        "02/11/2023, 21:01 WIB",
        "02/11/2023, 20:33 WIB",
        "Earn Smart",
        "02/11/2023, 19:46 WIB",
        "Lengkapi Profil",
    ]
    assert trim_generic([*BODY, *tail], [], []) == BODY


def test_subheadings_before_teasers_stay():
    # Tempo: short subheadings in the article, then a list of teasers stamped "… lalu".
    article = [BODY[0], "Kurang Motivasi", BODY[1], "Tidak Punya Waktu", BODY[2]]
    teasers = [f"- {n} menit lalu Judul berita lain nomor {n}" for n in (5, 9, 14, 16)]
    assert trim_generic([*article, *teasers], [], []) == article


def test_a_link_box_label_and_its_headlines_go():
    box = [
        "Baca juga:",
        "Kisah Mayor Raheem, masuk Islam dan jadi Imam di tentara AS",
        "Kisah lain",
    ]
    assert trim_generic([BODY[0], *box, *BODY[1:]], [], []) == BODY


def test_square_bracketed_initials_end_the_article_even_under_a_long_page_tail():
    tail = ["FOLLOW", "Komentar Anda", "Suka artikel ini ?"] + [f"Menu {n}" for n in range(12)]
    paragraphs = [*BODY, "Kalimat terakhir berita.", "[ian]", *tail]
    assert trim_generic(paragraphs, [], []) == [*BODY, "Kalimat terakhir berita.", "[ian]"]
    body, _location = finished([*BODY, "Kalimat terakhir berita. [ian]"])
    assert body.endswith("Kalimat terakhir berita.")


def test_a_comment_disclaimer_closes_the_page():
    disclaimer = "Disclaimer : Komentar adalah tanggapan pribadi, tidak mewakili kebijakan redaksi."
    assert trim_generic([*BODY, disclaimer], [], []) == BODY


@pytest.mark.parametrize(
    "tweet",
    [
        [
            "A standing ovation for 12-year-old @_JoeyAlexander! #GRAMMYs",
            "— The GRAMMYs (@TheGRAMMYs) February 16, 2016",
        ],
        ["Persib juara! #PersibDay — PERSIB (@persib) 16 Februari 2016"],
    ],
)
def test_an_embedded_tweet_is_no_article_text(tweet):
    assert trim_generic([BODY[0], *tweet, *BODY[1:]], [], []) == BODY
    assert trim_generic([*BODY, *tweet], [], []) == BODY


def test_a_sentence_quoting_a_handle_stays():
    quoted = "Akun resmi klub — Persib (@persib) — mengumumkan kabar itu pada Senin."
    assert trim_generic([*BODY, quoted], [], []) == [*BODY, quoted]


@pytest.mark.parametrize("control", ["0 komentardisclaimer", "12 Komentar", "Load More..."])
def test_page_controls_end_the_article(control):
    readers = [
        "Gak keberatan tuh...!?hahaha @IndonesiaRSS: Ahok Dukung Jokowi http://t.co/XMQ",
        "Presiden adalah Panglima Tertinggi sejak detik dilantik.... Keluarga kehormatan",
    ]
    assert trim_generic([*BODY, control, *readers], [], []) == BODY


def test_a_code_alone_on_its_line_ends_the_article_above_a_long_teaser_list():
    # Okezone 2017: "<strong>(FHM)</strong>" after the last <p>, then as much teaser text.
    teasers = [
        "BERITA LAINNYA",
        *[f"Judul berita lain nomor {n} yang cukup panjang" for n in range(4)],
        BODY[0],
    ]
    assert trim_generic([*BODY, "(FHM)", *teasers], [], []) == BODY


def test_an_article_in_a_block_classed_as_a_share_bar_is_read():
    # Okezone 2017 wraps the article in <div class="sosmedsticky author-and-share">, which
    # trafilatura discards as a byline/share box; then it read the teaser list instead.
    teaser = "<li><div class='news-content'><a href='/x'>Judul lain</a><p>{}</p></div></li>"
    html = page(
        body="<h1>Judul Berita Hari Ini</h1>"
        "<div class='sosmedsticky author-and-share'><div class='ctn-desc'>"
        f"{LONG_PARAGRAPHS * 2}"
        "</div></div><div class='berita-lainnya'><ul>"
        + "".join(teaser.format(f"Ringkasan berita lain nomor {n}.") for n in range(8))
        + "</ul></div>"
    )
    body = extract_article(html, UNKNOWN).body
    assert body.startswith(BODY[0]) and BODY[2] in body


def test_a_share_bar_stays_out():
    bar = "<div class='share-box'><p>Bagikan</p><p>Facebook</p><p>Twitter</p></div>"
    html = page(body=f"<h1>Judul Berita Hari Ini</h1><div>{LONG_PARAGRAPHS}{bar}</div>")
    assert "Facebook" not in extract_article(html, UNKNOWN).body


def test_a_short_list_closing_the_article_stays():
    results = ["1. Budi Santoso", "2. Siti Aminah", "3. Joko Susilo", "4. Rina Wati"]
    assert trim_generic([*BODY, *results], [], []) == [*BODY, *results]


def test_menus_and_widgets_at_the_edges_go():
    menu = ["- Majalah Tempo", "- Tempo English", "- Koran Tempo", "- Tempo Store"]
    footer = ["- Tentang Kami", "- Term Of Use", "- Kode Etik", "- Karir"]
    assert trim_generic([*menu, *BODY, *footer], [], []) == BODY


def test_the_headline_repeated_at_the_end_closes_the_article():
    title = "Wapres JK dan Ahok Blusukan dari Udara"
    assert trim_generic([*BODY, "Paragraf keempat.", title, "Bagikan"], [title], []) == [
        *BODY,
        "Paragraf keempat.",
    ]


def test_a_byline_card_above_the_text_goes():
    assert trim_generic(["Dewi Kania", "Jurnalis", *BODY], [], []) == BODY


def test_one_cell_table_rows_are_judged_as_paragraphs():
    # detik sets captions and "Baca juga" links in one-cell tables inside the body.
    rows = (
        "<table><tr><td>Austin MacPhee mendampingi Dean Smith. (AP Photo/Jon Super) "
        "Foto: AP/Jon Super</td></tr></table>"
        "<table><tr><td>Baca juga: Kiper Aston Villa Ledek MU</td></tr></table>"
    )
    html = page(body=f"<article><h1>Judul</h1>{LONG_PARAGRAPHS}{rows}{LONG_PARAGRAPHS}</article>")
    body = extract_article(html, UNKNOWN).body
    assert "Jon Super" not in body and "Baca juga" not in body and "|" not in body


# -- metadata of unknown outlets -----------------------------------------------------------


def fields(head: str = "", body: str = "") -> dict:
    return generic_fields(document_fromstring(page(head, body)), UNKNOWN)


def test_bogus_z_on_a_local_time_is_corrected_by_the_printed_time():
    head = '<meta name="pubdate" content="2015-11-05 T10:08:58Z">'
    body = '<h1>Judul Berita</h1><div class="date">Kamis, 05/11/2015 10:08 WIB</div>'
    assert fields(head, body)["published_at"] == datetime(2015, 11, 5, 10, 8, 58, tzinfo=WIB)


def test_detik_hyphenated_meta_time_is_read_to_the_second():
    head = '<meta name="pubdate" content="2015-06-16T14-05-11Z">'
    body = '<h1>Judul Berita</h1><div class="date">Selasa, 16/06/2015 14:05 WIB</div>'
    assert fields(head, body)["published_at"] == datetime(2015, 6, 16, 14, 5, 11, tzinfo=WIB)


def test_utc_meta_is_shown_in_the_offset_of_a_local_wall_clock_meta():
    head = (
        '<meta property="article:published_time" content="2023-11-02T14:34:19+00:00">'
        '<meta name="content_PublishedDate" content="2023-11-02 21:34:19">'
    )
    published = fields(head)["published_at"]
    assert published == datetime(2023, 11, 2, 21, 34, 19, tzinfo=WIB)
    assert published.utcoffset() == timedelta(hours=7)


def test_date_printed_under_the_headline_without_a_date_class():
    # A sidebar's <time> right above; the article's date printed under the headline.
    sidebar = '<time class="timeago" datetime="2015-06-17T21:50:56+07:00">x</time>'
    body = (
        f"<div class='side'>{sidebar}</div><h2>Supaya Timnya Mengalah</h2>"
        "<div class='grey small'>Rabu, 17 Juni 2015 | 22:26 WIB</div>"
    )
    head = "<title>Supaya Timnya Mengalah - Kompas.com Bola</title>"
    assert fields(head, body)["published_at"] == datetime(2015, 6, 17, 22, 26, tzinfo=WIB)


def test_marked_date_with_words_and_markup_between_date_and_time():
    body = (
        '<h1>Judul</h1><p><span class="updated" itemprop="datePublished" '
        'datetime="18 Jun 2015 at &lt;span&gt;06:25 WIB&lt;/span&gt;">18 Jun 2015</span></p>'
    )
    assert fields(body=body)["published_at"] == datetime(2015, 6, 18, 6, 25, tzinfo=WIB)


def test_a_date_alone_in_jsonld_gives_way_to_the_time_in_a_meta():
    ld = {"@type": "NewsArticle", "headline": "Judul Berita", "datePublished": "2024-01-05"}
    head = (
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        '<meta name="publishdate" content="2024/01/05 13:19:56">'
    )
    article = extract_article(page(head, "<h1>Judul Berita</h1>" + LONG_PARAGRAPHS), UNKNOWN)
    assert article.published_at == datetime(2024, 1, 5, 13, 19, 56, tzinfo=WIB)
    assert article.provenance["published_at"] == "generic"


def test_visible_headline_is_the_heading_the_title_names():
    head = (
        "<title>Supaya Timnya Mengalah, Eks Pelatih Ditawari Rp 200 Juta - Kompas.com Bola</title>"
    )
    body = (
        "<h1>Bola</h1><h1>TAG</h1><h2>Supaya Timnya Mengalah, Eks Pelatih Ditawari Rp 200 Juta</h2>"
    )
    article = extract_article(page(head, body + LONG_PARAGRAPHS), UNKNOWN)
    assert article.title == "Supaya Timnya Mengalah, Eks Pelatih Ditawari Rp 200 Juta"


def test_visible_headline_wins_over_jsonld_punctuation():
    ld = {"@type": "NewsArticle", "headline": "Menteri Yuddy Ancam PNS yang Rankingnya Terendah"}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    body = '<h1>Menteri Yuddy Ancam PNS yang "Rankingnya" Terendah</h1>'
    article = extract_article(page(head, body + LONG_PARAGRAPHS), UNKNOWN)
    assert article.title == 'Menteri Yuddy Ancam PNS yang "Rankingnya" Terendah'


def test_credited_writer_beats_a_jsonld_author_who_is_the_editor():
    ld = {
        "@type": "NewsArticle",
        "headline": "Judul",
        "author": {"@type": "Person", "name": "B Kunto"},
    }
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    credit = (
        "<table><tr><td>Penulis</td><td>: Ferril Dennys</td></tr>"
        "<tr><td>Editor</td><td>: B Kunto</td></tr></table>"
    )
    article = extract_article(page(head, "<h1>Judul</h1>" + LONG_PARAGRAPHS + credit), UNKNOWN)
    assert (article.authors, article.editors) == (["Ferril Dennys"], ["B Kunto"])


def test_a_credits_list_gives_each_role_its_people():
    # Liputan6 2015: a (hidden) popover list, a role's item followed by its people's items.
    item = "<li><a href='/u'><img alt='avatar'><span class='name'>{}</span></a></li>"
    credits = (
        "<div class='credits-list hide'><ul>"
        "<li class='role'><span>Author</span></li>"
        + item.format("Silvanus Alvin")
        + item.format("Hanz Jimenez Salim")
        + "<li class='role'><span>Editor</span></li>"
        + item.format("Mevi Linawati")
        + "</ul></div>"
    )
    article = extract_article(page(body="<h1>Judul</h1>" + LONG_PARAGRAPHS + credits), UNKNOWN)
    assert article.authors == ["Silvanus Alvin", "Hanz Jimenez Salim"]
    assert article.editors == ["Mevi Linawati"]


def test_a_list_of_colours_names_no_editor():
    colours = "<ul><li>Red</li><li>Blue Ocean</li><li>Green Forest</li></ul>"
    article = extract_article(page(body="<h1>Judul</h1>" + LONG_PARAGRAPHS + colours), UNKNOWN)
    assert article.editors == []


def test_a_credit_after_an_empty_element_is_read():
    # Republika 2016: <div class="red"><span> </span> Red: Yudha Manggala P Putra</div>
    credit = "<div class='red'><span>\n</span> Red: Yudha Manggala P Putra</div>"
    article = extract_article(page(body="<h1>Judul</h1>" + credit + LONG_PARAGRAPHS), UNKNOWN)
    assert article.editors == ["Yudha Manggala P Putra"]
    assert article.authors == []


def test_a_signature_in_capitals_closing_the_article_is_its_writer():
    # Tempo 2015: "…bisa dilakukan.<br><br><strong>DINI TEJA</strong></p>", no other byline.
    text = "<br><br>".join(f"{p} {p}" for p in BODY)
    html = page(body=f"<h1>Judul</h1><div><p>{text}<br><br><strong>DINI TEJA</strong></p></div>")
    article = extract_article(html, UNKNOWN)
    assert article.authors == ["Dini Teja"]
    assert article.body.endswith(BODY[2])


@pytest.mark.parametrize("last", ["BERSAMBUNG", "KOMPAS.COM", "Dini Teja", "TIM REDAKSI"])
def test_other_closing_lines_are_no_signature(last):
    assert split_sign_off([*BODY, last]) == ([*BODY, last], None)


@pytest.mark.parametrize(
    ("markup", "authors"),
    [
        # A photo credit classed "author" inside the photo box is not the byline.
        ('<div class="photo"><span class="author">Twitter @Persib</span></div>', []),
        ('<div class="photo"><span class="author">Dok.Saleh Husin</span></div>', []),
        # detik's meta author is the reporter's initials.
        ('<meta name="author" content="bgs">', []),
        # Okezone's byline card: the name, then the role.
        (
            '<div class="nmreporter"><div>Fakhrizal Fakhri </div><span>Jurnalis</span></div>',
            ["Fakhrizal Fakhri"],
        ),
        ("<span><author>Laban Laisila</author> : 19 Jun 2015</span>", ["Laban Laisila"]),
    ],
)
def test_authors_are_people(markup, authors):
    assert fields(body=markup)["authors"] == authors


# -- the real pages ------------------------------------------------------------------------


def _real_pages() -> list[tuple[str, bytes, dict]]:
    pages = []
    for truth_path in sorted(REALPAGES.glob("*/*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        html_path = truth_path.with_name(truth_path.name.replace(".truth.json", ".html"))
        if "title" in truth and html_path.exists():
            pages.append(
                (f"{truth_path.parent.name}/{html_path.stem}", html_path.read_bytes(), truth)
            )
    return pages


def _generic(html: bytes, truth: dict):
    from benchmarks.generic_realpages import unknown_url

    return extract_article(html, unknown_url(truth["url"]))


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


# One page per layout the rules above were built for: the generic layer alone gets
# everything of these right.
CLEAN_PAGES = [
    "detik/2015-16-detik-singlepage",
    "detik/news-2015-ugm-robot",
    "detik/news-2022-polisi-pistol",
    "detik/inet-2022-bos-kripto",
    "detik/sport-2021-insider-bola-mati",
    "detik/travel-2022-kadispar-badung",
    "kompas/nasional-2016-menteri-yuddy",
    "kompas/bola-2015-pengaturan-skor",
    "kompas/bola-2016-samsul-arif",
    "kompas/otomotif-2016-gaikindo",
    "liputan6/tekno-2016-tri-broadband",
    "viva/dunia-2015-thailand-mers",
    "tribun/tribunnews-2015-taksi-uber",
    "antara/berita-2015-lombok-penerbangan",
]


@pytest.mark.parametrize("name", CLEAN_PAGES)
def test_generic_layer_reads_real_pages(name):
    _name, html, truth = next(p for p in _real_pages() if p[0] == name)
    article = _generic(html, truth)
    body = _squash(article.body)
    assert body.startswith(_squash(truth["body_first"]))
    assert body.endswith(_squash(truth["body_last"]))
    assert [junk for junk in truth["must_not_contain"] if _squash(junk) in body] == []
    assert article.title == truth["title"]
    assert article.location == truth["location"]
    assert article.published_at == datetime.fromisoformat(truth["published"])


def test_generic_layer_on_all_real_pages_stays_above_its_floor():
    pages = _real_pages()
    assert len(pages) >= 20
    right = {"start": 0, "end": 0, "clean": 0, "title": 0, "minute": 0}
    for _name, html, truth in pages:
        article = _generic(html, truth)
        body = _squash(article.body)
        right["start"] += body.startswith(_squash(truth["body_first"]))
        right["end"] += body.endswith(_squash(truth["body_last"]))
        right["clean"] += not any(_squash(j) in body for j in truth["must_not_contain"])
        right["title"] += article.title == truth["title"]
        expected = datetime.fromisoformat(truth["published"])
        right["minute"] += bool(article.published_at) and abs(
            article.published_at - expected
        ) < timedelta(minutes=1)
    shares = {key: value / len(pages) for key, value in right.items()}
    # Measured 0.93 / 0.87 / 0.93 / 1.00 / 1.00 on 30 pages when set.
    assert shares["start"] >= 0.85 and shares["end"] >= 0.85 and shares["clean"] >= 0.9, shares
    assert shares["title"] >= 0.95 and shares["minute"] >= 0.95, shares
