"""The test servers of tests/servers.py answer on 127.0.0.1."""

from __future__ import annotations

import psycopg
import redis


def test_postgres_server_answers(fresh_postgres_url: str) -> None:
    with psycopg.connect(fresh_postgres_url) as conn:
        assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
        assert conn.info.host == "127.0.0.1"


def test_redis_server_answers(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.set("newscrawl-test", "ok")
    assert client.get("newscrawl-test") == b"ok"
