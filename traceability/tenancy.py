"""Who may see and change which rows. Services call these; views never decide it themselves.

A producer reaches only its own organisation's rows; anything else answers 404, exactly like a row that does
not exist, so ids cannot be probed. Inspectors and admins read everything; only producers edit their data.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy.orm import Session

from traceability import db
from traceability.accounts.models import Role, User
from traceability.errors import Forbidden, NotFound

T = TypeVar("T")


def owner_org_id(obj: Any) -> int | None:
    """The organisation a row belongs to (directly, or through its batch)."""
    if hasattr(obj, "organization_id"):
        return obj.organization_id
    batch = getattr(obj, "batch", None)
    return batch.organization_id if batch is not None else None


def can_view(user: User | None, obj: Any) -> bool:
    if user is None:
        return False
    if user.role in (Role.INSPECTOR, Role.ADMIN):
        return True
    return user.organization_id is not None and owner_org_id(obj) == user.organization_id


def can_edit(user: User | None, obj: Any) -> bool:
    return (
        user is not None
        and user.role == Role.PRODUCER
        and user.organization_id is not None
        and owner_org_id(obj) == user.organization_id
    )


def check_visible(user: User | None, obj: T | None) -> T:
    """The row itself, or NotFound when it is missing or the user may not see it."""
    if obj is None or not can_view(user, obj):
        raise NotFound(_("Not found."))
    return obj


def check_editable(user: User | None, obj: T | None) -> T:
    """The row itself, or NotFound (not visible) or Forbidden (visible, not the user's to change)."""
    obj = check_visible(user, obj)
    if not can_edit(user, obj):
        raise Forbidden(_("Only the organisation that owns this record can change it."))
    return obj


def get_visible(session: Session, model: type[T], obj_id: Any, user: User | None) -> T:
    return check_visible(user, session.get(model, obj_id))


def get_editable(session: Session, model: type[T], obj_id: Any, user: User | None) -> T:
    return check_editable(user, session.get(model, obj_id))


def scope(query: Select, model: Any, user: User) -> Select:
    """Limit a query on an organisation-owned model to what the user may see."""
    if user.role == Role.PRODUCER:
        return query.where(model.organization_id == user.organization_id)
    return query


def owner_first(model: type, param: str, check: Any = None):
    """Check the caller may use the row named in the URL before the body or query is read, so another
    organisation's row answers 404 even to malformed input (flask-smorest parses it before the view runs).
    `check` is get_editable (the default) or get_visible for read-only routes."""
    check = check or get_editable

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            check(db.session, model, kwargs[param], current_user)
            return view(*args, **kwargs)

        return wrapper

    return decorate
