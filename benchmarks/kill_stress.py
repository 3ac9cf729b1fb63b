"""Kill crawls at random moments, restart them, and check that nothing was lost or doubled.

    python -m benchmarks.kill_stress                    # 20 trials, 400-article replica
    python -m benchmarks.kill_stress --trials 50 --seed 3 --json

A replica of every configured outlet is served in this process; `warta crawl
--replica` runs as a subprocess. First a clean crawl into its own archive:
the span from its first committed article to its end is the expected writing
time. Then each trial crawls into a fresh archive, SIGKILLs the crawl at a
random moment of that span after its own first commit (seeded, printed as
"target"; "kill at" counts from the process start), restarts the same `warta
crawl` and lets it finish, and compares the archive with the clean one:

- the same article URLs with the same content columns (timestamps and ids
  aside; a story cluster is compared as the set of its members' URLs), the same
  stemmed-index rows, URL aliases, raw pages (by content), MinHash signatures
  and bands, and no article versions;
- `PRAGMA integrity_check`, `PRAGMA foreign_key_check`, and FTS5's
  `integrity-check` of `articles_fts` and `articles_fts_stem` pass;
- no orphan rows (raw pages, aliases, signatures, bands, versions, stemmed
  rows without their article, or an article without its stemmed row), no
  duplicate bodies within a source beyond what the clean archive has;
- no crawl run left "running" and no crawl lock left behind;
- WARC capture is on (the crawl's default): right after the kill, the torn bytes
  of the `.open` file it left are counted ("torn"); after the restart no `.open`
  file is left, and every WARC file reads whole: no torn tail (storage/warc.py's
  `scan_members`) and every record read to its end with its digests checked, as
  `warcio check` does. The clean run's files must read the same way.

`--kill-at-fraction 0.3,0.6` kills when the archive holds that share of the
expected articles instead (what the CI test uses: every kill lands mid-write).

`--paused` adds the paused-holder trial: a crawl is SIGSTOPped (at a moment it
holds no SQLite write lock) for `--pause` seconds (150), past the lock takeover
threshold (`--stale-after`, 120); a second crawl takes its sources over and
finishes; then the first gets SIGCONT. The archive must equal the clean one,
the second crawl's runs must all be `ok`, and the first crawl's runs `lost_lock`
(or `ok` for a source it had finished before the pause): never `ok` over a
source another crawl took over, never the new holder's status overwritten.
The CI test uses a pause of seconds with a threshold to match.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from benchmarks.common import crawl_command
from storage.columns import BOOKKEEPING_COLUMNS
from storage.warc import (
    OPEN_SUFFIX,
    WarcError,
    WarcPointer,
    default_warc_dir,
    read_payload,
    scan_members,
)

REPO = Path(__file__).resolve().parent.parent

# articles columns a clean crawl and a killed-and-restarted one must agree on
IGNORED_COLUMNS = set(BOOKKEEPING_COLUMNS)


@dataclass
class Trial:
    number: int
    kill_mode: str  # "time" or "fraction"
    kill_target: float  # seconds after the first committed article, or a share of articles
    kill_at: float | None  # seconds from the crawl's start to the SIGKILL
    killed: bool  # the crawl was still running when killed
    runs_running_after_kill: int
    articles_before: int  # archived when killed
    articles_after: int  # after the restart finished
    articles_expected: int
    restart_exit: int | None
    equal: bool
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    torn_bytes_after_kill: int = 0  # the kill's torn tail, cut by the restart
    warc_files: int = 0  # after the restart, every one read whole
    warc_records: int = 0

    @property
    def ok(self) -> bool:
        return self.equal and not self.problems and self.restart_exit == 0


# -- running crawls ------------------------------------------------------------------


def run_crawl(replica_url: str, db: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """One `warta crawl` of the replica into `db`, to the end."""
    return subprocess.run(
        crawl_command(replica_url, db),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def count_articles(db: Path) -> int:
    """Committed articles, read as a researcher would (0 while the file is being set up)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def killed_crawl(
    replica_url: str,
    db: Path,
    *,
    at_articles: int = 1,
    delay: float = 0.0,
    give_up: float = 600,
) -> tuple[float | None, bool]:
    """Start a crawl; once `at_articles` are committed, wait `delay` seconds and SIGKILL it.

    Returns (seconds from the start to the kill, whether the crawl was still
    running then: it may have finished first).
    """
    started = time.monotonic()
    child = subprocess.Popen(
        crawl_command(replica_url, db),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        while count_articles(db) < at_articles and time.monotonic() - started < give_up:
            if child.poll() is not None:
                return None, False
            time.sleep(0.01)
        try:
            child.wait(timeout=delay)
            return None, False
        except subprocess.TimeoutExpired:
            pass
        kill_at = time.monotonic() - started
        child.send_signal(signal.SIGKILL)
        return kill_at, True
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()


def timed_crawl(replica_url: str, db: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """A crawl to the end: (result, seconds in all, seconds until its first committed article)."""
    started = time.monotonic()
    first = None
    with subprocess.Popen(
        crawl_command(replica_url, db),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as child:
        reader = threading.Thread(target=lambda: output.extend(child.communicate()))
        output: list[str] = []
        reader.start()
        while reader.is_alive():
            if first is None and count_articles(db):
                first = time.monotonic() - started
            time.sleep(0.01)
        reader.join()
    seconds = time.monotonic() - started
    result = subprocess.CompletedProcess(child.args, child.returncode, *output)
    return result, seconds, first if first is not None else seconds


# -- reading an archive ------------------------------------------------------------------


def connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)


RAW = "html, warc_file, warc_offset, warc_length, warc_record_id, warc_digest"


def page_body(db: Path, row: sqlite3.Row) -> bytes:
    """A raw page's bytes: read through its WARC pointer (#15), else its compressed html."""
    if row["warc_file"] is None:
        return zlib.decompress(row["html"])
    pointer = WarcPointer(*(row[k] for k in RAW.split(", ")[1:]))
    return read_payload(default_warc_dir(db), pointer)


def unreadable_records(db: Path) -> int:
    """Raw pages whose WARC record is missing or torn: a kill must never leave one."""
    conn = connect(db)
    conn.row_factory = sqlite3.Row
    bad = 0
    try:
        for row in conn.execute(f"SELECT {RAW} FROM raw_pages WHERE warc_file IS NOT NULL"):
            try:
                page_body(db, row)
            except (WarcError, OSError, zlib.error):
                bad += 1
    finally:
        conn.close()
    return bad


def snapshot(db: Path) -> dict[str, Any]:
    """What a crawl archived, keyed by URL so two archives can be compared."""
    conn = connect(db)
    try:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM articles")]
        url_of = {r["id"]: r["url"] for r in rows}
        members: dict[int, set[str]] = {}
        for r in rows:
            members.setdefault(r["cluster_id"] or r["id"], set()).add(r["url"])
        articles = {}
        for r in rows:
            values = {k: v for k, v in r.items() if k not in IGNORED_COLUMNS}
            values["cluster"] = sorted(members[r["cluster_id"] or r["id"]])
            articles[r["url"]] = values
        stems = {
            url_of.get(r["rowid"], f"orphan:{r['rowid']}"): (r["title"], r["summary"], r["body"])
            for r in conn.execute("SELECT rowid, title, summary, body FROM articles_fts_stem")
        }
        aliases = sorted(
            (r["url"], url_of.get(r["article_id"], "?"))
            for r in conn.execute("SELECT url, article_id FROM url_aliases")
        )
        pages = Counter(
            (
                url_of.get(r["article_id"], "?"),
                r["page_no"],
                r["url"],
                r["status"],
                hashlib.sha1(page_body(db, r)).hexdigest(),
            )
            for r in conn.execute(f"SELECT article_id, page_no, url, status, {RAW} FROM raw_pages")
        )
        signatures = {
            url_of.get(r["article_id"], "?"): hashlib.sha1(r["signature"]).hexdigest()
            for r in conn.execute("SELECT article_id, signature FROM minhash_signatures")
        }
        bands = Counter(
            (r["band_key"], url_of.get(r["article_id"], "?"))
            for r in conn.execute(
                "SELECT band_key, article_id FROM minhash_bands UNION ALL "
                "SELECT band_key, article_id FROM minhash_bands_recent"
            )
        )
        versions = conn.execute("SELECT count(*) FROM article_versions").fetchone()[0]
    finally:
        conn.close()
    return {
        "articles": articles,
        "stems": stems,
        "aliases": aliases,
        "pages": pages,
        "signatures": signatures,
        "bands": bands,
        "versions": versions,
    }


def differences(clean: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """How `other` differs from the clean archive, one line per kind of difference."""
    found = []
    missing = sorted(set(clean["articles"]) - set(other["articles"]))
    extra = sorted(set(other["articles"]) - set(clean["articles"]))
    if missing:
        found.append(f"{len(missing)} articles missing, e.g. {missing[0]}")
    if extra:
        found.append(f"{len(extra)} articles not in the clean run, e.g. {extra[0]}")
    changed = Counter(
        column
        for url in set(clean["articles"]) & set(other["articles"])
        for column, value in clean["articles"][url].items()
        if other["articles"][url].get(column) != value
    )
    for column, number in sorted(changed.items()):
        found.append(f"{number} articles differ in {column}")
    for key in ("stems", "signatures"):
        shared = set(clean[key]) & set(other[key])
        differing = sum(clean[key][k] != other[key][k] for k in shared)
        if differing or set(clean[key]) != set(other[key]):
            found.append(
                f"{key}: {differing} differ, {len(set(clean[key]) ^ set(other[key]))} unmatched"
            )
    for key in ("aliases", "pages", "bands"):
        if clean[key] != other[key]:
            a, b = Counter(clean[key]), Counter(other[key])
            found.append(f"{key}: {sum((a - b).values())} missing, {sum((b - a).values())} extra")
    if clean["versions"] != other["versions"]:
        found.append(f"article_versions: {other['versions']} rows, clean run {clean['versions']}")
    return found


def check_archive(db: Path) -> tuple[list[str], dict[str, int]]:
    """Integrity problems of one archive, and its counts (articles, duplicate bodies…)."""
    problems = []
    conn = sqlite3.connect(db, timeout=30)  # FTS5 integrity-check is written as an INSERT
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity[:3]}")
        if conn.execute("PRAGMA foreign_key_check").fetchall():
            problems.append("foreign_key_check found violations")
        for table in ("articles_fts", "articles_fts_stem"):
            try:
                conn.execute(f"INSERT INTO {table}({table}) VALUES('integrity-check')")
            except sqlite3.DatabaseError as exc:
                problems.append(f"{table} integrity-check: {exc}")
        conn.rollback()
        orphans = {
            "raw_pages": "SELECT count(*) FROM raw_pages WHERE article_id NOT IN "
            "(SELECT id FROM articles)",
            "url_aliases": "SELECT count(*) FROM url_aliases WHERE article_id NOT IN "
            "(SELECT id FROM articles)",
            "minhash_signatures": "SELECT count(*) FROM minhash_signatures WHERE article_id "
            "NOT IN (SELECT id FROM articles)",
            "minhash_bands": "SELECT count(*) FROM minhash_bands WHERE article_id NOT IN "
            "(SELECT article_id FROM minhash_signatures)",
            "minhash_bands_recent": "SELECT count(*) FROM minhash_bands_recent WHERE "
            "article_id NOT IN (SELECT article_id FROM minhash_signatures)",
            "article_versions": "SELECT count(*) FROM article_versions WHERE article_id NOT IN "
            "(SELECT id FROM articles)",
            "articles_fts_stem": "SELECT count(*) FROM articles_fts_stem WHERE rowid NOT IN "
            "(SELECT id FROM articles)",
            "articles without stemmed row": "SELECT count(*) FROM articles WHERE id NOT IN "
            "(SELECT rowid FROM articles_fts_stem)",
            "articles without alias": "SELECT count(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM url_aliases u WHERE u.url = a.url)",
            "articles without raw page": "SELECT count(*) FROM articles WHERE id NOT IN "
            "(SELECT article_id FROM raw_pages)",
        }
        for name, sql in orphans.items():
            number = conn.execute(sql).fetchone()[0]
            if number:
                problems.append(f"orphans: {number} {name}")
        counts = {
            "articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0],
            "fts_rows": conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0],
            "duplicate_urls": conn.execute(
                "SELECT count(*) - count(DISTINCT url) FROM articles"
            ).fetchone()[0],
            "duplicate_bodies": conn.execute(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM articles "
                "GROUP BY source, body_hash)"
            ).fetchone()[0],
            "duplicate_pages": conn.execute(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM raw_pages "
                "GROUP BY article_id, page_no)"
            ).fetchone()[0],
            "runs_running": conn.execute(
                "SELECT count(*) FROM crawl_runs WHERE status = 'running'"
            ).fetchone()[0],
            "locks": conn.execute("SELECT count(*) FROM crawl_locks").fetchone()[0],
        }
    finally:
        conn.close()
    if counts["duplicate_urls"]:
        problems.append(f"{counts['duplicate_urls']} duplicate URLs")
    if counts["duplicate_pages"]:
        problems.append(f"{counts['duplicate_pages']} raw pages stored twice")
    if counts["runs_running"]:
        problems.append(f"{counts['runs_running']} crawl runs left 'running'")
    if counts["locks"]:
        problems.append(f"{counts['locks']} crawl locks left behind")
    if unreadable := unreadable_records(db):
        problems.append(f"{unreadable} raw pages point at a missing or torn WARC record")
    return problems, counts


def raised(stderr: str) -> str:
    """The exception a traceback in the output ends with (its first line)."""
    after = stderr[stderr.rindex("Traceback") :].splitlines()[1:]
    last = next((line for line in after if line and not line.startswith(" ")), "?")
    return last.strip()[:120]


def torn_bytes(db: Path) -> int:
    """Bytes past the last complete record of the `.open` files a kill left."""
    folder = default_warc_dir(db)
    if not folder.is_dir():
        return 0
    scans = (scan_members(path) for path in folder.glob(f"*{OPEN_SUFFIX}"))
    return sum(scan.size - scan.complete_end for scan in scans)


def warc_check(db: Path) -> tuple[list[str], int, int]:
    """Problems of the archive's WARC files (see the module docstring), and how many
    files and records they hold."""
    folder = default_warc_dir(db)
    problems: list[str] = []
    files = records = 0
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.name.endswith(OPEN_SUFFIX):
            problems.append(f"{path.name} left open")
            continue
        files += 1
        scan = scan_members(path)
        if scan.damaged or scan.complete_end != scan.size:
            problems.append(f"{path.name}: torn or damaged ({scan})")
            continue
        try:
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream, check_digests=True):
                    while record.content_stream().read(1 << 20):
                        pass
                    records += 1
                    if record.digest_checker.passed is False:
                        problems.append(f"{path.name}: {list(record.digest_checker.problems)}")
        except Exception as exc:  # warcio raises several kinds: each is a failed check
            problems.append(f"{path.name} does not read: {exc}")
    if not files:
        problems.append("no WARC files: capture was off")
    return problems, files, records


def runs_running(db: Path) -> int:
    try:
        conn = connect(db)
        try:
            return conn.execute(
                "SELECT count(*) FROM crawl_runs WHERE status = 'running'"
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


# -- trials -------------------------------------------------------------------------------


@dataclass
class Baseline:
    db: Path
    snapshot: dict[str, Any]
    counts: dict[str, int]
    seconds: float
    first_commit: float  # seconds from the start to the first committed article
    site_articles: int

    @property
    def writing(self) -> float:
        """How long the clean crawl wrote articles: the span kills are drawn from."""
        return max(self.seconds - self.first_commit, 0.1)


def clean_run(replica_url: str, folder: Path, site_articles: int) -> Baseline:
    db = folder / "clean.db"
    result, seconds, first_commit = timed_crawl(replica_url, db)
    if result.returncode != 0:
        raise RuntimeError(f"the clean crawl failed: {result.stderr.strip()[-500:]}")
    problems, counts = check_archive(db)
    problems += warc_check(db)[0]
    if problems:
        raise RuntimeError(f"the clean archive fails its own checks: {problems}")
    return Baseline(db, snapshot(db), counts, seconds, first_commit, site_articles)


def kill_trial(
    replica_url: str,
    folder: Path,
    baseline: Baseline,
    number: int,
    rng: random.Random,
    *,
    fraction: float | None = None,
) -> Trial:
    """One crawl killed (at a random moment, or at `fraction` of the articles), restarted,
    finished, and checked against the clean archive."""
    db = folder / f"trial-{number:03d}.db"
    expected = baseline.counts["articles"]
    started = time.monotonic()
    if fraction is None:  # a random moment of the writing phase
        target = round(rng.uniform(0, 1.0) * baseline.writing, 2)
        kill_at, killed = killed_crawl(replica_url, db, at_articles=1, delay=target)
        mode = "time"
    else:  # once that share of the articles is committed (then up to 0.2 s later)
        target = fraction
        kill_at, killed = killed_crawl(
            replica_url,
            db,
            at_articles=max(1, int(expected * fraction)),
            delay=round(rng.uniform(0, 0.2), 3),
        )
        mode = "fraction"
    before = count_articles(db)
    running = runs_running(db)
    torn = torn_bytes(db)
    restart = run_crawl(replica_url, db)
    problems, counts = check_archive(db)
    warc_problems, warc_files, warc_records = warc_check(db)
    problems += warc_problems
    if restart.returncode != 0:
        last = (restart.stderr.strip().splitlines() or ["?"])[-1]
        problems.append(f"restart exited {restart.returncode}: {last}")
    if "Traceback" in restart.stderr:
        problems.append(f"restart printed a traceback ({raised(restart.stderr)})")
    if counts["duplicate_bodies"] > baseline.counts["duplicate_bodies"]:
        problems.append(
            f"{counts['duplicate_bodies']} duplicate bodies (clean run: "
            f"{baseline.counts['duplicate_bodies']})"
        )
    diff = differences(baseline.snapshot, snapshot(db))
    return Trial(
        number=number,
        kill_mode=mode,
        kill_target=target,
        kill_at=round(kill_at, 2) if kill_at is not None else None,
        killed=killed,
        runs_running_after_kill=running,
        articles_before=before,
        articles_after=counts["articles"],
        articles_expected=expected,
        restart_exit=restart.returncode,
        equal=not diff,
        problems=diff + problems,
        seconds=round(time.monotonic() - started, 2),
        torn_bytes_after_kill=torn,
        warc_files=warc_files,
        warc_records=warc_records,
    )


@dataclass
class PausedTrial:
    pause: float
    stale_after: float
    paused_exit: int | None
    taker_exit: int | None
    paused_statuses: dict[str, str]  # source -> status of the paused crawl's run
    taker_statuses: dict[str, str]
    equal: bool
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.equal and not self.problems


def pause_outside_a_write(child: subprocess.Popen, db: Path, give_up: float = 60) -> bool:
    """SIGSTOP the crawl at a moment it holds no SQLite write lock; False if it ended.

    A process stopped inside a write transaction blocks every writer until it
    resumes, so no crawl could take its sources over (see docs/reliability.md).
    """
    deadline = time.monotonic() + give_up
    while time.monotonic() < deadline and child.poll() is None:
        child.send_signal(signal.SIGSTOP)
        conn = sqlite3.connect(db, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            child.send_signal(signal.SIGCONT)
            time.sleep(0.05)
        finally:
            conn.close()
    return False


def runs_by_pid(db: Path) -> dict[int, dict[str, str]]:
    conn = connect(db)
    try:
        rows = conn.execute("SELECT pid, source, status FROM crawl_runs ORDER BY id").fetchall()
    finally:
        conn.close()
    runs: dict[int, dict[str, str]] = {}
    for pid, source, status in rows:
        runs.setdefault(pid, {})[source] = status
    return runs


def paused_trial(
    replica_url: str, folder: Path, baseline: Baseline, pause: float, stale_after: float
) -> PausedTrial:
    """A crawl paused past the takeover threshold, taken over, resumed; checked."""
    db = folder / "paused.db"
    lock = ["-s", f"WARTA_LOCK_STALE_AFTER={stale_after}"]
    if stale_after < 30:  # a short threshold needs beats to match
        lock += ["-s", "WARTA_LOCK_HEARTBEAT=1"]
    started = time.monotonic()
    # Throttled, so that a quick machine cannot finish the crawl before it is paused;
    # the crawl that takes over runs at full speed.
    throttle = ["-s", "DOWNLOAD_DELAY=0.25", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    child = subprocess.Popen(
        crawl_command(replica_url, db, *lock, *throttle),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    problems = []
    try:
        while count_articles(db) < 1 and child.poll() is None:
            time.sleep(0.05)
        if not pause_outside_a_write(child, db):
            problems.append("the crawl ended before it could be paused")
        time.sleep(pause)
        taker = subprocess.run(
            crawl_command(replica_url, db, *lock),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    finally:
        child.send_signal(signal.SIGCONT)
    try:
        child.wait(timeout=600)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        problems.append("the resumed crawl did not end")
    runs = runs_by_pid(db)
    paused_runs = runs.get(child.pid, {})
    taker_runs = {s: st for pid, r in runs.items() if pid != child.pid for s, st in r.items()}
    problems += _check_archive_and_statuses(db, paused_runs, taker_runs)
    diff = differences(baseline.snapshot, snapshot(db))
    return PausedTrial(
        pause=pause,
        stale_after=stale_after,
        paused_exit=child.returncode,
        taker_exit=taker.returncode,
        paused_statuses=paused_runs,
        taker_statuses=taker_runs,
        equal=not diff,
        problems=diff + problems,
        seconds=round(time.monotonic() - started, 2),
    )


def _check_archive_and_statuses(
    db: Path, paused_runs: dict[str, str], taker_runs: dict[str, str]
) -> list[str]:
    problems, _ = check_archive(db)
    problems += warc_check(db)[0]
    wrong_taker = {s: st for s, st in taker_runs.items() if st != "ok"}
    if wrong_taker:
        problems.append(f"the taking-over crawl's runs are not ok: {wrong_taker}")
    if not any(st == "lost_lock" for st in paused_runs.values()):
        problems.append(f"no run of the paused crawl lost its lock: {paused_runs}")
    wrong = {s: st for s, st in paused_runs.items() if st not in ("lost_lock", "ok")}
    if wrong:
        problems.append(f"the paused crawl's runs ended wrongly: {wrong}")
    return problems


def stress(
    trials: int = 20,
    *,
    articles: int = 400,
    seed: int = 1,
    site_seed: int = 7,
    fractions: list[float] | None = None,
    folder: Path | None = None,
    keep: bool = False,
    progress=None,
    pause: float | None = None,
    stale_after: float = 120.0,
) -> dict[str, Any]:
    """Run the clean crawl and the kill trials; return the report (see `main`)."""
    from replica.generator import build_site
    from replica.server import ReplicaServer

    site = build_site(articles=articles, seed=site_seed, syndication=True)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kill-stress-", dir=folder) as tmp:
        work = Path(tmp)
        with ReplicaServer(site) as server:
            began = time.monotonic()
            baseline = clean_run(server.base_url, work, len(site.articles))
            if progress:
                progress(
                    f"clean crawl: {baseline.counts['articles']} articles in "
                    f"{baseline.seconds:.1f} s, the first committed after "
                    f"{baseline.first_commit:.1f} s"
                )
            results = []
            for number in range(1, trials + 1):
                fraction = fractions[(number - 1) % len(fractions)] if fractions else None
                trial = kill_trial(server.base_url, work, baseline, number, rng, fraction=fraction)
                results.append(trial)
                if progress:
                    progress(row_text(trial))
                if not keep:
                    trial_db = work / f"trial-{number:03d}.db"
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{trial_db}{suffix}").unlink(missing_ok=True)
                    shutil.rmtree(default_warc_dir(trial_db), ignore_errors=True)
            paused = None
            if pause is not None:
                paused = paused_trial(server.base_url, work, baseline, pause, stale_after)
                if progress:
                    progress(paused_text(paused))
            total = time.monotonic() - began
    killed = [t for t in results if t.killed]
    return {
        "parameters": {
            "trials": trials,
            "articles": articles,
            "seed": seed,
            "site_seed": site_seed,
            "fractions": fractions,
        },
        "clean": {
            "articles": baseline.counts["articles"],
            "site_articles": baseline.site_articles,
            "duplicate_bodies": baseline.counts["duplicate_bodies"],
            "seconds": round(baseline.seconds, 2),
            "first_commit_seconds": round(baseline.first_commit, 2),
        },
        "trials": [{**asdict(t), "ok": t.ok} for t in results],
        "paused": {**asdict(paused), "ok": paused.ok} if paused else None,
        "summary": {
            "trials": len(results),
            "killed_mid_crawl": len(killed),
            "finished_before_kill": len(results) - len(killed),
            "equal": sum(t.equal for t in results),
            "ok": sum(t.ok for t in results),
            "failed": [t.number for t in results if not t.ok],
            "runs_left_running_after_kill": sum(t.runs_running_after_kill for t in results),
            "kills_that_tore_a_record": sum(t.torn_bytes_after_kill > 0 for t in results),
            "warc_files_checked": sum(t.warc_files for t in results),
            "warc_records_checked": sum(t.warc_records for t in results),
            "median_trial_seconds": (
                round(statistics.median(t.seconds for t in results), 1) if results else 0
            ),
            "median_kill_at_seconds": (
                round(statistics.median(t.kill_at for t in killed if t.kill_at is not None), 2)
                if killed
                else None
            ),
            "seconds": round(total, 1),
        },
    }


HEADER = (
    f"{'trial':>5}  {'target':>7}  {'kill at':>8}  {'killed':>6}  {'running':>7}  {'before':>6}  "
    f"{'after':>5}  {'expected':>8}  {'torn':>6}  {'warc':>9}  {'equal':>5}  {'checks':<6}  "
    f"{'secs':>5}"
)


def paused_text(t: PausedTrial) -> str:
    checks = "ok" if t.ok else "FAIL: " + "; ".join(t.problems)
    statuses = sorted(set(t.paused_statuses.values()))
    return (
        f"paused holder: {t.pause:g} s pause, takeover after {t.stale_after:g} s; paused "
        f"crawl's runs {', '.join(statuses)} (exit {t.paused_exit}); taking-over crawl "
        f"exit {t.taker_exit}; archive {'equal' if t.equal else 'DIFFERENT'}; {checks}"
    )


def row_text(t: Trial) -> str:
    target = f"+{t.kill_target:.2f}s" if t.kill_mode == "time" else f"{t.kill_target:.0%}"
    kill = f"{t.kill_at:.2f}s" if t.kill_at is not None else "-"
    checks = "ok" if t.ok else "FAIL: " + "; ".join(t.problems)
    return (
        f"{t.number:>5}  {target:>7}  {kill:>8}  {'yes' if t.killed else 'no':>6}  "
        f"{t.runs_running_after_kill:>7}  {t.articles_before:>6}  {t.articles_after:>5}  "
        f"{t.articles_expected:>8}  {t.torn_bytes_after_kill:>6}  "
        f"{f'{t.warc_files}f/{t.warc_records}r':>9}  {'yes' if t.equal else 'NO':>5}  "
        f"{checks:<6}  {t.seconds:>5.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--articles", type=int, default=400, help="replica size (per site)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the kill moments")
    parser.add_argument("--site-seed", type=int, default=7, help="seeds the replica site")
    parser.add_argument(
        "--kill-at-fraction",
        help="comma-separated shares of the expected articles to kill at (cycled), "
        "instead of random moments",
    )
    parser.add_argument(
        "--paused", action="store_true", help="add the paused-holder trial (SIGSTOP, takeover)"
    )
    parser.add_argument("--pause", type=float, default=150.0, help="seconds the holder is stopped")
    parser.add_argument(
        "--stale-after", type=float, default=120.0, help="the lock takeover threshold, seconds"
    )
    parser.add_argument("--keep", action="store_true", help="keep the trial archives")
    parser.add_argument("--dir", type=Path, help="where to put the archives (default: tmp)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    # a SIGTERM unwinds like Ctrl-C, so the crawl in progress is killed, not orphaned
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    fractions = (
        [float(f) for f in args.kill_at_fraction.split(",")] if args.kill_at_fraction else None
    )

    def progress(line: str) -> None:
        if not args.json:
            print(line, flush=True)
            if line.startswith("clean crawl"):
                print(HEADER, flush=True)

    if not args.json:
        print(
            f"kill stress: {args.trials} trials, replica of {args.articles} articles, "
            f"seed {args.seed}"
        )
    report = stress(
        args.trials,
        articles=args.articles,
        seed=args.seed,
        site_seed=args.site_seed,
        fractions=fractions,
        folder=args.dir,
        keep=args.keep,
        progress=progress,
        pause=args.pause if args.paused else None,
        stale_after=args.stale_after,
    )
    summary = report["summary"]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"\n{summary['ok']}/{summary['trials']} trials ok "
            f"({summary['killed_mid_crawl']} killed mid-crawl, "
            f"{summary['finished_before_kill']} finished before the kill); "
            f"clean archive {report['clean']['articles']} articles in "
            f"{report['clean']['seconds']} s; {summary['seconds']} s in all"
        )
        print(
            f"WARC capture on: {summary['kills_that_tore_a_record']} kills left a torn "
            f"record (cut by the restart); {summary['warc_files_checked']} files with "
            f"{summary['warc_records_checked']} records read whole after the restarts; "
            f"median kill at {summary['median_kill_at_seconds']} s, median trial "
            f"{summary['median_trial_seconds']} s"
        )
    paused_ok = report["paused"] is None or report["paused"]["ok"]
    return 0 if summary["ok"] == summary["trials"] and paused_ok else 1


if __name__ == "__main__":
    sys.exit(main())
