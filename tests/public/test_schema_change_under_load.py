"""A deploy migrates the database while the old workers still serve: scans must go on answering.

The registry runs under gunicorn (two sync workers) on a scratch database with the demo data. A thread scans a
lot code, a unit code and the JSON of each, over and over, while the test adds a column to `codes` and to
`batches` as a migration would (on PostgreSQL a statement prepared before the change would then fail with
"cached plan must not change result type" in every worker until it restarts). Every scan after the change
must answer 200.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from traceability.batches.models import Batch, BatchStatus
from traceability.codes.models import Code, CodeKind
from traceability.codes.urls import link_maker
from traceability.registry.models import Product

from ..live_server import demo_database, start_server

PHONE = {"Accept-Language": "vi-VN,vi;q=0.9", "User-Agent": "Mozilla/5.0 (Android) Chrome/120"}

pytestmark = pytest.mark.no_db


def _status(url: str, accept: str) -> int:
    request = urllib.request.Request(url, headers={**PHONE, "Accept": accept})  # noqa: S310  (loopback only)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310  (loopback only)
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def served() -> Iterator[tuple[str, object]]:
    """gunicorn serving the registry on a scratch database with the demo data: (base URL, engine)."""
    db_url, engine = demo_database("_schema_change")
    server = start_server(db_url, engine, "schema-change-server")
    try:
        yield server.url, engine
    finally:
        server.stop(timeout=10)
        engine.dispose()


def _scan_urls(base: str, engine) -> list[str]:
    with engine.connect() as conn:
        unit = conn.execute(
            select(Code.value, Code.batch_id, Batch.lot_code, Product.gtin)
            .join(Batch, Batch.id == Code.batch_id)
            .join(Product, Product.id == Batch.product_id)
            .where(Batch.status == BatchStatus.PUBLISHED, Code.kind == CodeKind.SERIAL)
            .order_by(Product.gtin.is_(None), Batch.id, Code.id)
        ).first()
        lot = conn.scalar(select(Code.value).where(Code.batch_id == unit.batch_id, Code.kind == CodeKind.LOT))
    make = link_maker(unit.gtin, unit.lot_code, base_url=base)
    return [make(lot, CodeKind.LOT), make(unit.value, CodeKind.SERIAL), f"{base}/c/{lot}", f"{base}/c/{unit.value}"]


def test_scans_answer_while_a_migration_adds_columns(served):
    base, engine = served
    urls = _scan_urls(base, engine)
    accepts = ("text/html", "application/json")
    answers: list[tuple[float, int]] = []  # (when, status) of every scan
    stop = threading.Event()

    def scan() -> None:
        while not stop.is_set():
            for url in urls:
                for accept in accepts:
                    answers.append((time.monotonic(), _status(url, accept)))

    for url in urls:  # every worker has served every form of statement before the schema changes
        for accept in accepts:
            for _ in range(4):
                assert _status(url, accept) == 200, url
    scanner = threading.Thread(target=scan, daemon=True)
    scanner.start()
    try:
        time.sleep(1)
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET lock_timeout = '20s'"))
            conn.execute(text("ALTER TABLE codes ADD COLUMN printed_note VARCHAR(40)"))
            conn.execute(text("ALTER TABLE batches ADD COLUMN grade VARCHAR(20)"))
        changed = time.monotonic()
        deadline = changed + 30
        while sum(1 for when, _ in answers if when > changed) < 40 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        scanner.join(timeout=30)
    after = [status for when, status in answers if when > changed]
    assert len(after) >= 40, "too few scans after the change to judge"
    assert set(after) == {200}, f"answers after the schema change: {sorted(set(after))}"
    # and still after the workers have each served again (no statement kept from before the change)
    for url in urls:
        for accept in accepts:
            for _ in range(4):
                assert _status(url, accept) == 200, url
