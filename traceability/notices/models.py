"""Notices: what happened to a user's organisation, kept in their workspace (and sent by mail)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from traceability.db import Base, utcnow


class Notice(Base):
    """One notice to one user. Its text is made from `kind` and `params` in the user's language when shown, so
    a user who changes language reads the old notices in the new one too."""

    __tablename__ = "notices"
    __audit__ = False  # a copy of what the audited change already says
    __table_args__ = (Index("ix_notices_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # indexed with read_at
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    link: Mapped[str | None] = mapped_column(String(300))  # a path on this server
    key: Mapped[str | None] = mapped_column(String(100))  # set for notices sent once only (a certificate's expiry)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
