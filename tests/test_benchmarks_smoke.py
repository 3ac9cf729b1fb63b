"""The benchmark suite still runs: tiny sizes, a few of its benchmarks, keys and positive numbers.

Not a measurement (the sizes are far too small for that); it keeps
benchmarks/run_all.py and the scripts it drives from rotting.
"""

from __future__ import annotations

import json

import pytest

from benchmarks import run_all

TINY = run_all.Params(
    runs=1,
    crawl_sizes=(150,),
    bench_seconds=2,
    extraction_pages=5,
    shared_dataset=False,
    pipeline_articles=40,
    profile_top=5,
    quick=True,
)


def test_run_all_tiny(tmp_path):
    out = tmp_path / "results.json"
    result = run_all.run(TINY, ("crawl", "extraction", "pipelines"), json_path=out)
    assert result["errors"] == {}
    written = json.loads(out.read_text())
    assert {"machine", "params", "rows", "details", "load_average_start"} <= written.keys()
    rows = {(row["benchmark"], row["figure"]): row for row in written["rows"]}
    assert {benchmark for benchmark, _ in rows} == {"crawl", "extraction", "pipelines"}
    for row in written["rows"]:
        assert row["ours"] > 0, row
        if row["baseline"] is not None:
            assert row["baseline"] > 0 and row["ratio"] > 0, row
    crawl = written["details"]["crawl"]
    assert crawl["scrapy_bench_pages_per_s"] > 0
    assert crawl["sizes"]["150"]["articles"] >= 150  # every replica article archived
    assert 0 < crawl["peak_rss_mb"] < 1000
    assert written["details"]["pipelines"]["profile_top"]
    assert written["details"]["extraction"]["real_pages"]["extractors"]["warta"]["fields"]
    table = run_all.table(result)
    assert table.count("\n") == len(result["rows"]) + 1


def test_realpages_benchmark_scores_both_extractors(tmp_path, capsys):
    """benchmarks/realpages.py on one outlet: a table, and JSON with every check per extractor."""
    from benchmarks import realpages

    out = tmp_path / "realpages.json"
    realpages.main(["--outlet", "kompas", "--json", str(out)])
    printed = capsys.readouterr().out
    assert "checks right" in printed and "ms/page" in printed
    written = json.loads(out.read_text(encoding="utf-8"))
    pages = written["pages"]
    assert pages and all(page.startswith("kompas/") for page in pages)
    assert set(written["extractors"]) == {"warta", "trafilatura"}
    for result in written["extractors"].values():
        assert set(result["fields"]) == set(realpages.CHECKS)
        assert all(0 <= f["right"] <= f["counted"] <= len(pages) for f in result["fields"].values())
        assert result["fields"]["title"]["counted"] == len(pages)
        assert 0 <= result["checks_right"] <= 1 and result["ms_per_page"] > 0
        assert result["cpu_ms_per_page"] > 0
        assert result["body_scores"]["pages"] == sum(
            "body" in realpages.load_page(f).truth
            for f in realpages.truth_files()
            if f.parent.name == "kompas"
        )


def test_realpages_benchmark_rejects_an_unknown_outlet(capsys):
    import pytest

    from benchmarks import realpages

    with pytest.raises(SystemExit):
        realpages.main(["--outlet", "no-such-outlet"])
    assert "no pages for outlet 'no-such-outlet'" in capsys.readouterr().err


def test_import_benchmark_tiny(tmp_path):
    """benchmarks/import_throughput.py through run_all: a tiny replica crawled with capture
    on, its WARC imported into an empty archive, both rates and their ratio."""
    from dataclasses import replace

    out = tmp_path / "import.json"
    result = run_all.run(replace(TINY, import_articles=40), ("import",), json_path=out)
    assert result["errors"] == {}
    [row] = json.loads(out.read_text())["rows"]
    assert row["benchmark"] == "import" and row["target"] == "≥ 3×"
    assert row["ours"] > 0 and row["baseline"] > 0 and row["ratio"] > 0
    details = result["details"]["import"]
    assert details["articles"] > 0  # the import archived what the crawl archived
    assert details["import_samples"][0]["articles"] == details["crawl_samples"][0]["articles"]


def test_cluster_nodes_benchmark_tiny(tmp_path, capsys):
    """benchmarks/cluster_nodes.py --tiny: a night over one node and over two (real
    redis-server, Scrapyd nodes, writer and replica), every article archived each time."""
    from benchmarks import cluster_nodes

    out = tmp_path / "cluster.json"
    result = cluster_nodes.main(["--tiny", "--json", str(out)])
    assert "CPU s/article" in capsys.readouterr().out
    assert json.loads(out.read_text()) == result
    assert set(result) == {"1", "2"}
    assert result["1"]["articles"] == result["2"]["articles"] > 0
    for count, row in result.items():
        assert row["wall_s"] > 0 and row["cpu_s_per_article"] > 0, row
        assert len(row["request_share"]) == int(count)
        assert abs(sum(row["request_share"].values()) - 1) < 1e-9
        assert row["fairness_max_min"] >= 1


PIPELINES_UNDER_A_REACTOR = """
import sys, tempfile
from pathlib import Path
from scrapy.utils.reactor import install_reactor
install_reactor(sys.argv[1])
from benchmarks.pipeline_throughput import pipelines_for
with tempfile.TemporaryDirectory() as folder:
    crawler, stages = pipelines_for(Path(folder) / "bench.db")
print(len(stages))
"""


@pytest.mark.parametrize(
    "reactor",
    [
        "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "twisted.internet.epollreactor.EPollReactor",  # Twisted's default, as a test leaves it
    ],
)
def test_the_pipelines_benchmark_runs_where_a_reactor_is_installed(reactor: str) -> None:
    """run_all runs in-process: under pytest an earlier test may have installed Twisted's
    reactor (the asyncio one, or Twisted's default), and Scrapy's runner then refuses
    TWISTED_REACTOR_ENABLED=False and any other reactor than the installed one."""
    import subprocess
    import sys

    from tests.conftest import REPO

    result = subprocess.run(
        [sys.executable, "-c", PIPELINES_UNDER_A_REACTOR, reactor],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "4"
