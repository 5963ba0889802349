"""Writes an audit entry for every change flushed through the ORM, and verifies the chain.

Entries are written from a session hook, so no service can forget one; bulk statements, which the hook
does not see, write theirs with `record` / `record_many` (or `record_rows`, which reads back the rows a bulk
insert wrote). Each entry's hash is an HMAC-SHA256, keyed with AUDIT_KEY (which the database never holds), over
its content and the previous entry's hash; the single `audit_head` row is updated first, which makes concurrent
writers queue (a row lock on PostgreSQL, the write lock on SQLite) instead of forking the chain. Verification
(chain, anchors outside the database, current rows against their audited state) is in `verify.py`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import enum
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Table, event, func, inspect, select, update
from sqlalchemy.orm import Session

from traceability.audit.models import AuditEntry, AuditHead
from traceability.db import Base, copy_csv, utcnow

GENESIS_HASH = "0" * 64
UNKEYED, KEYED = 1, 2  # hash versions: plain SHA-256 (entries from before the key), HMAC-SHA256
_actor: contextvars.ContextVar[tuple[int | None, str]] = contextvars.ContextVar("audit_actor", default=(None, "system"))


def set_actor(user: Any = None, label: str | None = None) -> None:
    """Who the following changes are attributed to: a user, or a label such as 'cli'."""
    if user is not None:
        _actor.set((user.id, user.email))
    else:
        _actor.set((None, label or "anonymous"))


def reset_actor(*_args: Any) -> None:
    _actor.set((None, "system"))


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values: no isinstance chain (an import writes 100,000s of them)
        return value
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


@functools.cache
def _key_outside_app() -> bytes:
    from traceability.config import audit_key

    return audit_key().encode()


def audit_key() -> bytes:
    """The chain's key: the app's AUDIT_KEY; outside an app (scripts, worker threads) the same setting read
    from the environment or the instance folder."""
    if has_app_context():
        return current_app.config["AUDIT_KEY"].encode()
    return _key_outside_app()


def entry_hash(entry: dict[str, Any], key: bytes | None = None) -> str:
    """The entry's hash over its content in a canonical JSON form: HMAC-SHA256 with the audit key (version 2),
    or plain SHA-256 for entries written before keyed hashing started (version 1)."""
    version = entry.get("hash_version") or UNKEYED
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
    if version == UNKEYED:
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()
    content["hash_version"] = version
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key if key is not None else audit_key(), canonical.encode(), hashlib.sha256).hexdigest()


def _set_onupdate_values(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Give a column with an `onupdate` default (updated_at) its value through the attribute, before the flush:
    a value the flush computes itself never shows in the attribute's history (and, for several rows updated in
    one statement, not even in the object), so the audit would miss it and the row would not match its audit."""
    for obj in session.dirty:
        if not _audited(obj) or not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        for attr in _columns(obj):
            default = attr.columns[0].onupdate
            if default is not None and default.is_callable and not state.attrs[attr.key].history.has_changes():
                setattr(obj, attr.key, default.arg(None))


def init_app(_app: Any) -> None:
    """Record every flushed change, of any session (scripts' too), once per process however many apps."""
    if not event.contains(Session, "before_flush", _set_onupdate_values):
        event.listen(Session, "before_flush", _set_onupdate_values)
    if not event.contains(Session, "after_flush", _record_changes):
        event.listen(Session, "after_flush", _record_changes)
    for name, hook in (("after_commit", _committed), ("after_rollback", _forget_appended)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


def _committed(session: Session) -> None:
    """A commit that moved the chain's head: anchor it when due (`anchors`), then hold the writer until every
    reader's lease on the older data version has run out (`DATA_VERSION_LEASE`, see `data_version`), so that
    whoever learns of the change from this answer finds it on the next scan, on every server."""
    if not session.info.pop("audit_appended", False) or not has_app_context():
        return
    committed = time.monotonic()
    from traceability.audit import anchors

    anchors.anchor_when_due(session)
    left = (current_app.config.get("DATA_VERSION_LEASE") or 0) - (time.monotonic() - committed)
    if left > 0:
        time.sleep(left)


def _forget_appended(session: Session) -> None:
    session.info.pop("audit_appended", None)


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


def record_rows(session: Session, action: str, table: Table, ids: list[int]) -> None:
    """One entry per row a bulk statement wrote (`action` "create"), with the row's audited columns as they
    are now in the database, read back, so that the row verifies against the audit like one the ORM wrote.
    The table's mapped class decides the columns (its `__audit_exclude__` left out)."""
    if not ids:
        return
    mapper = next(m for m in Base.registry.mappers if m.local_table is table)
    excluded = getattr(mapper.class_, "__audit_exclude__", frozenset())
    attrs = [a for a in mapper.column_attrs if a.key not in excluded]
    pk = mapper.primary_key[0]
    rows = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        found = session.execute(select(*(a.columns[0] for a in attrs)).where(pk.in_(chunk)).order_by(pk))
        for values in found:
            snapshot = {a.key: _jsonable(v) for a, v in zip(attrs, values, strict=True)}
            rows.append((action, table.name, str(snapshot[pk.key]), None, snapshot))
    _append(session, rows)


COPY_FROM = 500  # entries at once from which PostgreSQL gets them by COPY (an import writes one per row)
_COPIED = ("seq", "prev_hash", "created_at", "actor_id", "actor_label", "action", "entity_type", "entity_id")


def _copy_entries(conn: Any, entries: list[dict[str, Any]]) -> None:
    """COPY the entries on the session's connection (its transaction): no text column of an entry is ever empty,
    and JSON null is written as NULL, which reads back the same (None)."""
    columns = ", ".join((*_COPIED, "before", "after", "hash", "hash_version"))
    rows = (
        [
            *(entry[c] for c in _COPIED),
            None if entry["before"] is None else json.dumps(entry["before"], ensure_ascii=False),
            None if entry["after"] is None else json.dumps(entry["after"], ensure_ascii=False),
            entry["hash"],
            entry["hash_version"],
        ]
        for entry in entries
    )
    copy_csv(conn, f"audit_entries ({columns})", rows)


def _append(session: Session, rows: list[tuple[str, str, str, Any, Any]]) -> None:
    conn = session.connection()
    head_table = AuditHead.__table__
    key = audit_key()
    # Take the chain's lock before reading its tip.
    conn.execute(update(head_table).where(head_table.c.id == 1).values(seq=head_table.c.seq))
    seq, prev_hash = conn.execute(select(head_table.c.seq, head_table.c.hash).where(head_table.c.id == 1)).one()
    actor_id, actor_label = _actor.get()
    now = utcnow()
    first_seq = seq + 1
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
            "hash_version": KEYED,
        }
        entry["hash"] = prev_hash = entry_hash(entry, key)
        entries.append(entry)
    if len(entries) >= COPY_FROM and conn.dialect.name == "postgresql":
        _copy_entries(conn, entries)
    else:
        conn.execute(AuditEntry.__table__.insert(), entries)
    # keyed_from: set by the first keyed entry of a chain (older entries are unkeyed), then never again
    conn.execute(
        update(head_table)
        .where(head_table.c.id == 1)
        .values(seq=seq, hash=prev_hash, keyed_from=func.coalesce(head_table.c.keyed_from, first_seq))
    )
    session.info["audit_appended"] = True  # for the commit's hook (`_committed`)


def data_version(connection: Any) -> str | None:
    """The chain's newest hash. Every recorded change of data moves it, so an answer built while it had one
    value still holds while it keeps that value (the consumer page's cache relies on this). Read on a driver
    connection (`db.driver_connection`): a session would cost ten times the query.

    A reader may trust what it read for DATA_VERSION_LEASE seconds from the moment it began the read, because
    every commit that moves the head is answered only that long after it (`_committed`): a change whose answer
    has reached anyone was committed before any read still trusted began, so every such read has seen it."""
    cursor = connection.cursor()
    try:
        cursor.execute("SELECT hash FROM audit_head WHERE id = 1")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return row[0] if row else None


def verify_chain(session: Session, key: bytes | None = None) -> Any:
    """The chain alone (hashes, order, head); `verify.verify` also checks anchors and current rows."""
    from traceability.audit.verify import verify

    return verify(session, key=key, anchors=(), rows=False).chain

