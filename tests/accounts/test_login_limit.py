"""The login limit is counted in Redis when REDIS_URL is set, so every app server counts together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
import redis

from traceability.config import PROJECT_ROOT, ConfigError, load_config

from ..conftest import database_url
from ..live_server import private_redis

pytestmark = pytest.mark.no_db


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with private_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_server(redis_url):
    server = redis.Redis.from_url(redis_url)
    yield server
    server.close()


def _server(prefix: str, count: int, redis_url: str | None) -> list[int]:
    """Another app server: a process of its own, set up by its environment."""
    env = {**os.environ, "DATABASE_URL": database_url(), "TRACEABILITY_ENV": "development"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    done = subprocess.run(
        [sys.executable, "-m", "tests.accounts.login_limit_worker", prefix, str(count)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_app_servers_share_the_login_count_in_redis(engine, redis_server, redis_url):
    prefix = f"test-login-{uuid.uuid4().hex}"
    try:
        assert _server(prefix, 3, redis_url) == [422, 422, 422]  # wrong password, three times: the limit
        # the second server knows (counting in its own memory, it would answer 422 twice)
        assert _server(prefix, 2, redis_url) == [429, 429]
        assert any(redis_server.scan_iter(f"*{prefix}*"))
    finally:
        for key in redis_server.scan_iter(f"*{prefix}*"):
            redis_server.delete(key)


def test_production_refuses_to_start_without_redis(production_env):
    production_env.delenv("REDIS_URL")
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_config()
    production_env.setenv("REDIS_URL", "redis://redis.internal:6379/0")
    assert load_config()["RATELIMIT_STORAGE_URI"] == "redis://redis.internal:6379/0"
