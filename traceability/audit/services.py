"""Writes an audit entry for every change flushed through the ORM, and verifies the chain.

Entries are written from a session hook, so no service can forget one; bulk statements, which the hook
does not see, write theirs with `record` / `record_many`. Each entry's hash covers its content
and the previous entry's hash; the single `audit_head` row is updated first, which makes concurrent writers
queue (a row lock on PostgreSQL, the write lock on SQLite) instead of forking the chain.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from traceability.audit.models import AuditEntry, AuditHead
from traceability.db import RawStatement, utcnow

GENESIS_HASH = "0" * 64
_actor: contextvars.ContextVar[tuple[int | None, str]] = contextvars.ContextVar("audit_actor", default=(None, "system"))


def set_actor(user: Any = None, label: str | None = None) -> None:
    """Who the following changes are attributed to: a user, or a label such as 'cli'."""
    if user is not None:
        _actor.set((user.id, user.email))
    else:
        _actor.set((None, label or "anonymous"))


def reset_actor(*_args: Any) -> None:
    _actor.set((None, "system"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _audited(obj: Any) -> bool:
    return getattr(type(obj), "__audit__", True)


def _columns(obj: Any) -> list[Any]:
    excluded = getattr(type(obj), "__audit_exclude__", frozenset())
    return [a for a in inspect(obj).mapper.column_attrs if a.key not in excluded]


def _snapshot(obj: Any, *, deleted: bool = False) -> dict[str, Any]:
    if deleted:  # never load anything for a row that is gone
        values = inspect(obj).dict
        return {a.key: _jsonable(values.get(a.key)) for a in _columns(obj)}
    return {a.key: _jsonable(getattr(obj, a.key)) for a in _columns(obj)}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before, after = {}, {}
    for attr in _columns(obj):
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        before[attr.key] = _jsonable(history.deleted[0]) if history.deleted else None
        after[attr.key] = _jsonable(history.added[0]) if history.added else None
    return before, after


def _entity_id(obj: Any) -> str:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key)


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 over the entry's content in a canonical JSON form."""
    content = {
        "seq": entry["seq"],
        "prev_hash": entry["prev_hash"],
        "created_at": entry["created_at"].astimezone(dt.UTC).isoformat(),
        "actor_id": entry["actor_id"],
        "actor_label": entry["actor_label"],
        "action": entry["action"],
        "entity_type": entry["entity_type"],
        "entity_id": entry["entity_id"],
        "before": entry["before"],
        "after": entry["after"],
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def init_app(_app: Any) -> None:
    """Record every flushed change, of any session (scripts' too), once per process however many apps."""
    if not event.contains(Session, "after_flush", _record_changes):
        event.listen(Session, "after_flush", _record_changes)


def _record_changes(session: Session, _flush_context: Any) -> None:
    rows = []
    for obj in session.new:
        if _audited(obj):
            rows.append(("create", obj, None, _snapshot(obj)))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                rows.append(("update", obj, before, after))
    for obj in session.deleted:
        if _audited(obj):
            rows.append(("delete", obj, _snapshot(obj, deleted=True), None))
    if rows:
        _append(session, [(action, type(obj).__tablename__, _entity_id(obj), b, a) for action, obj, b, a in rows])


def record(
    session: Session,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry for a change the ORM hook does not see (a bulk statement), e.g.
    `record(session, "issue_codes", "batches", batch.id, None, {"count": 500})`. Values are made JSON-safe."""
    record_many(session, [(action, entity_type, entity_id, before, after)])


def record_many(session: Session, rows: Iterable[tuple[str, str, Any, dict | None, dict | None]]) -> None:
    """Append entries `(action, entity_type, entity_id, before, after)` in order, under the chain's lock."""
    entries = [
        (action, kind, str(key), _jsonable(before), _jsonable(after)) for action, kind, key, before, after in rows
    ]
    if entries:
        _append(session, entries)


def _append(session: Session, rows: list[tuple[str, str, str, Any, Any]]) -> None:
    conn = session.connection()
    head_table = AuditHead.__table__
    # Take the chain's lock before reading its tip.
    conn.execute(update(head_table).where(head_table.c.id == 1).values(seq=head_table.c.seq))
    seq, prev_hash = conn.execute(select(head_table.c.seq, head_table.c.hash).where(head_table.c.id == 1)).one()
    actor_id, actor_label = _actor.get()
    now = utcnow()
    entries = []
    for action, entity_type, entity_id, before, after in rows:
        seq += 1
        entry = {
            "seq": seq,
            "prev_hash": prev_hash,
            "created_at": now,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "before": before,
            "after": after,
        }
        entry["hash"] = prev_hash = entry_hash(entry)
        entries.append(entry)
    conn.execute(AuditEntry.__table__.insert(), entries)
    conn.execute(update(head_table).where(head_table.c.id == 1).values(seq=seq, hash=prev_hash))


_HEAD_HASH = RawStatement("SELECT hash FROM audit_head WHERE id = 1")


def data_version(connection: Any, dialect: str) -> str | None:
    """The chain's newest hash. Every recorded change of data moves it, so an answer built while it had one
    value still holds while it keeps that value (the consumer page's cache relies on this). Read on a driver
    connection (`db.driver_connection`): it runs on every scan, and a session would cost ten times the query."""
    cursor = _HEAD_HASH.run(connection, dialect, {})
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()
    return row[0] if row else None


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.reason


def verify_chain(session: Session, batch_size: int = 5000) -> ChainReport:
    """Recompute every entry's hash in order; report the first entry that does not match."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    while True:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.seq >= expected_seq).order_by(AuditEntry.seq).limit(batch_size)
        ).all()
        for entry in entries:
            values = {c.key: getattr(entry, c.key) for c in AuditEntry.__table__.columns}
            if entry.seq != expected_seq:
                return ChainReport(checked, expected_seq, None, f"entry {expected_seq} is missing")
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.seq, entry.id, "does not follow the previous entry")
            if entry_hash(values) != entry.hash:
                return ChainReport(checked, entry.seq, entry.id, "content does not match its hash")
            expected_prev, expected_seq = entry.hash, entry.seq + 1
            checked += 1
        if len(entries) < batch_size:
            break
    head = session.get(AuditHead, 1)
    if head is None or head.seq != expected_seq - 1 or head.hash != expected_prev:
        if head is not None and head.seq < expected_seq:
            return ChainReport(checked, head.seq, None, "the chain's recorded tip was changed")
        return ChainReport(checked, expected_seq, None, f"the chain ends before entry {expected_seq}, its recorded tip")
    return ChainReport(checked)
