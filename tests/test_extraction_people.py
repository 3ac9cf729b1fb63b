"""Bylines → people: the forms regional outlets write, and outlet names that are not people."""

from __future__ import annotations

import pytest

from crawler.extraction.body import split_caption
from crawler.extraction.people import (
    is_outlet_name,
    parse_credits,
    people_from_jsonld,
    split_people,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yuwantoro Winduajie", ["Yuwantoro Winduajie"]),
        ("Penulis: Yuwantoro Winduajie", ["Yuwantoro Winduajie"]),
        ("Laporan Wartawan Tribun Jogja, Yuwantoro Winduajie", ["Yuwantoro Winduajie"]),
        ("Laporan Reporter Tribunjogja.com, Ardhike Indah", ["Ardhike Indah"]),
        ("Oleh: Budi Santoso dan Ani Rahma", ["Budi Santoso", "Ani Rahma"]),
        ("Budi Santoso, Ani Rahma - detikJogja", ["Budi Santoso", "Ani Rahma"]),
        ("Jauh Hari Wawan S - detikJateng", ["Jauh Hari Wawan S"]),
        ("Kontributor Yogyakarta, Wijaya Kusuma", ["Wijaya Kusuma"]),
        ("Penulis: Kontributor Magelang, Egadia Birru", ["Egadia Birru"]),
        ("Reporter: A Ahmad & B Bakri", ["A Ahmad", "B Bakri"]),
        ("Budi Santoso, Budi Santoso", ["Budi Santoso"]),  # deduplicated
        ("Tribunjogja.com", []),
        ("Kompas.com", []),
        ("detikJogja", []),
        ("Harian Jogja", []),
        ("Tim Redaksi", []),
        ("Redaksi", []),
        ("Tim detikJateng", []),
        ("", []),
        (None, []),
    ],
)
def test_split_people(text, expected):
    assert split_people(text) == expected


@pytest.mark.parametrize(
    ("text", "authors", "editors"),
    [
        ("Penulis: Yuwantoro Winduajie | Editor: Iwan Al Khasni", ["Yuwantoro Winduajie"],
         ["Iwan Al Khasni"]),
        ("Editor: Iwan Al Khasni", [], ["Iwan Al Khasni"]),
        ("Reporter: A Ahmad | Redaktur: B Bakri", ["A Ahmad"], ["B Bakri"]),
        ("Penulis: A Ahmad | Editor: B Bakri | Foto: C Candra", ["A Ahmad"], ["B Bakri"]),
        ("A Ahmad - detikJogja", ["A Ahmad"], []),
    ],
)  # fmt: skip
def test_parse_credits(text, authors, editors):
    assert parse_credits(text) == (authors, editors)


def test_unlabelled_names_in_an_editor_element_are_editors():
    assert parse_credits("Iwan Al Khasni", unlabelled="editors") == ([], ["Iwan Al Khasni"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([{"@type": "Person", "name": "Yuwantoro Winduajie"}], ["Yuwantoro Winduajie"]),
        ({"@type": "Person", "name": "Kontributor Yogyakarta, Wijaya Kusuma"}, ["Wijaya Kusuma"]),
        ({"@type": "Organization", "name": "Tribunjogja.com"}, []),
        ({"@type": "Person", "name": "Tim Redaksi"}, []),
        ("A Ahmad, B Bakri", ["A Ahmad", "B Bakri"]),
        ([{"@type": "Person", "name": "A"}, "Bo Bakri", {"name": ["Ci Candra"]}], ["Bo Bakri",
                                                                                    "Ci Candra"]),
        (None, []),
        (42, []),
    ],
)  # fmt: skip
def test_people_from_jsonld(value, expected):
    assert people_from_jsonld(value) == expected


@pytest.mark.parametrize(
    "name",
    ["Tribunjogja.com", "TRIBUNJOGJA.COM", "KOMPAS.com", "detikJogja", "Harianjogja.com",
     "Harian Jogja", "Tim Redaksi", "ANTARA"],
)  # fmt: skip
def test_outlet_names(name):
    assert is_outlet_name(name)


@pytest.mark.parametrize("name", ["Yuwantoro Winduajie", "Wijaya Kusuma", "Dian Utoro Aji"])
def test_people_are_not_outlets(name):
    assert not is_outlet_name(name)


@pytest.mark.parametrize(
    ("text", "caption", "credit"),
    [
        ("Warga di Magelang (TRIBUNJOGJA.COM/Yuwantoro Winduajie)", "Warga di Magelang",
         "Yuwantoro Winduajie"),
        ("Merapi (KOMPAS.COM/WIJAYA KUSUMA)", "Merapi", "WIJAYA KUSUMA"),
        ("Pasar murah. Foto: Jauh Hari Wawan S/detikJogja", "Pasar murah.", "Jauh Hari Wawan S"),
        ("Pasar (Foto: Dian Utoro Aji/detikJogja)", "Pasar", "Dian Utoro Aji"),
        ("Kepala Desa Banjaroya, Sutarman", "Kepala Desa Banjaroya, Sutarman", None),
        ("Suasana pasar (ilustrasi)", "Suasana pasar (ilustrasi)", None),
        ("", None, None),
    ],
)  # fmt: skip
def test_split_caption(text, caption, credit):
    assert split_caption(text) == (caption, credit)
