"""Codes printed as QR on packages, and the scans that resolve them."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceability.batches.models import Batch
from traceability.db import Base, choice, utcnow


class CodeKind(enum.StrEnum):
    LOT = "lot"
    SERIAL = "serial"


class Code(Base):
    __tablename__ = "codes"
    __table_args__ = (Index("ix_codes_batch_id_kind", "batch_id", "kind"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    value: Mapped[str] = mapped_column(String(16), unique=True)  # canonical: upper case, no dashes
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    kind: Mapped[CodeKind] = mapped_column(choice(CodeKind, "kind"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(500))

    batch: Mapped[Batch] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Scan(Base):
    """One resolution of a code. Insert-only; the client address is stored only as a salted hash."""

    __tablename__ = "scans"
    __audit__ = False  # not a change of data: high volume, no personal data
    __table_args__ = (
        Index("ix_scans_code_id_scanned_at", "code_id", "scanned_at"),
        Index("ix_scans_scanned_at", "scanned_at"),  # recent scans without reading the whole history
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"))
    scanned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    client_hash: Mapped[str] = mapped_column(String(64))
    user_agent_family: Mapped[str | None] = mapped_column(String(40))

    code: Mapped[Code] = relationship()
