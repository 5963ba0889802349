"""The copied-code alert: recently scanned unit codes over the consumer page's thresholds, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from traceability.batches.models import BatchStatus
from traceability.codes.models import Code, CodeKind, Scan
from traceability.db import utcnow
from traceability.inspection import alerts
from traceability.inspection.figures import local_today
from traceability.public.scans import verify

NOW = utcnow()


@pytest.fixture
def make_code(db_session, make_batch):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    counter = iter(range(10_000))

    def _make(kind: CodeKind = CodeKind.SERIAL) -> Code:
        code = Code(value=f"ALERT{next(counter):08d}", batch_id=batch.id, kind=kind)
        db_session.add(code)
        db_session.flush()
        return code

    return _make


def scan(db_session, code: Code, clients: int, scans: int | None = None, days_ago: float = 1) -> None:
    """`scans` scans (one per client unless more are asked for) of the code, that many days ago; hashes change daily."""
    at = NOW - dt.timedelta(days=days_ago)
    for n in range(scans or clients):
        db_session.add(Scan(code_id=code.id, client_hash=f"{code.value}-{days_ago}-{n % clients}", scanned_at=at))
    db_session.flush()


def suspects(db_session, config) -> dict[str, tuple[int, int]]:
    found = alerts.alerts(db_session, NOW, local_today(), config).copy_suspects
    return {s.code.value: (s.clients, s.scans) for s in found}


def test_a_unit_code_scanned_by_many_clients_is_listed_one_replayed_by_few_is_not(db_session, make_code, settings):
    many_phones, replayed, ordinary = make_code(), make_code(), make_code()
    scan(db_session, many_phones, clients=6)  # default: more than 5 clients
    scan(db_session, replayed, clients=1, scans=100)  # one client replaying is one client
    scan(db_session, ordinary, clients=5, scans=20)
    assert suspects(db_session, settings) == {many_phones.value: (6, 6)}


def test_the_queue_and_the_consumer_page_agree_on_a_code(app, db_session, make_code, settings):
    code = make_code()
    scan(db_session, code, clients=5, days_ago=200)  # most of its history is old…
    scan(db_session, code, clients=1, days_ago=2)  # …one more phone this week tips it over
    db_session.commit()  # leaving the app context ends the session
    with app.app_context():
        consumer = verify(db_session, code.id, CodeKind.SERIAL)
    assert consumer.suspected_copy
    assert suspects(db_session, settings) == {code.value: (consumer.distinct_clients, consumer.scan_count)}
    suspect = alerts.alerts(db_session, NOW, local_today(), settings).copy_suspects[0]
    assert abs(suspect.first_scanned_at - (NOW - dt.timedelta(days=200))) < dt.timedelta(seconds=1)
    assert abs(suspect.last_scanned_at - (NOW - dt.timedelta(days=2))) < dt.timedelta(seconds=1)


def test_a_code_not_scanned_within_the_window_is_not_listed(db_session, make_code, settings):
    quiet, recent = make_code(), make_code()
    scan(db_session, quiet, clients=30, days_ago=31)
    scan(db_session, recent, clients=30, days_ago=29)
    assert settings["COPY_ALERT_WINDOW_DAYS"] == 30
    assert set(suspects(db_session, settings)) == {recent.value}
    settings["COPY_ALERT_WINDOW_DAYS"] = 60
    assert set(suspects(db_session, settings)) == {quiet.value, recent.value}


def test_lot_codes_are_never_listed(db_session, make_code, settings):
    lot = make_code(CodeKind.LOT)
    scan(db_session, lot, clients=50, scans=100)
    assert suspects(db_session, settings) == {}


def test_a_revoked_code_is_not_listed(db_session, make_code, settings):
    code = make_code()
    scan(db_session, code, clients=10)
    code.revoked_at = NOW
    db_session.flush()
    assert suspects(db_session, settings) == {}


def test_the_thresholds_follow_the_settings(db_session, make_code, settings, inspector, login_as):
    three_phones, two_phones = make_code(), make_code()
    scan(db_session, three_phones, clients=3)
    scan(db_session, two_phones, clients=2, scans=40)
    assert suspects(db_session, settings) == {}
    settings["COPY_CLIENT_THRESHOLD"] = 2
    assert suspects(db_session, settings) == {three_phones.value: (3, 3)}
    settings["COPY_CLIENT_THRESHOLD"] = 1
    assert suspects(db_session, settings) == {three_phones.value: (3, 3), two_phones.value: (2, 40)}
    # the page states the rule it applied
    settings["COPY_ALERT_WINDOW_DAYS"] = 14
    db_session.commit()
    page = login_as(inspector).get("/inspect/queue").get_data(as_text=True)
    assert "trong 14 ngày qua từ hơn 1 thiết bị khác nhau" in page
    assert three_phones.value in page and two_phones.value in page
