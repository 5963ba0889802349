"""Sign in and out; administration of organisations."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from traceability import db
from traceability.accounts import services, sessions
from traceability.accounts.models import Organization, OrgStatus, Role
from traceability.accounts.schemas import LoginSchema, VerifySchema
from traceability.auth import public, roles
from traceability.extensions import limiter
from traceability.forms import FormResult, submit_form
from traceability.labels import label
from traceability.schemas import form_data
from traceability.search import matches

bp = Blueprint("accounts", __name__)


def _home_for(user) -> str:
    if user.role == Role.PRODUCER:
        return url_for("registry.home")
    if user.role == Role.ADMIN:
        return url_for("accounts.admin_home")
    return url_for("inspection.home")


def _safe_next(target: str | None) -> str | None:
    # only a path on this site, never another host
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None  # browsers read a backslash as a slash: "/\\host" would leave the site
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home_for(current_user))
    errors: dict = {}
    values = {"next": request.args.get("next")}
    if request.method == "POST":
        values = form_data(request.form)
        try:
            data = LoginSchema().load(values)
        except ValidationError as exc:
            errors = exc.messages
        else:
            user = services.authenticate(db.session, data["email"], data["password"])
            if user is None:
                errors = {"_schema": [_("Wrong e-mail address or password.")]}
            else:
                sessions.sign_in(user, remember=data["remember"])
                return redirect(_safe_next(data.get("next")) or _home_for(user))
    status = 422 if errors else 200
    return render_template("accounts/login.html", errors=errors, values=values), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    sessions.sign_out(current_user)  # ends the sign-in on the server: a copied cookie opens nothing any more
    flash(_("You have signed out."))
    return redirect(url_for("public.home"))


@bp.route("/account")
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
def account():
    """The user's sign-ins and API tokens, each of which they can end."""
    return render_template(
        "accounts/account.html",
        sessions=sessions.live_sessions(db.session, current_user),
        current_session_id=sessions.current_session_id(current_user),
        tokens=sessions.live_tokens(db.session, current_user),
    )


@bp.route("/account/sessions/<int:session_id>/revoke", methods=["POST"])
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
def revoke_session(session_id: int):
    row = sessions.revoke_session(db.session, current_user, session_id)
    if row.id == sessions.current_session_id(current_user):
        sessions.sign_out(current_user)
        flash(_("You have signed out."))
        return redirect(url_for("public.home"))
    flash(_("That sign-in has ended."))
    return redirect(url_for("accounts.account"))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
def revoke_token(token_id: int):
    row = services.revoke_token(db.session, current_user, token_id)
    flash(_("The API token “%(name)s” is revoked.", name=row.name))
    return redirect(url_for("accounts.account"))


@bp.route("/admin/")
@roles(Role.ADMIN)
def admin_home():
    pending = db.session.scalars(
        select(Organization).where(Organization.status == OrgStatus.PENDING).order_by(Organization.created_at)
    ).all()
    return render_template("admin/home.html", pending=pending)


@bp.route("/admin/organizations")
@roles(Role.ADMIN)
def organizations():
    status = request.args.get("status")
    search = request.args.get("q", "").strip()
    query = select(Organization).order_by(Organization.name)
    if status in {s.value for s in OrgStatus}:
        query = query.where(Organization.status == status)
    if search:
        query = query.where(matches(search, Organization.name, Organization.tax_code, Organization.commune))
    orgs = db.session.scalars(query).all()
    return render_template(
        "admin/organizations.html", orgs=orgs, status=status, statuses=list(OrgStatus), search=search
    )


@bp.route("/admin/organizations/<int:org_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def organization(org_id: int):
    org = services.get_organization(db.session, org_id)
    form = FormResult(values={})
    if request.method == "POST":
        form = submit_form(
            VerifySchema(), lambda data: services.decide_organization(db.session, org, current_user, data)
        )
        if not form.errors:
            flash(_("The organisation is now: %(status)s.", status=label(org.status)))
            return redirect(url_for("accounts.organization", org_id=org.id))
    decisions = services.decision_history(db.session, org)
    return render_template("admin/organization.html", org=org, decisions=decisions, errors=form.errors), form.status
