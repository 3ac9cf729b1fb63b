"""A node rides out a short Redis outage and names a long one in one line."""

from __future__ import annotations

import threading

import pytest

from crawler.redis_connection import RedisUnavailable, key, redis_from_url, retrying
from tests.servers import RedisServer


def test_a_call_waits_out_a_short_outage(redis_server: RedisServer) -> None:
    client = redis_from_url(redis_server.url)
    redis_server.stop()
    threading.Timer(1.5, redis_server.launch).start()  # back on the same port
    retrying(lambda: client.set(key("probe"), "1"), patience=30, what="a probe")
    assert redis_server.client().get("warta:probe") == b"1"


def test_a_long_outage_is_one_clear_error(redis_server: RedisServer) -> None:
    client = redis_from_url(redis_server.url)
    redis_server.stop()
    with pytest.raises(RedisUnavailable, match="Redis unavailable for a probe"):
        retrying(lambda: client.ping(), patience=1.0, what="a probe")
