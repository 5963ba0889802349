"""The key: required in production, and a database from before it keeps its unkeyed entries, sealed by the first
keyed one, after which an unkeyed entry is a forgery."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.accounts import services as accounts
from traceability.accounts.models import OrgKind
from traceability.audit.models import AuditEntry, AuditHead
from traceability.audit.services import GENESIS_HASH, UNKEYED, entry_hash
from traceability.audit.verify import verify
from traceability.config import ConfigError, load_config
from traceability.db import UTCDateTime

from ..conftest import scratch_database_url

BEFORE_THE_KEY = "0b1db4fb573b"
OLD_ENTRIES = sa.table(
    "audit_entries",
    *(sa.column(n) for n in ("seq", "actor_id", "actor_label", "action", "entity_type", "entity_id")),
    *(sa.column(n) for n in ("prev_hash", "hash")),
    sa.column("created_at", UTCDateTime()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
)


def test_production_refuses_to_start_without_an_audit_key(production_env):
    assert load_config()["AUDIT_KEY"] == "k" * 40
    production_env.delenv("AUDIT_KEY")
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        load_config()


def _old_entries(conn, count: int) -> str:
    """Entries as the registry wrote them before the key: plain SHA-256, no hash version."""
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        entry = {
            "seq": seq,
            "prev_hash": prev,
            "created_at": dt.datetime(2026, 11, 1, 8, seq, tzinfo=dt.UTC),
            "actor_id": None,
            "actor_label": "cli",
            "action": "import",
            "entity_type": "organizations",
            "entity_id": "0",
            "before": None,
            "after": {"rows": seq},
        }
        entry["hash"] = prev = entry_hash({**entry, "hash_version": UNKEYED})
        conn.execute(OLD_ENTRIES.insert(), entry)
    conn.execute(sa.text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"), {"seq": count, "hash": prev})
    return prev


def test_a_database_from_before_the_key_verifies_and_is_keyed_from_its_next_entry():
    engine = db.make_engine(scratch_database_url("_audit_keyed"))
    try:
        migrate.upgrade(engine, BEFORE_THE_KEY)
        with engine.begin() as conn:
            _old_entries(conn, 3)
        migrate.upgrade(engine)
        with Session(engine) as session:
            report = verify(session)
            assert report.ok, report
            assert (report.chain.checked, report.chain.keyed_from) == (3, None)
            assert set(session.scalars(select(AuditEntry.hash_version))) == {UNKEYED}

            accounts.create_organization(
                session,
                {
                    "name": "Hợp tác xã chè La Bằng",
                    "kind": OrgKind.COOPERATIVE,
                    "tax_code": "4601234567",
                    "province": "Thái Nguyên",
                    "commune": "La Bằng",
                    "address": "Xóm 1",
                },
            )
            session.commit()
            report = verify(session)
            assert report.ok, report
            assert report.chain.keyed_from == 4 == session.get(AuditHead, 1).keyed_from

            # an old entry edited and the whole unkeyed part rehashed: the first keyed entry no longer follows it
            session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor_label="someone else"))
            prev = GENESIS_HASH
            for entry in session.scalars(select(AuditEntry).where(AuditEntry.seq <= 3).order_by(AuditEntry.seq)):
                values = {c.key: getattr(entry, c.key) for c in AuditEntry.__table__.columns}
                entry.prev_hash, entry.hash = prev, entry_hash({**values, "prev_hash": prev})
                prev = entry.hash
            session.flush()
            report = verify(session)
            assert (report.ok, report.chain.broken_seq) == (False, 4)
            assert "does not follow the previous entry" in report.chain.reason
    finally:
        engine.dispose()
