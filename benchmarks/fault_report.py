"""Crawl a misbehaving replica, one fault at a time, and print what the crawl ended with.

For each fault (replica/faults.py) it serves a small site whose Tribun Jogja
articles are all healthy except `--trials` of them, which misbehave; it crawls
Tribun Jogja with `warta crawl` in a subprocess, as an operator would, and
compares the archive with the replica's truth:

- expected: articles that must end archived (the healthy ones, plus the faulted
  ones when the fault is recoverable); exact: archived rows equal to the truth;
  wrong: archived rows that differ (must be 0);
- errors: faulted URLs recorded in crawl_errors with the expected reason, out of
  those that must be (unrecoverable faults);
- status of the run, wall time and the crawl process's peak RSS.

The layout row changes every Harian Jogja article's markup instead, and also
reports `warta health`'s verdict. The markdown table goes to stdout
(docs/reliability-faults.md holds a copy):

    .venv/bin/python -m benchmarks.fault_report [--trials 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import archive_row, crawl_command, wait_measuring
from replica.faults import parse_fault
from replica.generator import build_site
from replica.server import ReplicaServer
from storage.archive import Archive
from storage.health import source_health

REPO = Path(__file__).resolve().parent.parent
SETTINGS = ("DOWNLOAD_TIMEOUT=2", "RETRY_TIMES=2", "WARTA_RETRY_BACKOFF=0.3")
# Fault (the pattern is added per article) -> "archived" when recoverable, else the reason.
FAULTS = {
    "5xx:code=503,times=2": "archived",
    "5xx:code=500": "http_500",
    "5xx:code=502": "http_502",
    "5xx:code=503": "http_503",
    "retry-after:after=1,times=2": "archived",
    "retry-after:code=503,after=1,times=1": "archived",
    "retry-after:after=3600": "http_429",
    "forbid-ua:allow=NoSuchBot": "http_403",
    "hang:times=1": "archived",
    "hang": "timeout",
    "trickle:interval=1,chunk=512": "timeout",
    "reset:times=1": "archived",
    "reset": "connection_reset",
    "truncate": "truncated",
    "truncate:length=none": "truncated",
    "bad-gzip": "decode_error",
    "huge:mb=50": "too_large",
    "huge:mb=50,length=none": "too_large",
    "charset:declare=utf-8": "archived",
    "charset:declare=latin-1": "archived",
    "charset:declare=none": "archived",
    "not-html:type=pdf": "not_html",
    "not-html:type=png": "not_html",
    "redirect-loop": "redirect_loop",
    "redirect-loop:mode=endless": "redirect_loop",
    "redirect-offsite": "redirect_offsite",
    "empty": "empty",
    "no-title": "no_title",
    "no-body": "no_body",
    "malformed": "archived",
    "robots": "robots_disallowed",
}
GENERIC_MISSES = ("editors", "images")  # what the generic fallback cannot find


def crawl(server: ReplicaServer, source: str, db: Path, workdir: Path) -> tuple[int, float, int]:
    """(exit code, seconds, peak RSS in MB) of `warta crawl SOURCE` against the server."""
    settings = [flag for setting in SETTINGS for flag in ("-s", setting)]
    command = crawl_command(server.base_url, db, source, *settings)
    started = time.monotonic()
    with (workdir / "log").open("w") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        code, peak_kb, _ = wait_measuring(process)
    return code, time.monotonic() - started, peak_kb // 1024


def wrong_fields(row: dict, truth: dict) -> list[str]:
    expected = archive_row(truth)
    generic = row["extraction"].get("body") == "generic"
    return [
        field
        for field in (*expected.keys() - {"extraction", "body_hash"},)
        if row[field] != expected[field]
        and not (generic and field in GENERIC_MISSES and not row[field])
    ]


def trial(site, source: str, specs: dict[str, str], label: str) -> dict:
    """Crawl `source` with `specs` (article URL -> fault spec) applied; tally the outcome."""
    faults = [parse_fault(spec) for spec in specs.values()]
    truths = {a.url: a.truth() for a in site.articles if a.source == source}
    expect = FAULTS.get(label, "archived")
    with tempfile.TemporaryDirectory() as tmp, ReplicaServer(site, faults=faults) as server:
        db = Path(tmp) / "warta.db"
        code, seconds, peak = crawl(server, source, db, Path(tmp))
        with Archive(db, readonly=True) as archive:
            rows = {row["url"]: row for row in archive.articles()}
            (run,) = archive.runs.latest(limit=1)
            errors = {e["url"]: e["reason"] for e in archive.runs.errors(run["id"])}
            health = source_health(archive, source)
    must_archive = set(truths) if expect == "archived" else set(truths) - set(specs)
    exact = [u for u in must_archive if u in rows and not wrong_fields(rows[u], truths[u])]
    wrong = [u for u, row in rows.items() if u not in truths or wrong_fields(row, truths[u])]
    must_record = set() if expect == "archived" else set(specs)
    recorded = [u for u in must_record if errors.get(u) == expect]
    return {
        "fault": label,
        "trials": len(specs),
        "expected": len(must_archive),
        "exact": len(exact),
        "wrong": len(wrong),
        "errors": f"{len(recorded)}/{len(must_record)}",
        "reason": expect if must_record else "-",
        "other_errors": len(set(errors) - must_record),
        "status": f"{run['status']} (exit {code})",
        "health": health.status,
        "seconds": seconds,
        "peak_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=3, help="faulted articles per fault")
    parser.add_argument("--only", help="only faults whose spec starts with this")
    args = parser.parse_args()
    site = build_site(articles=60, seed=7)
    tribun = [a for a in site.articles if a.source == "tribunjogja" and a.pages == 1]
    results = []
    for label in FAULTS:
        if args.only and not label.startswith(args.only):
            continue
        kind, _, options = label.partition(":")
        specs = {
            a.url: f"{kind}:{a.url.split('://', 1)[1]}*" + (f":{options}" if options else "")
            for a in tribun[: args.trials]
        }
        results.append(trial(site, "tribunjogja", specs, label))
        print(_line(results[-1]), file=sys.stderr, flush=True)
    if not args.only or args.only.startswith("layout"):
        harian = [a for a in site.articles if a.source == "harianjogja"]
        specs = {a.url: f"layout:{a.url.split('://', 1)[1]}" for a in harian}
        results.append(trial(site, "harianjogja", specs, "layout (every article)"))
    print(
        "| fault | trials | articles expected | archived exactly | wrong rows "
        "| errors recorded (reason) | other errors | run | health | time | peak RSS |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | --- | ---: | ---: |")
    for result in results:
        print(_line(result))


def _line(r: dict) -> str:
    return (
        f"| `{r['fault']}` | {r['trials']} | {r['expected']} | {r['exact']} | {r['wrong']} "
        f"| {r['errors']} ({r['reason']}) | {r['other_errors']} | {r['status']} "
        f"| {r['health']} | {r['seconds']:.1f} s | {r['peak_mb']} MB |"
    )


if __name__ == "__main__":
    main()
