"""The configured discovery selectors against real saved listing pages, with checked truth.

Each fixture under tests/fixtures/realpages/<outlet>/ is a real listing page
(kept as other scrapers saved it) beside `NAME.truth.json`: its article links
in page order and the other pages it links to. The sources' `item_links` and
`page_links` (sources.toml) are applied through the daily-index spider's own
helpers, so what is tested is what a crawl would follow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.sources import load_sources
from crawler.spiders.daily_index import item_links, last_page, page_links

REALPAGES = Path(__file__).resolve().parent / "fixtures" / "realpages"
# Real listing pages in the layout a source's selectors are written for.
CURRENT_LAYOUT = {
    "detik/indeks-news-2024-10-04": ("detikjogja", "detikjateng"),
}


def real_listing(name: str) -> tuple[HtmlResponse, dict]:
    truth = json.loads((REALPAGES / f"{name}.truth.json").read_text(encoding="utf-8"))
    body = (REALPAGES / f"{name}.html").read_bytes()
    return HtmlResponse(truth["url"], body=body, encoding="utf-8"), truth


def discovery(source: str) -> dict:
    return load_sources()[source].discovery


@pytest.mark.parametrize(
    ("name", "source"),
    [(name, source) for name, sources in CURRENT_LAYOUT.items() for source in sources],
)
def test_item_links_select_exactly_the_article_links(name: str, source: str) -> None:
    response, truth = real_listing(name)
    assert item_links(response, discovery(source)) == truth["article_links"]


@pytest.mark.parametrize(
    ("name", "source"),
    [(name, source) for name, sources in CURRENT_LAYOUT.items() for source in sources],
)
def test_page_links_are_the_other_pages(name: str, source: str) -> None:
    response, truth = real_listing(name)
    links = page_links(response, discovery(source))
    # "Next" repeats page 2's link: the pages linked, each once, are the truth's.
    assert list(dict.fromkeys(links)) == truth["next_pages"]
    assert response.url not in links  # never the page itself (nor Prev, which has no href)
    assert last_page(links) == 500


def test_detik_video_items_are_listed_but_not_selected() -> None:
    """The 20detik video items look like any other item: only their host tells them apart."""
    response, truth = real_listing("detik/indeks-news-2024-10-04")
    every_item = response.css(
        "#indeks-container article.list-content__item h3.media__title > a.media__link::attr(href)"
    ).getall()
    videos = [href for href in every_item if href.startswith("https://20.detik.com/")]
    assert len(every_item) == 20 and len(videos) == 4
    assert not set(videos) & set(item_links(response, discovery("detikjogja")))


def test_kompas_selectors_take_nothing_from_the_2016_listing() -> None:
    """indeks.kompas.com of 2016 (kcm layout) is history: the current selectors must find
    nothing there rather than something wrong (a crawl then reports an empty index)."""
    response, truth = real_listing("kompas/indeks-2016-02-23")
    assert len(truth["article_links"]) == 10
    assert item_links(response, discovery("kompasregional")) == []
    assert page_links(response, discovery("kompasregional")) == []
