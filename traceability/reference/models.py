"""Reference data kept by admins: substances that may not be used on crops or in livestock farming."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from traceability.db import Base, choice, utcnow


class SubstanceStatus(enum.StrEnum):
    BANNED = "banned"
    REMOVED = "removed"


class SubstanceKind(enum.StrEnum):
    """Which list a substance is on: plant protection (crops) or livestock feed and farming."""

    PESTICIDE = "pesticide"
    LIVESTOCK = "livestock"


class SubstanceOrigin(enum.StrEnum):
    """Who owns a row: a reload of the shipped lists updates `shipped` rows only."""

    SHIPPED = "shipped"  # as the registry's shipped list has it
    ADMIN = "admin"  # added or edited by an admin: reloads and upgrades leave it alone
    WITHDRAWN = "withdrawn"  # a shipped row an admin removed: kept so reloads do not bring it back; never matched


class BannedSubstance(Base):
    __tablename__ = "banned_substances"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    synonyms: Mapped[str | None] = mapped_column(Text)  # separated by ';' (English and Vietnamese names)
    status: Mapped[SubstanceStatus] = mapped_column(choice(SubstanceStatus, "status"))
    kind: Mapped[SubstanceKind] = mapped_column(
        choice(SubstanceKind, "kind"), default=SubstanceKind.PESTICIDE, server_default=SubstanceKind.PESTICIDE.value
    )
    origin: Mapped[SubstanceOrigin] = mapped_column(
        choice(SubstanceOrigin, "origin"), default=SubstanceOrigin.ADMIN, server_default=SubstanceOrigin.ADMIN.value
    )
    group: Mapped[str | None] = mapped_column(String(40))
    effective_from: Mapped[dt.date | None]
    legal_source: Mapped[str | None] = mapped_column(String(300))
    is_checked: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_withdrawn(self) -> bool:
        return self.origin == SubstanceOrigin.WITHDRAWN

    def names(self) -> list[str]:
        extra = [s.strip() for s in (self.synonyms or "").split(";") if s.strip()]
        return [self.name, *extra]
