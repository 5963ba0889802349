"""Reference data kept by admins: substances that may not be used on crops."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from traceability.db import Base, choice, utcnow


class SubstanceStatus(enum.StrEnum):
    BANNED = "banned"
    REMOVED = "removed"


class BannedSubstance(Base):
    __tablename__ = "banned_substances"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    synonyms: Mapped[str | None] = mapped_column(Text)  # separated by ';' (English and Vietnamese names)
    status: Mapped[SubstanceStatus] = mapped_column(choice(SubstanceStatus, "status"))
    group: Mapped[str | None] = mapped_column(String(40))
    effective_from: Mapped[dt.date | None]
    legal_source: Mapped[str | None] = mapped_column(String(300))
    is_checked: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def names(self) -> list[str]:
        extra = [s.strip() for s in (self.synonyms or "").split(";") if s.strip()]
        return [self.name, *extra]
