"""Pages: a business signs up; a producer invites colleagues; a colleague accepts the invitation."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from traceability import db
from traceability.accounts import signup
from traceability.accounts.models import OrgKind, Role
from traceability.accounts.schemas import InviteSchema, PasswordSchema, SignupSchema
from traceability.accounts.views import bp
from traceability.auth import public, roles
from traceability.extensions import limiter
from traceability.forms import choices, handle_form, render_form, spec
from traceability.reference import services as reference

SIGNUP_FIELDS = [
    spec("organization", _l("Your organisation"), "heading"),
    spec("organization-name", _l("Name"), required=True),
    spec("organization-kind", _l("Kind"), "select", options=choices(OrgKind), required=True),
    spec("organization-tax_code", _l("Tax code"), required=True, hint=_l("10 digits, or 10-3 for a branch")),
    spec("organization-commune_code", _l("Commune or ward"), "select", blank=_l("— outside the list —"), groups=True),
    spec("organization-commune", _l("Commune or ward outside the province (typed)")),
    spec("organization-province", _l("Province (for a commune outside the list)")),
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
        # the same answer whether or not the tax code or e-mail address was registered already (see signup.py)
        made = signup.register(db.session, data)
        if made is not None:  # shipments waiting for this tax code arrive in the new workspace
            from traceability.shipments.services import waiting_for

            waiting_for(db.session, made[0])
        flash(
            _(
                "Thank you. If this tax code and e-mail address were new, your organisation is registered and "
                "awaits verification: sign in to prepare your records. If either was registered already, nothing "
                "was created: sign in with that account."
            )
        )
        return redirect(url_for("accounts.login"))

    def render(values, errors):
        values = {k: v for k, v in values.items() if not k.endswith("password")}
        fields = reference.with_commune_options(db.session, SIGNUP_FIELDS, name="organization-commune_code")
        return render_form(
            _("Register your business"),
            fields,
            values,
            _flatten(errors),
            intro=_("The provincial administration checks every new organisation before it can publish."),
            submit=_("Register"),
        )

    return handle_form(SignupSchema(), save, render, _invited_values(), parse=_nest)


def _invited_values() -> dict[str, Any]:
    """The form's first values; through a shipment's invitation link, the buyer's tax code and e-mail address."""
    from traceability.shipments.services import shipment_for_invitation

    values = {"organization-province": "Thái Nguyên"}
    token = request.args.get("invite")
    shipment = shipment_for_invitation(db.session, token) if token else None
    if shipment is not None:
        values["organization-tax_code"] = shipment.to_tax_code
        if shipment.invite_email:
            values["user-email"] = shipment.invite_email
    return values


@bp.route("/app/organization", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def my_organization():
    org = current_user.organization

    def render(values, errors, link=None):
        return render_template("accounts/organization.html", org=org, values=values, errors=errors, link=link)

    def save(data):
        token = signup.invite(current_user, data)
        flash(
            _(
                "Send %(name)s this link to choose a password (valid for 7 days). They appear among your "
                "colleagues once they have joined.",
                name=data["full_name"],
            )
        )
        return render({}, {}, url_for("accounts.join", token=token, _external=True))

    return handle_form(InviteSchema(), save, render)


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
def join(token: str):
    org, _email, full_name = signup.invitation(db.session, token)

    def save(data):
        # the same answer whether or not the address had an account already (see signup.py)
        signup.accept_invitation(db.session, token, data["password"])
        flash(
            _(
                "Thank you. Sign in with your e-mail address and the password you chose. If this address had an "
                "account already, nothing was changed: sign in with that account."
            )
        )
        return redirect(url_for("accounts.login"))

    fields = [spec("password", _l("Choose a password"), "password", required=True, hint=_l("At least 8 characters"))]
    return handle_form(
        PasswordSchema(),
        save,
        lambda v, e: render_form(_("Welcome, %(name)s", name=full_name), fields, {}, e, intro=org.name),
    )
