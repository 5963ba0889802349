"""Rules for organisations, users and tokens. Plain functions: they flush, never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from traceability.accounts.models import ApiToken, Organization, OrgStatus, Role, User
from traceability.db import utcnow, write_intent
from traceability.errors import Invalid, NotFound, invalid
from traceability.reference import services as reference

TOKEN_TOUCH_EVERY = dt.timedelta(minutes=5)
# a hash to compare against when the e-mail is unknown, so both paths take the same time
_DUMMY_HASH = generate_password_hash("not a real password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = find_user(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def create_organization(session: Session, data: dict[str, Any]) -> Organization:
    if session.scalar(select(Organization.id).where(Organization.tax_code == data["tax_code"])):
        raise invalid("tax_code", _("An organisation with this tax code is already registered."))
    reference.place(session, data)
    org = Organization(**data, status=OrgStatus.PENDING)
    session.add(org)
    session.flush()
    return org


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    organization: Organization | None = None,
    phone: str | None = None,
) -> User:
    email = normalise_email(email)
    if role == Role.PRODUCER and organization is None:
        raise invalid("organization", _("A producer belongs to an organisation."))
    if find_user(session, email):
        raise invalid("email", _("This e-mail address is already in use."))
    user = User(
        email=email,
        password_hash=hash_password(password),
        full_name=full_name,
        phone=phone,
        role=role,
        organization=organization if role == Role.PRODUCER else None,
    )
    session.add(user)
    session.flush()
    return user


def set_organization_status(
    session: Session, org: Organization, actor: User | None, status: OrgStatus, reason: str | None = None
) -> Organization:
    """Admins verify an organisation, or suspend or reject it (which needs a reason)."""
    if status != OrgStatus.VERIFIED and not reason:
        raise invalid("reason", _("Give a reason; the organisation will see it."))
    changed = org.status != status
    org.status = status
    org.status_reason = reason
    org.status_changed_at = utcnow()
    org.status_changed_by_id = actor.id if actor else None
    session.flush()
    if changed:
        from traceability.notices.services import notify

        notify(session, org, "org_status", org=org.name, status=status.value, reason=reason)
    return org


@dataclass(frozen=True)
class Decision:
    """An earlier decision on an organisation, as the audit log kept it."""

    at: dt.datetime
    by: str
    status: OrgStatus
    reason: str | None


def decision_history(session: Session, org: Organization) -> list[Decision]:
    """Every decision on the organisation after sign-up, newest first, from the audit log (which keeps each change
    of its row and who made it): a decision sets the status, its reason and when it was changed."""
    from traceability.audit.models import AuditEntry

    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == Organization.__tablename__, AuditEntry.entity_id == str(org.id))
        .order_by(AuditEntry.seq)
    )
    found, status, reason = [], None, None
    for entry in entries:
        after = entry.after or {}
        status, reason = after.get("status", status), after.get("status_reason", reason)  # an update lists changes only
        if entry.action == "update" and ("status" in after or "status_changed_at" in after) and status:
            found.append(Decision(entry.created_at, entry.actor_label, OrgStatus(status), reason))
    return found[::-1]


def attach_registration(session: Session, org: Organization, document: tuple[str, str]) -> Organization:
    """The organisation's business registration certificate, stored by `storage.store`; a new one replaces the
    old (whose file is removed once the change is committed)."""
    org.registration_path, org.registration_type = document
    org.registration_uploaded_at = utcnow()
    session.flush()
    return org


def decide_organization(session: Session, org: Organization, actor: User | None, decision: dict) -> Organization:
    """An admin's decision from the verify form or API: verify, or `suspend`/`reject` with a reason."""
    status = (
        OrgStatus.SUSPENDED
        if decision.get("suspend")
        else OrgStatus.REJECTED
        if decision.get("reject")
        else OrgStatus.VERIFIED
    )
    return set_organization_status(session, org, actor, status, decision.get("reason"))


def set_user_active(session: Session, admin: User, user: User, active: bool) -> User:
    """Admins disable an account (it can no longer sign in or use its tokens) or enable it again."""
    if user.id == admin.id and not active:
        raise invalid("is_active", _("You cannot disable your own account."))
    user.is_active = active
    if not active:
        from traceability.accounts.sessions import end_all_sessions

        end_all_sessions(session, user)  # enabling the account again does not bring old sign-ins back
    session.flush()
    return user


def set_user_agency(session: Session, user: User, agency_id: int | None) -> User:
    """Admins set the agency an inspector works for; none makes the inspector provincial."""
    if user.role != Role.INSPECTOR:
        raise invalid("agency_id", _("Only inspectors belong to an agency."))
    agency = reference.get_agency(session, agency_id) if agency_id else None
    if agency is not None and not agency.is_active and agency.id != user.agency_id:
        raise invalid("agency_id", _("%(name)s is inactive: choose another agency.", name=agency.name))
    user.agency_id = agency.id if agency else None
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("Not found."))
    return user


def get_organization(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(_("No such organisation."))
    return org


def find_organization(session: Session, tax_code: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.tax_code == tax_code))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365


def create_token(session: Session, user: User, name: str = "", days: int | None = None) -> str:
    """A new API token for the user (see issue_token), returned once."""
    return issue_token(session, user, name, days)[0]


def issue_token(session: Session, user: User, name: str = "", days: int | None = None) -> tuple[str, ApiToken]:
    """A new API token for the user, ending after `days` (the configured default when None). The token is
    returned once; only its digest is stored."""
    if not user.is_active:
        raise Invalid(_("This account is disabled."))
    if days is None:
        days = current_app.config["API_TOKEN_DAYS"] if has_app_context() else DEFAULT_TOKEN_DAYS
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise invalid("days", _("Between 1 and %(max)s days.", max=MAX_TOKEN_DAYS))
    token = "tr_" + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        user=user, token_hash=_token_digest(token), name=name, created_at=now, expires_at=now + dt.timedelta(days=days)
    )
    session.add(row)
    session.flush()
    return token, row


def user_for_token(session: Session, token: str) -> User | None:
    """The active user of a live token (not expired, not revoked), or None."""
    # every API call asks this: one query for the token and its user together
    now = utcnow()
    found = session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None), User.is_active)
    ).first()
    if found is None or found[0].expires_at <= now:
        return None
    row, user = found
    # written only by calls that write anyway: a read must not take SQLite's write lock (see db.write_intent)
    if write_intent.get() and (row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_EVERY):
        row.last_used_at = now
    user.api_token_id = row.id  # which token this request came with (not stored on the user)
    return user


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """End one of the user's tokens (another user's answers 404, like a missing one)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("Not found."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()
    return row
