"""Crawl run statuses, and who a run's process is, so a dead one can be told from a live one.

A process is identified by host, boot id, PID namespace, pid and start time, not
by its pid alone: pids are reused after a reboot or a while, and a crawl in a
container (another PID namespace, often the same host name) has a pid that
means nothing, or another process, here. Only when host, boot and namespace
are this process's own can the process table say that a holder is gone;
otherwise only its heartbeat can (storage/locks.py).
"""

from __future__ import annotations

import os
import socket
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any


class RunStatus(StrEnum):
    """The values of crawl_runs.status."""

    RUNNING = "running"
    OK = "ok"
    DEGRADED = "degraded"  # finished, with errors
    FAILED = "failed"  # did not finish
    REFUSED = "refused"  # another crawl held the source's lock
    LOST_LOCK = "lost_lock"  # stopped: another crawl took the lock over while it was paused


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return "?"


@cache
def _machine() -> tuple[str, str, str]:
    """This host's name, boot id and PID namespace ("?" where /proc does not say)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = "?"
    return socket.gethostname(), _read("/proc/sys/kernel/random/boot_id"), namespace


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat), None if no such pid."""
    stat = _read(f"/proc/{pid}/stat")
    if stat == "?":  # no such process, or no /proc to ask
        return "?" if _exists(pid) else None
    # the command name (field 2) may hold spaces and parentheses: split after the last ")"
    return stat.rsplit(")", 1)[-1].split()[19]


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_identity(pid: int | None = None) -> str:
    """host|boot id|pid namespace|pid|start time of a process here (default: this one)."""
    return _identity(pid or os.getpid())


@cache
def _identity(pid: int) -> str:
    # cached: a pid's start time never changes, and a fork has a pid of its own
    host, boot, namespace = _machine()
    return f"{host}|{boot}|{namespace}|{pid}|{start_time(pid) or '?'}"


def is_gone(identity: str | None) -> bool:
    """Whether the process an identity names has certainly ended.

    False when it is alive or when this process cannot tell (another host, boot
    or PID namespace, or an identity written by an older warta).
    """
    parts = (identity or "").split("|")
    if len(parts) != 5 or "?" in parts[:3] or tuple(parts[:3]) != _machine():
        return False
    pid, started = int(parts[3]), parts[4]
    now = start_time(pid)
    return now is None or (started != "?" and now != "?" and now != started)


def as_seen(run: dict[str, Any], lock_holder: str | None) -> dict[str, Any]:
    """The run as a reader should see it: a "running" run whose process is gone is failed.

    The row itself is closed by the next crawl of its source; until then `runs` and
    `health` must not show a killed crawl as running. `lock_holder` is the identity
    holding the source's lock now, if any: a run whose source lock another process
    holds is not running either (it lost the lock, or never had it and died).
    """
    if run.get("status") != RunStatus.RUNNING:
        return run
    holder = run.get("holder")
    if is_gone(holder):
        why = f"crawl process {run.get('pid')} died (the next crawl of {run['source']} closes it)"
    elif holder and lock_holder and lock_holder != holder:
        why = "another crawl holds the source's lock: this run's process died or lost it"
    else:
        return run
    return {**run, "status": str(RunStatus.FAILED), "message": why}
