"""Anchors: the chain's head (sequence number, hash, time) written outside the database.

Whoever can write to the database can delete the newest entries and move `audit_head` back, or rewrite history
and recompute every later hash (with the key, if they have it too): the chain alone then still verifies. An
anchor kept elsewhere cannot be rewritten with it, so `audit verify` checks that every anchored head is still in
the chain (the entry at that sequence number has that hash). Anchors go to an append-only file, one JSON object
a line, each signed with the audit key; `audit anchor` prints the line to publish, and `/audit/head` shows the
newest one to anyone. Changes written after the newest anchor are covered by the key alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from traceability.audit.models import AuditEntry, AuditHead
from traceability.audit.services import KEYED, audit_key, entry_hash


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    anchored_at: str  # ISO 8601, UTC
    keyed_from: int | None
    signature: str = ""

    def content(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "anchored_at": self.anchored_at, "keyed_from": self.keyed_from}

    def signed(self, key: bytes) -> Anchor:
        return Anchor(**self.content(), signature=_signature(self.content(), key))

    def is_signed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(self.signature, _signature(self.content(), key))

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def _signature(content: dict[str, Any], key: bytes) -> str:
    # a prefix of its own, so that no audit entry's hash can ever pass for an anchor's signature
    message = "traceability-audit-anchor:" + json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


class HeadNotAnchorable(Exception):
    """The head row and the newest entry disagree: anchoring it would vouch for a forged chain."""


def current_head(session_or_conn: Any, key: bytes) -> Anchor:
    """The committed head, after checking it names an entry whose keyed hash is right."""
    head = session_or_conn.execute(
        select(AuditHead.seq, AuditHead.hash, AuditHead.keyed_from).where(AuditHead.id == 1)
    ).one()
    if head.seq:
        columns = AuditEntry.__table__.columns
        entry = session_or_conn.execute(select(columns).where(columns.seq == head.seq)).mappings().one_or_none()
        later = session_or_conn.execute(select(columns.seq).where(columns.seq > head.seq).limit(1)).first()
        if entry is None or entry["hash"] != head.hash or later is not None:
            raise HeadNotAnchorable(f"audit_head names entry {head.seq}, which is not the chain's newest entry")
        if entry["hash_version"] == KEYED and entry_hash(dict(entry), key) != head.hash:
            raise HeadNotAnchorable(f"entry {head.seq} does not match its keyed hash")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return Anchor(head.seq, head.hash, now, head.keyed_from)


def read_anchors(path: str | os.PathLike) -> tuple[list[Anchor], list[str]]:
    """Every anchor in the file, in order, and a problem for each line that is not one."""
    anchors, problems = [], []
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchors.append(
                Anchor(
                    int(data["seq"]), str(data["hash"]), str(data["anchored_at"]), data["keyed_from"], data["signature"]
                )
            )
        except (ValueError, KeyError, TypeError):
            problems.append(f"anchor file line {number} is not an anchor")
    return anchors, problems


def latest_anchor(path: str | os.PathLike) -> Anchor | None:
    """The file's last anchor, read from its end (the file only grows)."""
    try:
        with open(path, "rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - 4096))
            tail = file.read().decode(errors="replace")
    except FileNotFoundError:
        return None
    for line in reversed(tail.splitlines()):
        with contextlib.suppress(ValueError, KeyError, TypeError):
            data = json.loads(line)
            return Anchor(
                int(data["seq"]), str(data["hash"]), str(data["anchored_at"]), data["keyed_from"], data["signature"]
            )
    return None


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # several workers may anchor at once
        yield fd
    finally:
        os.close(fd)


def append_anchor(path: str | os.PathLike, anchor: Anchor, key: bytes) -> Anchor:
    """Append the signed anchor to the file (never rewritten) and return it."""
    with _locked(Path(path)) as fd:
        return _write(fd, anchor, key)


def _write(fd: int, anchor: Anchor, key: bytes) -> Anchor:
    signed = anchor.signed(key)
    os.write(fd, (signed.line() + "\n").encode())
    os.fsync(fd)
    return signed


def anchor_due(path: str | os.PathLike, minutes: float) -> bool:
    """No anchor yet, or the newest (the file's last change) is older than `minutes`."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return True
    return status.st_size == 0 or dt.datetime.now().timestamp() - status.st_mtime >= minutes * 60


def anchor_if_due(bind: Engine | Connection, path: str | os.PathLike, minutes: float, key: bytes) -> Anchor | None:
    """Anchor the committed head if the newest anchor is older than `minutes`; None if not due."""
    if not anchor_due(path, minutes):
        return None
    with _locked(Path(path)) as fd:
        if not anchor_due(path, minutes):  # another worker anchored while this one waited for the lock
            return None
        if isinstance(bind, Connection):  # a session bound to a connection of its own (tests, scripts)
            return _write(fd, current_head(bind, key), key)
        with bind.connect() as conn:
            return _write(fd, current_head(conn, key), key)


def anchor_when_due(session: Session) -> None:
    """After a commit that wrote audit entries: anchor the head when the newest anchor is older than
    AUDIT_ANCHOR_MINUTES (0: never). Read on a connection of its own: the session's transaction is over."""
    config = current_app.config
    minutes = config.get("AUDIT_ANCHOR_MINUTES") or 0
    if minutes <= 0:
        return
    try:
        anchor_if_due(session.get_bind(), config["AUDIT_ANCHOR_FILE"], minutes, audit_key())
    except (OSError, HeadNotAnchorable) as exc:  # the change is committed: say so, never fail the request
        current_app.logger.error("audit anchor not written: %s", exc)
