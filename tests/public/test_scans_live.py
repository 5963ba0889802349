"""Several app servers behind one proxy answer as one, and a server killed outright loses no answered scan.

Each server is its own gunicorn (two worker processes) on a loopback port; they share one database and one
Redis (REDIS_URL, a private server of the test run), as production servers behind a proxy would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from sqlalchemy import func, select

from traceability.batches.models import Batch, BatchStatus
from traceability.codes.models import Code, CodeKind, Scan
from traceability.public.scans import RedisScanQueue

from ..live_server import LiveServer, demo_database, private_redis, start_server

pytestmark = pytest.mark.no_db

PHONE = {"Accept-Language": "vi-VN,vi;q=0.9", "User-Agent": "Mozilla/5.0 (Android) Chrome/120"}
# both servers name the registry by the proxy's address, so their pages are the same
SHARED = {"PUBLIC_BASE_URL": "https://registry.example", "SCAN_RECORD_LIMIT": "1000 per hour"}


def _get(url: str, accept: str = "text/html") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={**PHONE, "Accept": accept})  # noqa: S310  (loopback only)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310  (loopback only)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _codes(engine) -> tuple[Any, Any]:
    """A published batch's lot code and one of its unit codes: (lot, unit) rows of (id, value, batch_id)."""
    with engine.connect() as conn:
        unit = conn.execute(
            select(Code.id, Code.value, Code.batch_id)
            .join(Batch, Batch.id == Code.batch_id)
            .where(Batch.status == BatchStatus.PUBLISHED, Code.kind == CodeKind.SERIAL)
            .order_by(Code.id)
        ).first()
        lot = conn.execute(
            select(Code.id, Code.value, Code.batch_id).where(Code.batch_id == unit.batch_id, Code.kind == CodeKind.LOT)
        ).first()
    return lot, unit


def _written(engine, *code_ids: int) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Scan).where(Scan.code_id.in_(code_ids)))


def _wait_written(engine, count: int, *code_ids: int, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while (written := _written(engine, *code_ids)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return written


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    with private_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def demo_db() -> Iterator[tuple[str, Any]]:
    db_url, engine = demo_database("_scans_live", SHARED)
    yield db_url, engine
    engine.dispose()


@pytest.fixture(scope="module")
def two_servers(demo_db, redis_url) -> Iterator[tuple[LiveServer, LiveServer]]:
    db_url, engine = demo_db
    env = {**SHARED, "REDIS_URL": redis_url, "SCAN_WRITE_SECONDS": "0.2"}
    first = start_server(db_url, engine, "server-a", env)
    try:
        second = start_server(db_url, engine, "server-b", env)
    except BaseException:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


def test_two_servers_give_the_same_answers(two_servers):
    a, b = two_servers
    lot, _unit = _codes(a.engine)
    for accept in ("text/html", "application/json"):
        answers = [_get(f"{server.url}/c/{lot.value}", accept) for server in (a, b, a, b, a, b)]
        assert {status for status, _, _ in answers} == {200}
        assert len({body for _, _, body in answers}) == 1, accept
        assert len({headers["ETag"] for _, headers, _ in answers}) == 1
        etag = answers[0][1]["ETag"]
        for server in (a, b):  # either server revalidates the other's answer
            request = urllib.request.Request(  # noqa: S310  (loopback only)
                f"{server.url}/c/{lot.value}", headers={**PHONE, "Accept": accept, "If-None-Match": etag}
            )
            with pytest.raises(urllib.error.HTTPError) as revalidated:
                urllib.request.urlopen(request, timeout=20)  # noqa: S310  (loopback only)
            assert revalidated.value.code == 304


def test_a_unit_codes_scans_add_up_across_servers(two_servers):
    a, b = two_servers
    _lot, unit = _codes(a.engine)
    before = _written(a.engine, unit.id)
    counts, pages = [], []
    for n, server in enumerate((a, b, a, b, a, b), start=1):
        # each scan after the previous one was written: then every server counts all of them
        assert _wait_written(a.engine, before + n - 1, unit.id) == before + n - 1
        status, _headers, body = _get(f"{server.url}/c/{unit.value}", "application/json")
        assert status == 200
        page = json.loads(body)
        counts.append(page["verification"]["scan_count"])
        pages.append({key: value for key, value in page.items() if key != "verification"})
    assert counts == [before + n for n in range(1, 7)]
    assert all(page == pages[0] for page in pages)  # the rest of the page is the same from both
    assert _wait_written(a.engine, before + 6, unit.id) == before + 6


def test_a_suspension_through_one_server_shows_on_the_next_scan_through_the_other(two_servers):
    a, b = two_servers
    lot, unit = _codes(a.engine)
    for code in (lot, unit):  # both servers have answered (and kept what they keep) before the change
        for server in (a, b):
            assert "Tạm dừng lưu thông" not in _get(f"{server.url}/c/{code.value}")[2].decode()
    made = subprocess.run(
        [sys.executable, "-m", "traceability.cli", "tokens", "create", "--email", "thanhtra@example.org"],
        env=a.env,
        check=True,
        capture_output=True,
        text=True,
    )
    token = made.stdout.strip().splitlines()[-1]
    request = urllib.request.Request(  # noqa: S310  (loopback only)
        f"{a.url}/api/v1/batches/{lot.batch_id}/suspend",
        data=json.dumps({"reason": "Kiểm tra mẫu dư lượng"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310  (loopback only)
        assert response.status == 200
    for code in (lot, unit):
        page = _get(f"{b.url}/c/{code.value}")[2].decode()
        assert "Tạm dừng lưu thông" in page and "Kiểm tra mẫu dư lượng" in page


def test_a_server_killed_outright_loses_no_answered_scan(demo_db, tmp_path):
    with private_redis(tmp_path) as url:  # its own queue: the other servers' timers do not drain it
        db_url, engine = demo_db
        lot, unit = _codes(engine)
        before_lot, before_unit = _written(engine, lot.id), _written(engine, unit.id)
        before = before_lot + before_unit
        # scans wait a minute before they are written: the kill comes long before
        env = {**SHARED, "REDIS_URL": url, "SCAN_WRITE_SECONDS": "60"}
        server = start_server(db_url, engine, "server-killed", env)
        try:
            for n in range(12):
                code = unit if n % 3 == 0 else lot
                assert _get(f"{server.url}/c/{code.value}", ("text/html", "application/json")[n % 2])[0] == 200
            assert _written(engine, lot.id, unit.id) == before  # all of them still queued
        finally:
            server.kill()
        queued = redis.Redis.from_url(url)
        assert queued.llen(RedisScanQueue.PREFIX + "queue") == 12

        restarted = start_server(db_url, engine, "server-restarted", {**env, "SCAN_WRITE_SECONDS": "0.2"})
        try:
            assert _wait_written(engine, before + 12, lot.id, unit.id) == before + 12
            time.sleep(1)  # several timers of the new server have run: none wrote a scan twice
            assert _written(engine, lot.id, unit.id) == before + 12
            assert _written(engine, unit.id) == before_unit + 4
            assert queued.llen(RedisScanQueue.PREFIX + "queue") == 0
            assert queued.zcard(RedisScanQueue.PREFIX + "writing") == 0
        finally:
            restarted.stop()
            queued.close()
