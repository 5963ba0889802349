"""Sign-up of a business and invitations of colleagues. Plain functions: they flush, never commit.

Neither says whether an e-mail address or a tax code is already registered: a sign-up or an invitation that
names one creates nothing, answers exactly as one that succeeds, is logged, and the owner of the address (or
the users of the organisation with that tax code) are told by mail. Malformed fields are still named clearly.
A new account is sent a link to confirm its address, in the language the sign-up page was in.

An invitation is a signed link (no table needed) naming the organisation, the colleague's name and e-mail
address; the account is made when the colleague chooses a password. It expires after a week, and once the
colleague has joined the link no longer opens.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from traceability.accounts import services
from traceability.accounts.models import Organization, Role, User
from traceability.accounts.password import send_confirmation
from traceability.errors import Forbidden, NotFound
from traceability.notices.services import mail_user, path_for
from traceability.reference import services as reference

log = logging.getLogger(__name__)

INVITE_MAX_AGE = 7 * 24 * 3600


def _already_registered(session: Session, what: str, users: list[User | None], **ids: Any) -> None:
    # the log keeps the attempt without the address itself; the owners are told by mail
    log.warning("%s names an e-mail address or tax code already registered (%s); nothing created", what, ids)
    link = path_for("accounts.forgot_password")
    told = set()
    for user in users:
        if user is not None and user.is_active and user.id not in told:
            told.add(user.id)
            mail_user(session, user, "already_registered", link)


def _welcome(session: Session, user: User) -> None:
    user.locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    session.flush()
    send_confirmation(session, user)


def register(session: Session, data: dict[str, Any]) -> tuple[Organization, User] | None:
    """Create an organisation (pending verification) and its first producer user. When the tax code or the
    e-mail address is already registered, create nothing and return None: callers answer the same way."""
    reference.place(session, data["organization"])  # before either answer: the echo of a taken one matches too
    org = services.find_organization(session, data["organization"]["tax_code"])
    user = services.find_user(session, data["user"]["email"])
    if org is not None or user is not None:
        services.hash_password(data["user"]["password"])  # the work a real sign-up does, so timing tells nothing
        owners = [user, *(org.users if org is not None else [])]
        _already_registered(session, "sign-up", owners, organization_id=org and org.id, user_id=user and user.id)
        return None
    org = services.create_organization(session, data["organization"])
    user = services.create_user(session, role=Role.PRODUCER, organization=org, **data["user"])
    _welcome(session, user)
    return org, user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="invite")


def invite(inviter: User, data: dict[str, Any]) -> str:
    """The token of an invitation link to the inviter's organisation (the same whether or not the address is
    registered; nothing is written until the colleague accepts)."""
    if inviter.role != Role.PRODUCER or inviter.organization is None:
        raise Forbidden(_("Only a producer's organisation invites colleagues."))
    email = services.normalise_email(data["email"])
    return _serializer().dumps([inviter.organization_id, email, data["full_name"]])


def invitation(session: Session, token: str) -> tuple[Organization, str, str]:
    """The organisation, e-mail address and name an invitation link names, while it is fresh and unused."""
    try:
        org_id, email, full_name = _serializer().loads(token, max_age=INVITE_MAX_AGE)
    except SignatureExpired as exc:
        raise NotFound(_("This invitation has expired; ask your colleague for a new one.")) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound(_("This invitation link is not valid.")) from exc
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(_("This invitation link is not valid."))
    user = services.find_user(session, email)
    if user is not None and user.organization_id == org.id:
        # the colleague has joined (the inviter sees them among the colleagues anyway)
        raise NotFound(_("This invitation link has already been used."))
    return org, email, full_name


def accept_invitation(session: Session, token: str, password: str) -> User | None:
    """Make the colleague's account with the password they chose. None when the address is already registered
    elsewhere: nothing is created, and callers answer the same way."""
    org, email, full_name = invitation(session, token)
    existing = services.find_user(session, email)
    if existing is not None:
        services.hash_password(password)
        _already_registered(session, "invitation", [existing], organization_id=org.id)
        return None
    user = services.create_user(
        session, email=email, password=password, full_name=full_name, role=Role.PRODUCER, organization=org
    )
    _welcome(session, user)
    return user
