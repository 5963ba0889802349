"""Pages: admins manage accounts — create inspectors and admins, disable and enable any account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from traceability import db
from traceability.accounts import services
from traceability.accounts.models import Organization, Role, User
from traceability.accounts.schemas import StaffUserInSchema, UserAgencyInSchema
from traceability.accounts.views import bp
from traceability.auth import roles
from traceability.errors import Invalid
from traceability.forms import handle_form
from traceability.reference import services as reference
from traceability.search import matches


@bp.route("/admin/users", methods=["GET", "POST"])
@roles(Role.ADMIN)
def users():
    role = request.args.get("role")
    # the list shows each user's organisation: load them all in one query, not one per row
    query = select(User).options(selectinload(User.organization)).order_by(User.role, User.email)
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    search = request.args.get("q", "").strip()
    if search:
        query = query.outerjoin(Organization, User.organization_id == Organization.id).where(
            matches(search, User.email, User.full_name, Organization.name)
        )
    listed = db.session.scalars(query).all()

    def save(data):
        user = services.create_user(db.session, **data)
        flash(_("Account created for %(email)s.", email=user.email))
        return redirect(url_for("accounts.users"))

    def render(values, errors):
        values = {k: v for k, v in values.items() if k != "password"}
        return render_template(
            "admin/users.html",
            users=listed,
            role=role,
            values=values,
            errors=errors,
            agencies=reference.agencies(db.session),
        )

    return handle_form(StaffUserInSchema(), save, render, {"role": Role.INSPECTOR.value})


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def set_active(user_id: int):
    user = services.get_user(db.session, user_id)
    active = request.form.get("active") == "true"
    try:
        services.set_user_active(db.session, current_user, user, active)
    except Invalid as exc:
        flash(" ".join(exc.errors["is_active"]), "error")
        return redirect(url_for("accounts.users"))
    flash(
        _("%(email)s can sign in again.", email=user.email) if active else _("%(email)s is disabled.", email=user.email)
    )
    return redirect(url_for("accounts.users"))


@bp.route("/admin/users/<int:user_id>/agency", methods=["POST"])
@roles(Role.ADMIN)
def set_agency(user_id: int):
    user = services.get_user(db.session, user_id)
    try:
        data = UserAgencyInSchema().load({"agency_id": request.form.get("agency_id") or None})
        services.set_user_agency(db.session, user, data["agency_id"])
    except ValidationError as exc:
        flash(" ".join(exc.messages["agency_id"]), "error")
        return redirect(url_for("accounts.users"))
    except Invalid as exc:
        flash(" ".join(exc.errors["agency_id"]), "error")
        return redirect(url_for("accounts.users"))
    flash(_("Saved."))
    return redirect(url_for("accounts.users"))
