"""Scans are never dropped silently: a bounded list written at once when full, and with Redis a queue that a
crashed writer cannot make lose or duplicate a scan."""

from __future__ import annotations

import time

import pytest
import redis
from prometheus_client import REGISTRY
from sqlalchemy import func, select, text

from traceability.codes.models import Scan
from traceability.public import scans
from traceability.public.models import ScanCount
from traceability.public.scans import RedisScanQueue, ScanRecorder

from ..live_server import free_port, private_redis

PHONE = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def _written(session, *codes) -> int:
    return session.scalar(select(func.count()).select_from(Scan).where(Scan.code_id.in_([c.id for c in codes])))


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with private_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def queue_redis(redis_url, monkeypatch):
    """The private Redis, emptied after each test (it is the test run's own server). Its writers take scans
    however young (the grace has a test of its own)."""
    monkeypatch.setattr(RedisScanQueue, "GRACE_SECONDS", 0)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.flushdb()
    client.close()


def _unit(published, serial_code):
    batch, lot = published()
    return serial_code(batch), lot


def test_a_full_list_is_written_by_the_scan_that_fills_it(app, published, serial_code, db_session):
    unit, lot = _unit(published, serial_code)
    recorder = ScanRecorder("s", delay=3600, max_waiting=3)
    with app.app_context():
        recorder.add(db_session, unit.id, "198.51.100.1", PHONE, "serial")
        recorder.add(db_session, lot.id, "198.51.100.1", PHONE, "lot")
        assert _written(db_session, unit, lot) == 0  # they wait for the timer
        recorder.add(db_session, unit.id, "198.51.100.2", PHONE, "serial")  # the third: the list is full
    assert _written(db_session, unit, lot) == 3
    assert recorder.waiting(unit.id) == []
    assert db_session.get(ScanCount, unit.id).scan_count == 2


def test_a_failed_write_is_logged_and_counted_never_shown(client, published, serial_code, monkeypatch, caplog):
    unit, _lot = _unit(published, serial_code)

    def down(_session, _rows):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(scans, "_insert", down)
    failures = _metric("traceability_scan_write_failures_total")
    answer = client.get(f"/c/{unit.value}", headers={"User-Agent": PHONE})
    assert answer.status_code == 200 and "database unreachable" not in answer.get_data(as_text=True)
    assert _metric("traceability_scan_write_failures_total") == failures + 1
    assert "scans could not be written" in caplog.text
    assert len(client.application.extensions["scans"].waiting(unit.id)) == 1  # kept for the next try
    client.application.extensions["scans"]._pending.clear()


def test_scans_the_full_list_cannot_keep_are_counted_as_lost(app, published, serial_code, db_session, monkeypatch):
    unit, _lot = _unit(published, serial_code)
    recorder = ScanRecorder("s", delay=3600, max_waiting=2)

    def down(_session, _rows):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(scans, "_insert", down)
    lost = _metric("traceability_scans_lost_total")
    with app.app_context():
        for n in range(3):  # the second fills the list and fails to write; the third fills it again
            assert recorder.add(db_session, unit.id, f"198.51.100.{n}", PHONE, "serial")
    assert len(recorder.waiting(unit.id)) == 2  # the list holds no more than its bound
    assert _metric("traceability_scans_lost_total") == lost + 1
    recorder._pending.clear()  # their code is rolled back with the test: nothing to write at exit


def test_queued_scans_are_in_redis_until_written_and_counted_meanwhile(
    app, published, serial_code, db_session, redis_url, queue_redis
):
    unit, lot = _unit(published, serial_code)
    recorder = ScanRecorder("s", delay=3600, redis_url=redis_url)
    with app.app_context():
        recorder.add(db_session, unit.id, "198.51.100.1", PHONE, "serial")
        recorder.add(db_session, unit.id, "198.51.100.2", PHONE, "serial")
        recorder.add(db_session, lot.id, "198.51.100.1", PHONE, "lot")
    assert queue_redis.llen(recorder.queue.key) == 3 and recorder._pending == []  # nothing kept in the process
    assert [row.client_hash for row in recorder.waiting(unit.id)] == [
        scans.client_hash(f"198.51.100.{n}", secret="s") for n in (1, 2)
    ]
    assert recorder.write(db_session) == 3
    assert _written(db_session, unit, lot) == 3
    assert queue_redis.llen(recorder.queue.key) == 0 and queue_redis.zcard(recorder.queue.writing_key) == 0
    counts = db_session.get(ScanCount, unit.id)
    db_session.refresh(counts)
    assert (counts.scan_count, counts.client_count) == (2, 2)
    with app.app_context():  # the next scan learns that the others were taken: they count once, from the row
        recorder.add(db_session, unit.id, "198.51.100.3", PHONE, "serial")
    assert len(recorder.waiting(unit.id)) == 1


def test_a_batch_left_by_a_writer_that_died_is_written_once(
    app, published, serial_code, db_session, redis_url, queue_redis, monkeypatch
):
    unit, _lot = _unit(published, serial_code)
    dead = ScanRecorder("s", delay=3600, redis_url=redis_url)
    with app.app_context():
        for n in range(3):
            dead.add(db_session, unit.id, f"198.51.100.{n}", PHONE, "serial")
    # the writer took a batch and died before writing it
    queue = dead.queue
    keys = [queue.key, queue.writing_key, queue._batch_prefix + "a" * 32]
    taken = queue._move(keys=keys, args=[1000, 0, "a" * 32, "9999"])  # (a cut-off after every scan)
    assert len(taken) == 3 and queue_redis.llen(queue.key) == 0

    other = ScanRecorder("s", delay=3600, redis_url=redis_url)
    monkeypatch.setattr(RedisScanQueue, "STALE_SECONDS", 0)
    assert other.write(db_session) == 3
    assert _written(db_session, unit) == 3
    assert queue_redis.zcard(queue.writing_key) == 0 and not queue_redis.exists(queue._batch_prefix + "a" * 32)


def test_a_batch_written_but_not_removed_from_redis_is_not_written_again(
    app, published, serial_code, db_session, redis_url, queue_redis, monkeypatch
):
    unit, _lot = _unit(published, serial_code)
    dead = ScanRecorder("s", delay=3600, redis_url=redis_url)
    with app.app_context():
        for n in range(4):
            dead.add(db_session, unit.id, f"198.51.100.{n % 2}", PHONE, "serial")

    def crash(*_args, **_kwargs):
        raise redis.exceptions.ConnectionError("the writer died after its commit")

    monkeypatch.setattr(dead.queue.redis, "pipeline", crash)  # its batch stays in Redis once written
    with pytest.raises(redis.exceptions.ConnectionError):
        dead.write(db_session)
    assert _written(db_session, unit) == 4
    assert queue_redis.zcard(dead.queue.writing_key) == 1

    other = ScanRecorder("s", delay=3600, redis_url=redis_url)
    monkeypatch.setattr(RedisScanQueue, "STALE_SECONDS", 0)
    assert other.write(db_session) == 0  # its token says it was written
    assert _written(db_session, unit) == 4
    assert queue_redis.zcard(dead.queue.writing_key) == 0
    counts = db_session.get(ScanCount, unit.id)
    db_session.refresh(counts)
    assert (counts.scan_count, counts.client_count) == (4, 2)  # the trigger counted each scan once
    with app.app_context():
        other.add(db_session, unit.id, "198.51.100.9", PHONE, "serial")
    other.write(db_session)
    # the tokens of batches gone from Redis are deleted with the next write
    assert db_session.scalar(text("SELECT count(*) FROM scan_batches")) == 1


def test_without_redis_the_scan_waits_in_the_process(app, published, serial_code, db_session):
    unit, _lot = _unit(published, serial_code)
    recorder = ScanRecorder("s", delay=3600, redis_url=f"redis://127.0.0.1:{free_port()}/0")  # nobody listens
    failures = _metric("traceability_scan_queue_failures_total")
    with app.app_context():
        assert recorder.add(db_session, unit.id, "198.51.100.1", PHONE, "serial")
    assert _metric("traceability_scan_queue_failures_total") == failures + 1
    assert len(recorder.waiting(unit.id)) == 1
    recorder.queue = None  # Redis is still down: the process's own list is written without it
    assert recorder.write(db_session) == 1
    assert _written(db_session, unit) == 1


@pytest.mark.parametrize("queued", [False, True], ids=["in memory", "in redis"])
def test_a_scan_written_while_the_page_is_built_counts_once(
    app, published, serial_code, db_session, redis_url, queue_redis, queued
):
    """Another worker's timer may write the scan between `waiting` and the counter's read in `verify`."""
    unit, _lot = _unit(published, serial_code)
    recorder = ScanRecorder("s", delay=3600, redis_url=redis_url if queued else None)
    writer = ScanRecorder("s", delay=3600, redis_url=redis_url) if queued else recorder
    with app.app_context():
        recorder.add(db_session, unit.id, "198.51.100.1", PHONE, "serial")
        waiting = recorder.waiting(unit.id)
        assert len(waiting) == 1
        assert writer.write(db_session) == 1  # written now: the counter has it
        assert scans.verify(db_session, unit.id, "serial", waiting).scan_count == 1
        recorder.add(db_session, unit.id, "198.51.100.2", PHONE, "serial")
        assert scans.verify(db_session, unit.id, "serial", recorder.waiting(unit.id)).scan_count == 2
    recorder._pending.clear()  # its code is rolled back with the test: nothing to write at exit


def test_one_timer_per_process_however_scans_and_writes_interleave(monkeypatch):
    """A scan arriving while the timer writes must not start a second chain of timers."""
    import threading

    class NoSession:  # the writes below touch no database
        def __call__(self):
            return None

        def remove(self):
            pass

    monkeypatch.setattr(scans.db, "session", NoSession())
    recorder = ScanRecorder("s", delay=0.05)

    def write(_session):  # as `write` does, then a scan arrives before the timer is done
        with recorder._lock:
            recorder._timer = None
            recorder._pending.append(scans.PendingScan(1, None, "h", None))
        recorder.start()
        return 0

    monkeypatch.setattr(recorder, "write", write)
    recorder._pending.append(scans.PendingScan(1, None, "h", None))
    recorder.start()
    time.sleep(0.6)
    mine = [t for t in threading.enumerate() if getattr(t, "function", None) == recorder._write_now and t.is_alive()]
    recorder.delay = 0  # the chain ends: start() schedules nothing more
    for timer in mine:
        timer.cancel()
    recorder._pending.clear()
    assert len(mine) == 1


def test_workers_started_together_do_not_write_at_the_same_moment():
    """The workers of a server start at once and get their first scans at once: their writes must not stay in
    step (the pages waiting behind four bursts at once are the slowest), nor come later than the setting."""
    workers = [ScanRecorder("s", delay=1.0) for _ in range(8)]
    for recorder in workers:
        recorder._pending.append(scans.PendingScan(1, None, "h", None))
        recorder.start()
    waits = [recorder._timer.interval for recorder in workers]
    for recorder in workers:
        recorder._timer.cancel()
        recorder._pending.clear()
    assert all(0.5 <= wait <= 1.0 for wait in waits)
    assert max(waits) - min(waits) > 0.05


def test_a_writer_leaves_a_scan_younger_than_the_grace_to_the_request_counting_it(
    app, published, serial_code, db_session, redis_url, queue_redis, monkeypatch
):
    unit, _lot = _unit(published, serial_code)
    recorder = ScanRecorder("s", delay=3600, redis_url=redis_url)
    monkeypatch.setattr(RedisScanQueue, "GRACE_SECONDS", 60)
    with app.app_context():
        recorder.add(db_session, unit.id, "198.51.100.1", PHONE, "serial")
    other = ScanRecorder("s", delay=3600, redis_url=redis_url)  # another worker's writer, at any moment
    assert other.write(db_session) == 0
    assert len(recorder.waiting(unit.id).settle()) == 1  # still counted by the page being built
    monkeypatch.setattr(RedisScanQueue, "GRACE_SECONDS", 0)
    assert other.write(db_session) == 1
    assert recorder.waiting(unit.id).settle() == []


def test_the_scans_queued_in_redis_are_a_metric(
    app, client, published, serial_code, db_session, redis_url, queue_redis, monkeypatch
):
    from prometheus_client.parser import text_string_to_metric_families

    def queued() -> list[float]:
        text = client.get("/metrics", buffered=True).get_data(as_text=True)
        families = text_string_to_metric_families(text)
        return [s.value for f in families for s in f.samples if s.name == "traceability_scans_queued"]

    assert queued() == []  # without Redis there is no shared queue to report
    _unit_code, lot = _unit(published, serial_code)
    recorder = ScanRecorder("s", delay=3600, redis_url=redis_url)
    monkeypatch.setitem(app.extensions, "scans", recorder)
    with app.app_context():
        for n in range(3):
            recorder.add(db_session, lot.id, f"198.51.100.{n}", PHONE, "lot")
    assert queued() == [3]
    recorder.write(db_session)
    assert queued() == [0]
