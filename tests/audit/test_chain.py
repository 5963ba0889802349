"""The audit log: every change is recorded, chained, and any edit made behind the registry's back shows."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from sqlalchemy import select, text, update

from traceability import db, migrate
from traceability.accounts import services as accounts
from traceability.accounts.models import Organization, OrgKind, OrgStatus
from traceability.audit.models import AuditEntry
from traceability.audit.services import set_actor, verify_chain

from ..conftest import scratch_database_url


def _entries(session, entity_type=None):
    query = select(AuditEntry).order_by(AuditEntry.seq)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    return session.scalars(query).all()


def test_a_change_is_recorded_with_who_what_before_and_after(db_session, make_org, make_user):
    admin = make_user("admin")
    org = make_org(status=OrgStatus.PENDING)
    set_actor(admin)
    accounts.set_organization_status(db_session, org, admin, OrgStatus.SUSPENDED, reason="Giấy phép hết hạn")
    entry = _entries(db_session, "organizations")[-1]
    assert (entry.action, entry.entity_id, entry.actor_id, entry.actor_label) == (
        "update",
        str(org.id),
        admin.id,
        admin.email,
    )
    assert entry.before["status"] == "pending" and entry.after["status"] == "suspended"
    assert entry.after["status_reason"] == "Giấy phép hết hạn"
    assert verify_chain(db_session).ok


def test_secrets_never_enter_the_log(db_session, make_user):
    user = make_user()
    accounts.create_token(db_session, user)
    logged = json.dumps([e.after for e in _entries(db_session) if e.after])
    assert user.password_hash not in logged
    assert "password_hash" not in logged and "token_hash" not in logged


def test_each_entry_carries_the_hash_of_the_previous_one(db_session, make_org):
    make_org()
    make_org()
    entries = _entries(db_session)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    for previous, entry in itertools.pairwise(entries):
        assert entry.prev_hash == previous.hash


# column → the SQL edit (None: done through a typed UPDATE below, for timestamps and JSON)
TAMPERING = {
    "created_at": None,
    "actor_id": "actor_id = NULL",
    "actor_label": "actor_label = 'someone else'",
    "action": "action = 'delete'",
    "entity_type": "entity_type = 'users'",
    "entity_id": "entity_id = '999999'",
    "after": None,
    "before": None,
    "prev_hash": "prev_hash = '" + "1" * 64 + "'",
    "hash": "hash = '" + "2" * 64 + "'",
}


@pytest.mark.parametrize("column", sorted(TAMPERING))
def test_editing_any_column_in_sql_breaks_the_chain_at_that_entry(db_session, make_org, make_user, column):
    set_actor(make_user("admin"))
    org = make_org(status=OrgStatus.PENDING)
    accounts.set_organization_status(db_session, org, None, OrgStatus.VERIFIED)
    make_org()
    assert verify_chain(db_session).ok
    target = _entries(db_session, "organizations")[-2]  # one in the middle of the chain
    values = {
        "created_at": update(AuditEntry).values(created_at=target.created_at.replace(microsecond=1)),
        "after": update(AuditEntry).values(after={**target.after, "status": "verified!"}),
        "before": update(AuditEntry).values(before={"status": "rejected"}),
    }
    statement = values.get(column)
    if statement is None:
        db_session.execute(text(f"UPDATE audit_entries SET {TAMPERING[column]} WHERE id = :id"), {"id": target.id})
    else:
        db_session.execute(statement.where(AuditEntry.id == target.id))
    db_session.expire_all()
    report = verify_chain(db_session)
    assert not report.ok
    assert report.broken_seq == target.seq


def test_a_deleted_entry_is_named(db_session, make_org):
    make_org()
    make_org()
    target = _entries(db_session)[1]
    target_seq = target.seq
    db_session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": target.id})
    db_session.expunge_all()
    report = verify_chain(db_session)
    assert (report.ok, report.broken_seq) == (False, target_seq)
    assert "missing" in report.reason


def test_a_truncated_tail_is_noticed(db_session, make_org):
    make_org()
    last = _entries(db_session)[-1]
    db_session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": last.id})
    db_session.expunge_all()
    assert not verify_chain(db_session).ok


def test_concurrent_writers_never_fork_the_chain(db_session):
    """Several connections committing at once still give one unbroken chain."""
    engine = db.make_engine(scratch_database_url("_audit"))
    migrate.upgrade(engine)
    from sqlalchemy.orm import Session

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(8):
                with Session(engine) as session:
                    session.add(
                        Organization(
                            name=f"Org {n}-{i}",
                            kind=OrgKind.FARM,
                            tax_code=f"{n:02d}{i:08d}",
                            province="Thái Nguyên",
                            commune="Phú Bình",
                            address="-",
                        )
                    )
                    session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with Session(engine) as session:
            report = verify_chain(session)
            assert report.ok, report
            assert report.checked == 4 * 8
    finally:
        engine.dispose()
