"""Sign-ins kept on the server, so that signing out really ends them.

Each sign-in is a `UserSession` row; the browser's session cookie and its remember-me cookie carry only the
row's random key (Flask-Login stores what `User.get_id()` returns). A cookie copied before sign-out, or one
whose sign-in was revoked from the account page, names a row that no longer opens anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability import db
from traceability.accounts.models import ApiToken, User, UserSession
from traceability.db import utcnow
from traceability.errors import NotFound

# "last seen" and "last used" are refreshed at most this often, and only by requests that write anyway
TOUCH_EVERY = dt.timedelta(minutes=5)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def sign_in(user: User, remember: bool = False) -> UserSession:
    """Start a sign-in for this user in this browser (the caller commits)."""
    now = utcnow()
    key = secrets.token_urlsafe(32)
    lifetime = (
        current_app.config["REMEMBER_COOKIE_DURATION"]
        if remember
        else dt.timedelta(hours=current_app.config["SESSION_HOURS"])
    )
    row = UserSession(
        user=user,
        key_hash=_digest(key),
        remember=remember,
        user_agent=(request.user_agent.string or "")[:200],
        ip_address=request.remote_addr,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(row)
    db.session.flush()
    user.login_key = key
    login_user(user, remember=remember)
    return row


def sign_out(user: User | None) -> None:
    """End this browser's sign-in on the server, then forget the cookies."""
    if user is not None and user.is_authenticated and user.login_key:
        row = db.session.scalar(select(UserSession).where(UserSession.key_hash == _digest(user.login_key)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()  # through the ORM, so the audit log records the sign-out
            db.session.flush()
    logout_user()


def current_session_id(user: User) -> int | None:
    if not user.login_key:
        return None
    return db.session.scalar(select(UserSession.id).where(UserSession.key_hash == _digest(user.login_key)))


def user_for_key(session: Session, key: str) -> User | None:
    """The user whose live sign-in has this key (from a session or remember-me cookie), or None."""
    now = utcnow()
    found = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash == _digest(key), UserSession.revoked_at.is_(None), User.is_active)
    ).first()
    if found is None or found[0].expires_at <= now:
        return None
    row, user = found
    if db.write_intent.get() and now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        if not row.remember:  # an unremembered sign-in lasts while it is used
            row.expires_at = now + dt.timedelta(hours=current_app.config["SESSION_HOURS"])
    user.login_key = key
    return user


def end_all_sessions(session: Session, user: User) -> None:
    """End every sign-in of the user (a disabled account; later, a new password)."""
    for row in session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    ):
        row.revoked_at = utcnow()
    session.flush()


def live_sessions(session: Session, user: User) -> list[UserSession]:
    return list(
        session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None), UserSession.expires_at > utcnow())
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def revoke_session(session: Session, user: User, session_id: int) -> UserSession:
    """End one of the user's sign-ins (another user's answers 404, like a missing one)."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("Not found."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()
    return row


def live_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
