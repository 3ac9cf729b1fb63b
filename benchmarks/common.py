"""What several benchmarks share."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage.archive import body_hash, iso_utc
from storage.columns import ARTICLE_FIELDS, TIME_FIELDS

# The stored Article fields a replica truth holds as they are (times need converting).
TEXT_FIELDS = tuple(name for name in ARTICLE_FIELDS if name not in TIME_FIELDS)


def archive_row(truth: dict) -> dict:
    """The archive row a replica article's truth implies (as the pipelines would write it)."""
    return {
        **{key: truth[key] for key in TEXT_FIELDS},
        "published_at": iso_utc(truth["published_at"]),  # the truth always has one
        "published_tz": truth["published_at"].isoformat()[-6:],
        "body_hash": body_hash(truth["body"]),
        "extraction": {},
    }


def crawl_command(replica_url: str, db: Path, *extra: str) -> list[str]:
    """`warta crawl` of every source of the replica at `replica_url` into `db`, quietly."""
    return [
        sys.executable,
        "-m",
        "warta",
        "crawl",
        "--replica",
        replica_url,
        "--db",
        str(db),
        "--progress",
        "0",
        *extra,
    ]


def stop_process(
    process: subprocess.Popen | None, grace: float = 10.0, how: signal.Signals = signal.SIGTERM
) -> None:
    """Ask the process to stop (`how`), kill it if it has not within `grace` seconds;
    never raises, so a cleanup cannot hide why a run ended. SIGTERM by default, not
    Ctrl-C: a process started from a background job of a non-interactive shell
    inherits SIGINT ignored (POSIX), and would never stop on it."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(how)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_measuring(process: subprocess.Popen) -> tuple[int, int, resource.struct_rusage]:
    """Wait for a child process: (exit code, its peak RSS in kB, its resource usage).

    The peak is VmHWM, sampled every 50 ms until the child exits, not ru_maxrss:
    Linux folds the parent's size at fork into a child's ru_maxrss, so a big
    benchmark or test process would inflate the crawl's figure.
    """
    peak_kb = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak_kb = max(peak_kb, high_water_kb(process.pid))
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, peak_kb, usage


def high_water_kb(pid: int) -> int:
    """The process's peak RSS so far (VmHWM), in kB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
