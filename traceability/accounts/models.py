"""Organisations, users and API tokens."""

from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceability.db import Base, choice, utcnow
from traceability.reference.models import Commune
from traceability.storage import STORED_FILE


class OrgKind(enum.StrEnum):
    ENTERPRISE = "enterprise"
    COOPERATIVE = "cooperative"
    HOUSEHOLD = "household"
    FARM = "farm"


class OrgStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    SUSPENDED = "suspended"
    REJECTED = "rejected"


class Role(enum.StrEnum):
    PRODUCER = "producer"
    INSPECTOR = "inspector"
    ADMIN = "admin"


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(choice(OrgKind, "kind"))
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)
    province: Mapped[str] = mapped_column(String(100))
    commune: Mapped[str] = mapped_column(String(100))  # as shown: the list's name, or as typed (outside the list)
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"), index=True)  # the kept list
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    gs1_prefix: Mapped[str | None] = mapped_column(String(12))
    # the business registration certificate the organisation uploaded, for the admin who verifies it
    registration_path: Mapped[str | None] = mapped_column(String(300), info=STORED_FILE, active_history=True)
    registration_type: Mapped[str | None] = mapped_column(String(40))
    registration_uploaded_at: Mapped[dt.datetime | None]
    status: Mapped[OrgStatus] = mapped_column(choice(OrgStatus, "status"), default=OrgStatus.PENDING)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[dt.datetime | None]
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organization", foreign_keys="User.organization_id")
    commune_entry: Mapped[Commune | None] = relationship()

    @property
    def is_verified(self) -> bool:
        return self.status == OrgStatus.VERIFIED

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.tax_code}>"


class User(UserMixin, Base):
    __tablename__ = "users"
    __audit_exclude__ = frozenset({"password_hash", "last_login_at"})
    __table_args__ = (CheckConstraint("role <> 'producer' OR organization_id IS NOT NULL", name="producer_has_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    role: Mapped[Role] = mapped_column(choice(Role, "role"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    # the language of the user's mail and notices: the one they signed up in, or chose on the account page
    locale: Mapped[str] = mapped_column(String(8), default="vi", server_default="vi")
    email_confirmed_at: Mapped[dt.datetime | None]
    # the inspecting body an inspector works for; none: a provincial inspector, who sees and acts on everything
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))

    organization: Mapped[Organization | None] = relationship(back_populates="users", foreign_keys=[organization_id])

    # the sign-in this request belongs to (set by accounts.sessions, not stored on the user)
    login_key = None
    api_token_id = None  # likewise, the API token of this request

    def get_id(self) -> str:
        # Flask-Login keeps this in the session cookie and the remember-me cookie: the sign-in's key rather
        # than the user's id, so that ending the sign-in on the server makes both cookies worthless
        if not self.login_key:
            raise RuntimeError("sign users in through accounts.sessions.sign_in")
        return self.login_key

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once. It ends at `expires_at`, or
    when its owner revokes it."""

    __tablename__ = "api_tokens"
    __audit_exclude__ = frozenset({"token_hash", "last_used_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")  # the owner's label: "ERP", "scanner app"
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]  # the last call that changed something
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    def is_live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class UserSession(Base):
    """One sign-in in a browser. The session and remember-me cookies carry its key (only the SHA-256 is
    stored), so signing out, or revoking it from another device, ends it on the server."""

    __tablename__ = "user_sessions"
    __audit_exclude__ = frozenset({"key_hash", "last_seen_at", "expires_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # sign-in, or the last change it made
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    def is_live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
