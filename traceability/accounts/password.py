"""Choosing a new password from a link sent by mail, and confirming the address given at sign-up.

A reset link is signed (no table needed) and names the user and a fragment of their current password hash, so
it works once: the new password changes the hash and the link no longer opens. It expires after
PASSWORD_RESET_MINUTES. Asking for one answers the same whether the address is registered or not.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from traceability.accounts import services, sessions
from traceability.accounts.models import User
from traceability.db import utcnow
from traceability.errors import NotFound
from traceability.notices.services import mail_user, path_for


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    return user.password_hash[-16:]


def reset_token(user: User) -> str:
    return _serializer("password-reset").dumps([user.id, _fingerprint(user)])


def request_reset(session: Session, email: str) -> None:
    """Mail a reset link to the address if an active account has it; otherwise do nothing (callers answer the
    same either way)."""
    user = services.find_user(session, email)
    if user is None or not user.is_active:
        return
    link = path_for("accounts.reset_password", token=reset_token(user))
    mail_user(session, user, "password_reset", link, minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def user_for_reset(session: Session, token: str) -> User:
    """The user a fresh, unused reset link names."""
    try:
        user_id, fingerprint = _serializer("password-reset").loads(
            token, max_age=current_app.config["PASSWORD_RESET_MINUTES"] * 60
        )
    except SignatureExpired as exc:
        raise NotFound(_("This link has expired; ask for a new one.")) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound(_("This link is not valid; ask for a new one.")) from exc
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound(_("This link is not valid; ask for a new one."))
    if fingerprint != _fingerprint(user):
        raise NotFound(_("This link has already been used; ask for a new one if needed."))
    return user


def reset_password(session: Session, token: str, password: str) -> User:
    """Set the new password and end every sign-in of the account (a thief's included)."""
    user = user_for_reset(session, token)
    user.password_hash = services.hash_password(password)
    sessions.end_all_sessions(session, user)
    session.flush()
    return user


def confirmation_token(user: User) -> str:
    return _serializer("confirm-email").dumps([user.id, user.email])


def send_confirmation(session: Session, user: User) -> None:
    days = current_app.config["EMAIL_CONFIRM_DAYS"]
    link = path_for("accounts.confirm_email", token=confirmation_token(user))
    mail_user(session, user, "confirm_email", link, name=user.full_name, days=days)


def resend_confirmation(session: Session, email: str) -> None:
    """Mail a new confirmation link if an active account has this address and has not confirmed it; otherwise do
    nothing (callers answer the same either way, so no one learns who is registered or confirmed)."""
    user = services.find_user(session, email)
    if user is None or not user.is_active or user.email_confirmed_at is not None:
        return
    send_confirmation(session, user)


def confirm_email(session: Session, token: str) -> User:
    try:
        user_id, email = _serializer("confirm-email").loads(
            token, max_age=current_app.config["EMAIL_CONFIRM_DAYS"] * 24 * 3600
        )
    except SignatureExpired as exc:
        raise NotFound(_("This link has expired; sign in and ask for a new one on your account page.")) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound(_("This link is not valid.")) from exc
    user = session.get(User, user_id)
    if user is None or user.email != email:
        raise NotFound(_("This link is not valid."))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    session.flush()
    return user
