"""The audit log: every change, chained by a keyed hash (HMAC-SHA256) so that an edit in SQL shows.

Entries written before the key existed keep their plain SHA-256 (`hash_version` 1); every later one is keyed
(version 2), and the head row records where keyed hashing started."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from traceability.db import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __audit__ = False
    __table_args__ = (Index("ix_audit_entries_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)  # position in the chain, from 1
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # 1: SHA-256 (entries from before the key), 2: HMAC-SHA256 with AUDIT_KEY
    hash_version: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="1")


class AuditHead(Base):
    """One row holding the chain's tip. Updating it first serialises appenders on every database."""

    __tablename__ = "audit_head"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    keyed_from: Mapped[int | None] = mapped_column(BigInteger)  # seq of the first keyed entry
