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


# -- every kind of mistake, table-driven ------------------------------------------------------

TZ = 'timezone = "Asia/Jakarta"'
DISCOVERY = (
    '[sources.one.discovery]\nstyle = "news_sitemap"\n'
    'sitemap_url = "https://one.example/sitemap.xml"'
)
TWO_SECTIONS = GOOD.replace(
    DISCOVERY,
    '[sources.one.discovery]\nstyle = "section_hubs"\nhub_url = "https://one.example/{section}"\n'
    'item_links = "h3 a::attr(href)"\nnext_page = "a.next::attr(href)"',
)
SECOND = """
[sources.two]
name = "Two"
domains = ["one.example"]

[sources.two.discovery]
style = "news_sitemap"
sitemap_url = "https://one.example/other.xml"
"""

# (case id, config text, source named in the message or None, field named or None, problem)
MISTAKES = [
    ("unknown key in a source", GOOD.replace('name = "One"', 'name = "One"\ncolor = 1'),
     "one", "color", "unknown field"),
    ("unknown key in defaults", GOOD.replace("concurrency = 1", "concurrency = 1\nspeed = 2"),
     "[defaults]", "speed", "unknown field"),
    ("unknown key in discovery", GOOD.replace('"news_sitemap"', '"news_sitemap"\nrss = "x"'),
     "one", "discovery.rss", "not a field"),
    ("unknown top-level table", GOOD + "\n[extras]\nx = 1\n", None, None, "extras"),
    ("name: int", GOOD.replace('name = "One"', "name = 1"), "one", "name", "expected str"),
    ("name: empty", GOOD.replace('name = "One"', 'name = " "'), "one", "name", "empty"),
    ("domains: string", GOOD.replace('domains = ["one.example"]', 'domains = "one.example"'),
     "one", "domains", "expected list"),
    ("domains: list of ints", GOOD.replace('domains = ["one.example"]', "domains = [1]"),
     "one", "domains", "host names"),
    ("domains: a URL, not a host", GOOD.replace('["one.example"]', '["https://one.example/"]'),
     "one", "domains", "not a host name"),
    ("domains: missing", GOOD.replace('domains = ["one.example"]\n', ""), "one", "domains",
     "missing"),
    ("sections: string", GOOD.replace('sections = ["a"]', 'sections = "a"'), "one", "sections",
     "expected list"),
    ("sections: empty name", GOOD.replace('sections = ["a"]', 'sections = [""]'), "one",
     "sections", "section names"),
    ("download_delay: string", GOOD.replace("download_delay = 1.0", 'download_delay = "1"'),
     "one", "download_delay", "expected int/float"),
    ("download_delay: bool", GOOD.replace("download_delay = 1.0", "download_delay = true"),
     "one", "download_delay", "expected int/float"),
    ("download_delay: negative", GOOD.replace("download_delay = 1.0", "download_delay = -1"),
     "one", "download_delay", "between"),
    ("download_delay: nan", GOOD.replace("download_delay = 1.0", "download_delay = nan"),
     "one", "download_delay", "between"),
    ("download_delay: inf", GOOD.replace("download_delay = 1.0", "download_delay = inf"),
     "one", "download_delay", "between"),
    ("concurrency: float", GOOD.replace("concurrency = 1", "concurrency = 1.5"), "one",
     "concurrency", "expected int"),
    ("concurrency: zero", GOOD.replace("concurrency = 1", "concurrency = 0"), "one",
     "concurrency", "between"),
    ("concurrency: huge", GOOD.replace("concurrency = 1", "concurrency = 100000"), "one",
     "concurrency", "between"),
    ("lookback_days: zero", GOOD.replace("lookback_days = 2", "lookback_days = 0"), "one",
     "lookback_days", "between"),
    ("lookback_days: huge", GOOD.replace("lookback_days = 2", "lookback_days = 99999999"),
     "one", "lookback_days", "between"),
    ("jitter: negative", GOOD.replace(TZ, TZ + "\njitter = -5"),
     "one", "jitter", "between"),
    ("jitter: string", GOOD.replace(TZ, TZ + '\njitter = "5"'),
     "one", "jitter", "expected int"),
    ("user_agent: empty", GOOD.replace('user_agent = "warta-test"', 'user_agent = ""'), "one",
     "user_agent", "empty"),
    ("user_agent: list", GOOD.replace('user_agent = "warta-test"', 'user_agent = ["x"]'), "one",
     "user_agent", "expected str"),
    ("schedule: 61st minute", GOOD.replace('"0 1 * * *"', '"61 1 * * *"'), "one", "schedule",
     "bad cron"),
    ("schedule: four fields", GOOD.replace('"0 1 * * *"', '"0 1 * *"'), "one", "schedule",
     "bad cron"),
    ("schedule: words", GOOD.replace('"0 1 * * *"', '"every night"'), "one", "schedule",
     "bad cron"),
    ("schedule: int", GOOD.replace('"0 1 * * *"', "1"), "one", "schedule", "expected str"),
    ("timezone: unknown", GOOD.replace('"Asia/Jakarta"', '"Asia/Atlantis"'), "one", "timezone",
     "unknown time zone"),
    ("timezone: path", GOOD.replace('"Asia/Jakarta"', '"../../etc/passwd"'), "one", "timezone",
     "unknown time zone"),
    ("timezone: empty", GOOD.replace('"Asia/Jakarta"', '""'), "one", "timezone",
     "unknown time zone"),
    ("discovery: not a table",
     GOOD.replace(DISCOVERY, "").replace("sections", 'discovery = "x"\nsections'),
     "one", "discovery", "expected dict"),
    ("discovery: missing", GOOD.replace(DISCOVERY, ""),
     "one", "discovery", "missing"),
    ("discovery.style: unknown", GOOD.replace('"news_sitemap"', '"rss"'), "one",
     "discovery.style", "must be one of"),
    ("discovery URL: missing", GOOD.replace('sitemap_url = "https://one.example/sitemap.xml"', ""),
     "one", "discovery.sitemap_url", "missing"),
    ("discovery URL: int", GOOD.replace('"https://one.example/sitemap.xml"', "3"), "one",
     "discovery.sitemap_url", "expected str"),
    ("discovery URL: other domain", GOOD.replace("https://one.example/sitemap.xml", "https://evil.example/s.xml"),
     "one", "discovery.sitemap_url", "not one of the source's domains"),
    ("discovery URL: file scheme", GOOD.replace("https://one.example/sitemap.xml", "file:///etc/passwd"),
     "one", "discovery.sitemap_url", "http(s)"),
    ("discovery URL: bad placeholder", TWO_SECTIONS.replace("{section}", "{sectoin}"), "one",
     "discovery.hub_url", "bad URL template"),
    ("discovery URL: unclosed brace", TWO_SECTIONS.replace("{section}", "{section"), "one",
     "discovery.hub_url", "bad URL template"),
    ("discovery selector: bad CSS", TWO_SECTIONS.replace("h3 a::attr(href)", "h3 a[[::attr(href)"),
     "one", "discovery.item_links", "bad CSS selector"),
    ("url_prefix: other domain", GOOD.replace("sections", 'url_prefix = "https://two.example/"\nsections'),
     "one", "url_prefix", "not one of the source's domains"),
    ("rule: unknown", GOOD.replace("sections", 'rule = "detk"\nsections'), "one", "rule",
     "unknown rule 'detk' (rules: detik, harianjogja, kompas, tribun)"),
    ("rule: a module that is no rule", GOOD.replace("sections", 'rule = "base"\nsections'),
     "one", "rule", "unknown rule 'base'"),
    ("rule: not a string", GOOD.replace("sections", "rule = 1\nsections"), "one", "rule",
     "expected str"),
    ("rule: in defaults", GOOD.replace(TZ, TZ + '\nrule = "detik"'), "[defaults]", None,
     "unknown field 'rule'"),
    ("duplicate source: same domain, no prefix", GOOD + SECOND, "two", "domains",
     "duplicates source 'one'"),
    ("source id with spaces", GOOD.replace("sources.one", 'sources."o n e"'),
     "o n e", None, "source id"),
    ("source not a table", GOOD + '\n[sources]\nthree = "x"\n', "three", None, "must be a table"),
    ("duplicate source table", GOOD + '\n[sources.one]\nname = "again"\n', None, None,
     "not valid TOML: Cannot declare ('sources', 'one') twice (at line 19"),
    ("bad TOML: unclosed string", GOOD.replace('"One"', '"One'), None, None, "line 11"),
    ("bad TOML: missing value", GOOD.replace("concurrency = 1", "concurrency ="), None, None,
     "line 5"),
    ("empty file", "", None, None, "no [sources.<id>] tables"),
    ("only defaults", GOOD.split("[sources.one]")[0], None, None, "no [sources.<id>] tables"),
    ("not UTF-8", GOOD.replace("One", "Caf\xe9"), None, None, "not UTF-8"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "source", "field", "problem"),
    [case[1:] for case in MISTAKES],
    ids=[case[0] for case in MISTAKES],
)
def test_every_mistake_names_file_source_and_field(tmp_path, text, source, field, problem):
    path = tmp_path / "sources.toml"
    if problem == "not UTF-8":
        path.write_bytes(text.encode("latin-1"))
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_sources(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: "), message
    if source == "[defaults]":
        assert "[defaults]" in message, message
    elif source is not None:
        assert f"source '{source}'" in message, message
    if field is not None:
        assert f"'{field}'" in message, message
    assert problem in message, message


def test_a_folder_or_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        load_sources(tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        load_sources(tmp_path / "nope.toml")


def test_two_sources_on_one_domain_with_distinct_prefixes_are_fine(tmp_path):
    text = (GOOD + SECOND).replace(
        'domains = ["one.example"]\n',
        'domains = ["one.example"]\nurl_prefix = "https://one.example/one/"\n',
        1,
    )
    assert set(load_sources(write(tmp_path, text))) == {"one", "two"}


def test_the_shipped_config_passes_every_new_check():
    for source in load_sources(REPO_SOURCES).values():
        assert source.discovery  # loaded: URLs on its domains, selectors parse


def test_a_source_names_its_rule(tmp_path):
    """`rule` names a module of crawler/extraction/rules/; without it the source is read
    by whichever rule covers a page's host (or generically), as before."""
    named = load_sources(write(tmp_path, GOOD.replace("sections", 'rule = "kompas"\nsections')))
    assert named["one"].rule == "kompas"
    assert named["one"].as_dict()["rule"] == "kompas"
    assert load_sources(write(tmp_path, GOOD))["one"].rule is None
    shipped = load_sources(REPO_SOURCES)
    assert shipped["detikjogja"].rule == shipped["detikjateng"].rule == "detik"


def test_each_source_knows_its_configs_domains(tmp_path):
    """canonical_url maps host variants onto the domains of the config a crawl loaded
    (its --sources file), which every Source of that config carries."""
    sources = load_sources(write(tmp_path, GOOD + SECOND.replace("one.example", "two.example")))
    assert set(sources) == {"one", "two"}
    for source in sources.values():
        assert source.config_domains == {"one.example", "two.example"}
