"""Pages: a business signs up; a producer invites colleagues; a colleague accepts the invitation."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from traceability import db
from traceability.accounts import signup
from traceability.accounts.models import OrgKind, Role, User
from traceability.accounts.schemas import InviteSchema, PasswordSchema, SignupSchema
from traceability.accounts.views import bp
from traceability.auth import public, roles
from traceability.extensions import limiter
from traceability.forms import choices, handle_form, render_form, spec

SIGNUP_FIELDS = [
    spec("organization", _l("Your organisation"), "heading"),
    spec("organization-name", _l("Name"), required=True),
    spec("organization-kind", _l("Kind"), "select", options=choices(OrgKind), required=True),
    spec("organization-tax_code", _l("Tax code"), required=True, hint=_l("10 digits, or 10-3 for a branch")),
    spec("organization-province", _l("Province"), required=True),
    spec("organization-commune", _l("Commune or ward"), required=True),
    spec("organization-address", _l("Address"), required=True),
    spec("organization-phone", _l("Phone"), "tel"),
    spec("user", _l("Your account"), "heading"),
    spec("user-full_name", _l("Full name"), required=True),
    spec("user-email", _l("E-mail"), "email", required=True),
    spec("user-password", _l("Password"), "password", required=True, hint=_l("At least 8 characters")),
]


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {"organization": {}, "user": {}}
    for key, value in values.items():
        group, _sep, name = key.partition("-")
        if group in nested and name:
            nested[group][name] = value
    return nested


def _flatten(errors: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for group, messages in errors.items():
        if isinstance(messages, dict):
            flat.update({f"{group}-{name}": m for name, m in messages.items()})
        else:
            flat[group] = messages
    return flat


@bp.route("/signup", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def signup_page():
    def save(data):
        _org, user = signup.register(db.session, data)
        login_user(user)
        flash(_("Your organisation is registered and awaits verification. You can prepare your records now."))
        return redirect(url_for("registry.home"))

    def render(values, errors):
        values = {k: v for k, v in values.items() if not k.endswith("password")}
        return render_form(
            _("Register your business"),
            SIGNUP_FIELDS,
            values,
            _flatten(errors),
            intro=_("The provincial administration checks every new organisation before it can publish."),
            submit=_("Register"),
        )

    return handle_form(SignupSchema(), save, render, {"organization-province": "Thái Nguyên"}, parse=_nest)


@bp.route("/app/organization", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def my_organization():
    org = current_user.organization

    def render(values, errors, link=None):
        return render_template("accounts/organization.html", org=org, values=values, errors=errors, link=link)

    def save(data):
        user, token = signup.invite(db.session, current_user, data)
        flash(_("%(name)s is added. Send them this link to choose a password (valid for 7 days).", name=user.full_name))
        return render({}, {}, url_for("accounts.join", token=token, _external=True))

    return handle_form(InviteSchema(), save, render)


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
def join(token: str):
    user: User = signup.invited_user(db.session, token)

    def save(data):
        signup.accept_invitation(db.session, token, data["password"])
        login_user(user)
        return redirect(url_for("registry.home"))

    fields = [spec("password", _l("Choose a password"), "password", required=True, hint=_l("At least 8 characters"))]
    return handle_form(
        PasswordSchema(),
        save,
        lambda v, e: render_form(
            _("Welcome, %(name)s", name=user.full_name), fields, {}, e, intro=user.organization.name
        ),
    )
