"""Waiting in tests for something another process does: `wait_for`.

The tests of real processes (nodes, writers, schedulers, crawls) poll what those
processes leave behind (an archive row, a Redis key, a log line) until it shows,
and fail in a bounded time if it never does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T],
    timeout: float = 60,
    *,
    every: float = 0.1,
    ignoring: tuple[type[BaseException], ...] = (),
) -> T:
    """Call `condition` every `every` seconds until it returns something true, and return
    that. An exception of a type in `ignoring` counts as "not yet" (an archive another
    process is still creating, say). AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except ignoring:
            pass
        else:
            if value:
                return value
        time.sleep(every)
    raise AssertionError(f"condition not met in {timeout:g}s")
