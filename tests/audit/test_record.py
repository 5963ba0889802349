"""Entries written by bulk paths, which the ORM hook does not see, join the same chain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from traceability.audit import services
from traceability.audit.models import AuditEntry
from traceability.audit.services import record, record_many, set_actor, verify_chain


def test_recorded_entries_follow_the_chain_with_the_actor(db_session, make_org, make_user):
    org = make_org()
    producer = make_user("producer", org)
    set_actor(producer)
    record(db_session, "import", "organizations", org.id, after={"rows": 3, "on": dt.date(2026, 11, 28)})
    record_many(
        db_session,
        [
            ("import", "batches", 7, None, {"quantity": Decimal("1.5")}),
            ("import", "batches", 8, {"quantity": Decimal("2")}, None),
        ],
    )
    db_session.flush()

    entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()[-3:]
    assert [(e.action, e.entity_type, e.entity_id) for e in entries] == [
        ("import", "organizations", str(org.id)),
        ("import", "batches", "7"),
        ("import", "batches", "8"),
    ]
    assert entries[0].after == {"rows": 3, "on": "2026-11-28"}
    assert entries[1].after == {"quantity": "1.5"} and entries[2].before == {"quantity": "2"}
    assert {e.actor_id for e in entries} == {producer.id}
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    assert verify_chain(db_session).ok


def test_recording_nothing_writes_nothing(db_session, make_org):
    make_org()
    db_session.flush()
    before = db_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    record_many(db_session, [])
    assert db_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) == before


def test_many_entries_at_once_read_back_exactly_as_written(db_session, make_org, monkeypatch):
    """From COPY_FROM entries on, PostgreSQL receives them by COPY: they must read back as the insert writes them."""
    org = make_org()
    set_actor(label='import, "quoted"\nline')
    rows = [
        ("import", "organizations", org.id, None, {"rows": 2, "note": 'Chè "Tân Cương", xóm 1\n', "none": None}),
        ("import", "organizations", org.id, {"quantity": "1.5"}, None),
    ]
    monkeypatch.setattr(services, "COPY_FROM", 1)
    record_many(db_session, rows)
    copied = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2)).all()[::-1]
    monkeypatch.setattr(services, "COPY_FROM", 10**9)
    record_many(db_session, rows)
    db_session.expire_all()
    inserted = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2)).all()[::-1]

    def content(e):
        return (e.actor_label, e.action, e.entity_type, e.entity_id, e.before, e.after, e.hash_version)

    assert [content(e) for e in copied] == [content(e) for e in inserted]
    assert copied[0].after["note"] == 'Chè "Tân Cương", xóm 1\n' and copied[1].after is None
    assert verify_chain(db_session).ok
