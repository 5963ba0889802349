"""One client replaying scans cannot make a genuine unit code look copied; many phones still do."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from traceability.batches.models import BatchStatus
from traceability.codes.identifiers import new_code
from traceability.codes.models import Code, CodeKind, Scan
from traceability.extensions import limiter

COPIED = "Mã đã đăng ký — nhưng có thể đã bị sao chép"  # the consumer page's headline


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Scan-recording counters live for the whole run (the limiter's storage, or the recorder's own memory):
    none before or after."""
    limiter.reset()
    app.extensions["scans"].reset_limits()
    yield
    limiter.reset()
    app.extensions["scans"].reset_limits()


@pytest.fixture
def unit(db_session, make_batch):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    code = Code(value=new_code(), batch_id=batch.id, kind=CodeKind.SERIAL)
    db_session.add(code)
    db_session.commit()
    return code


def scan(app, code: Code, address: str):
    return app.test_client().get(f"/c/{code.value}", environ_base={"REMOTE_ADDR": address})


def test_one_client_replaying_a_hundred_scans_is_not_a_copy(app, db_session, unit, inspector, login_as):
    pages = [scan(app, unit, "203.0.113.66") for _ in range(100)]
    assert all(p.status_code == 200 for p in pages)  # every repeat is still answered
    assert COPIED not in pages[-1].get_data(as_text=True)
    # only the first few are recorded: the count shown is not inflated by the replay
    recorded = db_session.scalar(select(func.count()).select_from(Scan).where(Scan.code_id == unit.id))
    assert recorded == 10  # SCAN_RECORD_LIMIT, 10 per hour per client and code
    assert "đã được quét 10 lần" in pages[-1].get_data(as_text=True)
    queue = login_as(inspector).get("/inspect/queue").get_data(as_text=True)
    assert unit.value not in queue


def test_ten_distinct_clients_make_a_copy_on_the_page_and_in_the_queue(app, db_session, unit, inspector, login_as):
    pages = [scan(app, unit, f"198.51.100.{n}") for n in range(10)]
    assert COPIED not in pages[4].get_data(as_text=True)  # five phones: not more than COPY_CLIENT_THRESHOLD
    assert COPIED in pages[5].get_data(as_text=True) and COPIED in pages[-1].get_data(as_text=True)
    queue = login_as(inspector).get("/inspect/queue").get_data(as_text=True)
    section = queue.split('id="copies"', 1)[1].split("</section>", 1)[0]
    assert unit.value in section and "10 thiết bị" in section


def test_replays_from_one_client_do_not_count_once_several_clients_do(app, db_session, unit):
    for _ in range(30):
        scan(app, unit, "203.0.113.66")
    for n in range(3):
        scan(app, unit, f"198.51.100.{n}")
    answer = app.test_client().get(
        f"/c/{unit.value}", headers={"Accept": "application/json"}, environ_base={"REMOTE_ADDR": "198.51.100.0"}
    )
    verification = answer.get_json()["verification"]
    assert verification["suspected_copy"] is False  # four clients, however many scans
    assert verification["scan_count"] == 14  # 10 of the replaying client, 1 + 2 of the others, 1 repeat


def test_the_recording_limit_is_per_client_and_unit_code_only(app, db_session, unit):
    from traceability.public.scans import ScanRecorder

    unlimited = ScanRecorder("s", delay=0)
    assert all(unlimited.add(db_session, unit.id, "203.0.113.1", None, "serial") for _ in range(15))
    limited = ScanRecorder("s", delay=0, record_limit="2 per hour")
    assert [limited.add(db_session, unit.id, "203.0.113.1", None, "serial") for _ in range(3)] == [True, True, False]
    assert limited.add(db_session, unit.id, "203.0.113.2", None, "serial")  # another client has its own count
    assert limited.add(db_session, unit.id, "203.0.113.1", None, "lot")  # a lot code's scans are all recorded
