"""Sign-up of a business and invitations of colleagues. Plain functions: they flush, never commit.

An invitation is a signed link (no table needed): it names the new user and a fingerprint of their password
hash, so it stops working once the colleague has chosen a password, and it expires after a week.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from traceability.accounts import services
from traceability.accounts.models import Organization, Role, User
from traceability.errors import Forbidden, Invalid, NotFound

INVITE_MAX_AGE = 7 * 24 * 3600


def register(session: Session, data: dict[str, Any]) -> tuple[Organization, User]:
    """Create an organisation (pending verification) and its first producer user. Duplicate tax codes refused."""
    errors: dict[str, Any] = {}
    if services.find_organization(session, data["organization"]["tax_code"]):
        errors["organization"] = {"tax_code": [_("An organisation with this tax code is already registered.")]}
    if services.find_user(session, data["user"]["email"]):
        errors["user"] = {"email": [_("This e-mail address is already in use.")]}
    if errors:
        raise Invalid(errors)
    org = services.create_organization(session, data["organization"])
    user = services.create_user(session, role=Role.PRODUCER, organization=org, **data["user"])
    return org, user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="invite")


def invite(session: Session, inviter: User, data: dict[str, Any]) -> tuple[User, str]:
    """Add a colleague to the inviter's organisation. Returns the user and the token for the invitation link."""
    if inviter.role != Role.PRODUCER or inviter.organization is None:
        raise Forbidden(_("Only a producer's organisation invites colleagues."))
    user = services.create_user(
        session,
        email=data["email"],
        password=secrets.token_urlsafe(24),  # unknown to anyone: the colleague sets a password from the link
        full_name=data["full_name"],
        role=Role.PRODUCER,
        organization=inviter.organization,
    )
    return user, _serializer().dumps([user.id, user.password_hash[-12:]])


def invited_user(session: Session, token: str) -> User:
    """The user an invitation link names, while it is unused and fresh."""
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=INVITE_MAX_AGE)
    except SignatureExpired as exc:
        raise NotFound(_("This invitation has expired; ask your colleague for a new one.")) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound(_("This invitation link is not valid.")) from exc
    user = session.get(User, user_id)
    if user is None or user.password_hash[-12:] != fingerprint or not user.is_active:
        raise NotFound(_("This invitation link has already been used."))
    return user


def accept_invitation(session: Session, token: str, password: str) -> User:
    user = invited_user(session, token)
    user.password_hash = services.hash_password(password)
    session.flush()
    return user
