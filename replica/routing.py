"""What the outlets' host handlers share: `NotFound` and reading a request's parameters.

A handler raises `NotFound` for anything the real site would not serve: an
unknown path, a malformed `page`/`date` parameter, a page past an article's last.
"""

from __future__ import annotations

from datetime import date

from replica.model import Site, TrueArticle

Query = dict[str, list[str]]


class NotFound(Exception):
    """Raised by the handlers for anything the real site would not serve."""


def param(query: Query, name: str) -> str | None:
    """The last value of a query parameter, or None."""
    values = query.get(name)
    return values[-1] if values else None


def listing_page(query: Query) -> int:
    """A listing's `page` parameter: 1 when absent or empty; else a whole number >= 1."""
    value = param(query, "page")
    if value is None or value == "":
        return 1
    if not value.isdigit() or int(value) < 1:
        raise NotFound
    return int(value)


def page_number(value: str | None, pages: int, whole: str | None = "all") -> int | None:
    """1..pages from a page parameter; None (whole article) for `whole`; else NotFound."""
    if value is None:
        return 1
    if whole is not None and value == whole:
        return None
    if not value.isdigit() or not 1 <= int(value) <= pages:
        raise NotFound
    return int(value)


def day_of(numbers: list[str]) -> date:
    """The date of [year, month, day] strings; NotFound when they are not one."""
    try:
        year, month, day = (int(number) for number in numbers)
        return date(year, month, day)
    except ValueError:
        raise NotFound from None


def day_param(site: Site, query: Query, separator: str = "-") -> date:
    """The `date` parameter as year-month-day; the replica's today when absent."""
    raw = param(query, "date")
    return site.now.date() if raw is None else day_of(raw.split(separator))


def article_at(site: Site, host: str, path: str) -> TrueArticle:
    """The article whose canonical URL is https://host/path; NotFound when none is."""
    article = site.article(f"https://{host}{path}")
    if article is None:
        raise NotFound
    return article
