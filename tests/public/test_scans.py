"""Scans: insert-only rows with a hashed address; counts and copy warnings for unit codes only."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from traceability.codes.models import Scan
from traceability.public.scans import client_hash, user_agent_family

PHONE = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"


def _scans(db_session, code):
    return db_session.scalars(select(Scan).where(Scan.code_id == code.id).order_by(Scan.id)).all()


def test_every_resolution_inserts_a_scan_without_the_address(client, published, db_session):
    _batch, code = published()
    for _ in range(3):
        client.get(f"/c/{code.value}", headers={"User-Agent": PHONE}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    scans = _scans(db_session, code)
    assert len(scans) == 3
    assert {s.user_agent_family for s in scans} == {"Chrome"}
    assert all("203.0.113.9" not in s.client_hash and len(s.client_hash) == 64 for s in scans)
    assert len({s.client_hash for s in scans}) == 1  # one phone, one day


def test_the_address_hash_rotates_every_day(app):
    with app.app_context():
        today = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
        assert client_hash("203.0.113.9", today) == client_hash("203.0.113.9", today + dt.timedelta(hours=5))
        assert client_hash("203.0.113.9", today) != client_hash("203.0.113.9", today + dt.timedelta(days=1))
        assert client_hash("203.0.113.9", today) != client_hash("203.0.113.10", today)


def test_browser_families():
    assert user_agent_family("Mozilla/5.0 (iPhone) Version/17.0 Mobile/15E148 Safari/604.1") == "Safari"
    assert user_agent_family(PHONE + " Zalo android/12") == "Zalo"
    assert user_agent_family(None) is None


def test_a_lot_code_shows_no_counter(client, published):
    _batch, code = published()
    client.get(f"/c/{code.value}")
    verification = client.get(f"/c/{code.value}", headers={"Accept": "application/json"}).get_json()["verification"]
    assert verification["scan_count"] is None and verification["suspected_copy"] is False


def test_a_unit_code_counts_its_scans_and_remembers_the_first(client, published, serial_code):
    batch, _code = published()
    unit = serial_code(batch)
    client.get(f"/c/{unit.value}")
    verification = client.get(f"/c/{unit.value}", headers={"Accept": "application/json"}).get_json()["verification"]
    assert verification["code_kind"] == "serial"
    assert verification["scan_count"] == 2
    first = dt.datetime.fromisoformat(verification["first_scanned_at"])
    assert abs(first - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert verification["suspected_copy"] is False
    html = client.get(f"/c/{unit.value}").get_data(as_text=True)
    assert "đã được quét 3 lần" in html


def test_many_scans_from_one_phone_are_not_a_copy_suspect(client, published, serial_code, settings):
    settings["COPY_CLIENT_THRESHOLD"] = 1
    batch, _code = published()
    unit = serial_code(batch)
    answers = [client.get(f"/c/{unit.value}", headers={"Accept": "application/json"}).get_json() for _ in range(4)]
    assert [a["verification"]["suspected_copy"] for a in answers] == [False] * 4
    html = client.get(f"/c/{unit.value}", environ_base={"REMOTE_ADDR": "198.51.100.7"}).get_data(as_text=True)
    assert "có thể đã bị sao chép" in html  # a second phone


def test_many_distinct_clients_make_a_copy_suspect(client, published, serial_code, settings):
    settings["COPY_CLIENT_THRESHOLD"] = 2
    batch, _code = published()
    unit = serial_code(batch)
    for n in range(3):
        answer = client.get(
            f"/c/{unit.value}", headers={"Accept": "application/json"}, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}
        ).get_json()
    assert answer["verification"]["scan_count"] == 3
    assert answer["verification"]["suspected_copy"] is True


def test_scans_are_only_inserted(client, published, serial_code, db_session):
    batch, _code = published()
    unit = serial_code(batch)
    client.get(f"/c/{unit.value}")
    before = {(s.id, s.scanned_at) for s in _scans(db_session, unit)}
    client.get(f"/c/{unit.value}")
    after = {(s.id, s.scanned_at) for s in _scans(db_session, unit)}
    assert before < after  # earlier rows untouched
    assert db_session.scalar(select(func.count()).select_from(Scan).where(Scan.code_id == unit.id)) == 2


def test_a_unit_page_shows_its_own_first_scan_and_count_in_html(client, published, serial_code, db_session, settings):
    """The kept page carries stand-ins; each answer must show this code's real count and first scan."""
    settings["COPY_CLIENT_THRESHOLD"] = 2
    batch, _code = published()
    unit = serial_code(batch)
    first = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)  # 08:30 on 2 November in Việt Nam
    db_session.add(Scan(code_id=unit.id, scanned_at=first, client_hash="a" * 64))
    db_session.commit()
    pages = [
        client.get(f"/c/{unit.value}", environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).get_data(as_text=True)
        for n in range(2)
    ]
    assert "đã được quét 2 lần" in pages[0] and "đã được quét 3 lần" in pages[1]
    assert all("Lần quét đầu tiên: 02/11/2026 08:30." in page for page in pages)
    assert "w-suspected_copy" not in pages[0] and "w-suspected_copy" in pages[1]
    warning = pages[1].split('w-suspected_copy">', 1)[1].split("</li>", 1)[0]
    assert "3 lần" in warning and "02/11/2026" in warning  # the count and first day in the copy warning
    assert not any("1901" in page or "918273645546372" in page for page in pages)


def test_the_kept_unit_page_equals_a_page_built_with_its_counts(app, published, serial_code, db_session):
    """The cache keeps a unit page cut around its counts and fills them in per scan, outside any request: the
    result must be the page the view renders with those counts, in either language and either copy verdict."""
    from flask_babel import force_locale

    from traceability.public.cache import Entry, counted, counts_forms, cut, fill, slot
    from traceability.public.facts import build_page
    from traceability.public.lookup import find_code, freshness
    from traceability.public.scans import Verification
    from traceability.public.views import _body

    batch, _code = published()
    unit = serial_code(batch)
    first = dt.datetime(2026, 10, 5, 16, 45, tzinfo=dt.UTC)
    for language in ("vi", "en"):
        for suspected in (False, True):
            for count in (1, 2, 37, 1200):
                real = Verification(True, "serial", count, first, 9, suspected)
                with app.test_request_context(f"/c/{unit.value}", headers={"Accept-Language": language}):
                    found = find_code(db_session, unit.value)
                    page = build_page(db_session, found, freshness(db_session, found), real)
                    built = _body(page, "html")
                    pieces = cut(_body(page, "html", counts_slot=slot))
                    forms = counts_forms(real)
                    as_json = _body(page, "json")
                    json_pieces = cut(_body(page, "json", "m1"), "m1")
                with app.app_context(), force_locale(language):  # when the counts cannot be put in directly
                    kept = fill(pieces, real)
                assert kept == built
                # as the cache's fast path answers: the forms rendered ahead, with this scan's count put in
                text = tuple(p.encode() if n % 2 == 0 else p for n, p in enumerate(pieces))
                kept_forms = ({suspected: text}, {suspected: forms}, first.timestamp())
                entry = Entry(unit.id, "serial", language, *kept_forms, "html", "200 OK", [], b"", None, None, [])
                assert counted(entry, real) == built.encode()
                with app.app_context(), force_locale(language):  # a unit code's JSON, kept the same way
                    assert fill(json_pieces, real, "json") == as_json
                assert json.loads(as_json)["verification"]["scan_count"] == count
                assert len(json_pieces) == (5 if suspected else 3)  # the copy warning, the verification
                first_scan = "05/10/2026 23:45" if language == "vi" else "Oct 5, 2026, 23:45"
                sentence = f"quét {count} lần." if language == "vi" else f"scanned {count} time{'s' * (count > 1)}."
                assert sentence in built and first_scan in built
                assert len(pieces) == (5 if suspected else 3)  # the copy warning's counts, the count sentence


def test_a_kept_unit_page_shows_an_earlier_first_scan_written_since(client, published, serial_code, db_session):
    """Another server's scan, earlier than any this one knew when it kept the page, is written later: the next
    answer shows it as the first scan (the counts are then rendered by the template, not put into the forms)."""
    batch, _code = published()
    unit = serial_code(batch)
    assert "quét 1 lần" in client.get(f"/c/{unit.value}").get_data(as_text=True)
    earlier = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)  # 08:30 on 2 November in Việt Nam
    db_session.add(Scan(code_id=unit.id, scanned_at=earlier, client_hash="b" * 64))
    db_session.commit()
    page = client.get(f"/c/{unit.value}").get_data(as_text=True)
    assert "quét 3 lần" in page and "Lần quét đầu tiên: 02/11/2026 08:30." in page


def test_scans_not_yet_written_are_counted(app, published, serial_code, db_session):
    """Another scan of the code may wait in memory for up to a second: the count includes it."""
    from traceability.public.scans import ScanRecorder, verify

    batch, _code = published()
    unit = serial_code(batch)
    db_session.add(
        Scan(
            code_id=unit.id,
            client_hash=client_hash("198.51.100.1", secret="s"),
            scanned_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        )
    )
    db_session.commit()
    recorder = ScanRecorder("s", delay=3600)
    with app.app_context():
        recorder.add(db_session, unit.id, "198.51.100.1", PHONE)  # the phone of the written scan
        recorder.add(db_session, unit.id, "198.51.100.2", PHONE)
        recorder.add(db_session, unit.id + 1_000_000, "198.51.100.3", PHONE)  # another code
        waiting = recorder.waiting(unit.id)
        assert len(waiting) == 2
        verification = verify(db_session, unit.id, "serial", waiting)
        assert verification.scan_count == 3 and verification.distinct_clients == 2
        assert verification.first_scanned_at == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        assert recorder.waiting(unit.id + 1_000_000)[0].user_agent_family == "Chrome"
    recorder._pending = [row for row in recorder._pending if row.code_id == unit.id]  # a real code only
    assert recorder.write(db_session) == 2
    assert recorder.waiting(unit.id) == [] and recorder._timer is None  # the timer is stopped with the list
    assert len(_scans(db_session, unit)) == 3
    # the same phones again, and a new one: the phones already written are told apart from the new one,
    # whether this worker remembered them (.1) or asks again (.2, unknown when last asked)
    with app.app_context():
        for address in ("198.51.100.1", "198.51.100.2", "198.51.100.4"):
            recorder.add(db_session, unit.id, address, PHONE)
        verification = verify(db_session, unit.id, "serial", recorder.waiting(unit.id))
    assert verification.scan_count == 6 and verification.distinct_clients == 3
    assert recorder.write(db_session) == 3


def test_a_unit_codes_counter_is_kept_as_its_scans_are_written(app, published, serial_code, db_session):
    """The page reads one counter row; it must agree with the scans themselves, however they were written."""
    from traceability.public.models import ScanCount
    from traceability.public.scans import ScanRecorder

    batch, lot = published()
    unit = serial_code(batch)
    early = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    db_session.add_all(Scan(code_id=unit.id, scanned_at=early, client_hash=f"phone-{n % 3}") for n in range(7))
    db_session.flush()
    with app.app_context():
        writer = ScanRecorder("secret", delay=60)
        for n in range(5):  # the scan writer's own path (raw driver insert), a repeat client within it
            writer.add(db_session, unit.id, f"203.0.113.{n % 2}", PHONE, "serial")
            writer.add(db_session, lot.id, "203.0.113.1", PHONE, "lot")
        assert writer.write(db_session) == 10
    counts = db_session.get(ScanCount, unit.id)
    db_session.refresh(counts)
    assert (counts.scan_count, counts.client_count) == (12, 5)  # 7 + 5 scans; 3 + 2 clients
    assert counts.first_scanned_at == early
    rows = db_session.execute(
        select(func.count(), func.count(Scan.client_hash.distinct())).where(Scan.code_id == unit.id)
    ).one()
    assert tuple(rows) == (12, 5)
    assert db_session.get(ScanCount, lot.id) is None  # lot codes show no counts: none kept


def test_the_unit_page_shows_the_counter_not_a_count_of_rows(client, published, serial_code, db_session):
    from traceability.public.models import ScanCount

    batch, _lot = published()
    unit = serial_code(batch)
    client.get(f"/c/{unit.value}")
    counts = db_session.get(ScanCount, unit.id)
    counts.scan_count = 41  # as if 40 scans had been written before this table existed
    db_session.commit()
    assert (
        client.get(f"/c/{unit.value}", headers={"Accept": "application/json"}).json["verification"]["scan_count"] == 42
    )


def test_a_scan_without_a_user_agent_is_stored_without_a_browser_family(client, published, db_session):
    _batch, code = published()
    client.get(f"/c/{code.value}", headers={"User-Agent": ""})
    (scan,) = _scans(db_session, code)
    assert scan.user_agent_family is None  # not an empty family: statistics count it as unknown
