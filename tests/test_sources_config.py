"""The sources config: the shipped file loads, and every mistake names file, source and field."""

from __future__ import annotations

import pytest

from crawler.sources import REPO_SOURCES, ConfigError, load_sources

GOOD = """
[defaults]
user_agent = "warta-test"
download_delay = 1.0
concurrency = 1
lookback_days = 2
schedule = "0 1 * * *"
timezone = "Asia/Jakarta"

[sources.one]
name = "One"
domains = ["one.example"]
sections = ["a"]

[sources.one.discovery]
style = "news_sitemap"
sitemap_url = "https://one.example/sitemap.xml"
"""


def write(tmp_path, text: str):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_has_the_four_outlets():
    sources = load_sources(REPO_SOURCES)
    assert {"tribunjogja", "kompasregional", "detikjogja", "detikjateng", "harianjogja"} <= set(
        sources
    )
    tribun = sources["tribunjogja"]
    assert tribun.domains == ("jogja.tribunnews.com",)
    assert {"magelang", "sleman", "bantul", "kulonprogo", "gunungkidul"} <= set(tribun.sections)
    assert tribun.style == "section_hubs"
    assert tribun.download_delay > 0 and tribun.concurrency >= 1
    assert "warta" in tribun.user_agent


def test_defaults_fill_in_and_sources_override(tmp_path):
    source = load_sources(write(tmp_path, GOOD))["one"]
    assert source.download_delay == 1.0
    assert source.timezone == "Asia/Jakarta"
    assert source.as_dict()["schedule"]["cron"] == "0 1 * * *"


def test_detik_sources_split_one_domain_by_prefix():
    sources = load_sources(REPO_SOURCES)
    url = "https://www.detik.com/jogja/berita/d-1234567/x"
    assert sources["detikjogja"].owns_url(url)
    assert not sources["detikjateng"].owns_url(url)


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (('name = "One"', 'name = "One"\ncolour = "red"'), "colour", "unknown field"),
        (("concurrency = 1", 'concurrency = "two"'), "concurrency", "expected int"),
        (('schedule = "0 1 * * *"', 'schedule = "61 1 * * *"'), "schedule", "bad cron"),
        (
            ('timezone = "Asia/Jakarta"', 'timezone = "Asia/Atlantis"'),
            "timezone",
            "unknown time zone",
        ),
        (('domains = ["one.example"]', "domains = []"), "domains", "non-empty"),
        (('style = "news_sitemap"', 'style = "rss"'), "discovery.style", "must be one of"),
        (
            ('sitemap_url = "https://one.example/sitemap.xml"', ""),
            "discovery.sitemap_url",
            "missing",
        ),
    ],
)
def test_mistakes_name_file_source_and_field(tmp_path, change, field, problem):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as error:
        load_sources(path)
    message = str(error.value)
    assert str(path) in message
    assert "source 'one'" in message
    assert f"'{field}'" in message
    assert problem in message


def test_missing_domain_field(tmp_path):
    path = write(tmp_path, GOOD.replace('domains = ["one.example"]\n', ""))
    with pytest.raises(ConfigError, match=r"source 'one': field 'domains': missing"):
        load_sources(path)


def test_duplicate_source_and_bad_toml(tmp_path):
    path = write(tmp_path, GOOD + '\n[sources.one]\nname = "again"\n')
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_sources(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_sources(tmp_path / "nope.toml")
