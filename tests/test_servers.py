"""The real servers the distributed tests use start, answer and stop on loopback."""

from __future__ import annotations

from pathlib import Path

from tests.servers import RedisServer, ScrapydNode


def test_redis_server_answers_and_keeps_data_across_a_restart_with_aof(tmp_path: Path) -> None:
    server = RedisServer.start(tmp_path / "redis", appendonly=True)
    try:
        client = server.client()
        client.set("warta:probe", "1")
        server.stop()
        assert not server.ping()
        server.launch()
        assert server.client().get("warta:probe") == b"1"
    finally:
        server.stop()


def test_a_paused_redis_server_does_not_answer_until_resumed(redis_server: RedisServer) -> None:
    redis_server.pause()
    assert not redis_server.ping()
    redis_server.resume()
    assert redis_server.ping()


def test_a_scrapyd_node_serves_the_warta_project_without_an_egg(tmp_path: Path) -> None:
    node = ScrapydNode.start(tmp_path / "node-a", "node-a")
    try:
        assert node.status()["node_name"] == "node-a"
        spiders = node.call("listspiders.json?project=warta")["spiders"]
        assert "tribunjogja" in spiders
    finally:
        node.kill()
    assert node.status() is None
